import type { RandomKeys } from './random-keys.js';
import type { RequestTemplate } from './request-template.js';

/**
 * Pre-built request bytes of one connection: the workload's pattern repeated so that any batch of
 * up to `depth` requests, starting at any pattern position, is one contiguous range. A batch is
 * then sent as one write of [frameStart(s), frameStart(s + count)) with no copying or allocation;
 * only -r rewrites the counter half of each key in place before the send.
 */
export class BatchBuffer {
  readonly bytes: Uint8Array;
  private readonly starts: Int32Array;
  /** Slot s's keys start at keyOffsets[keyStarts[s]] .. keyOffsets[keyStarts[s + 1] - 1]. */
  private readonly keyStarts: Int32Array;
  private readonly keyOffsets: Int32Array;

  constructor(pattern: RequestTemplate[], depth: number) {
    const slots = depth + pattern.length - 1;
    this.starts = new Int32Array(slots + 1);
    this.keyStarts = new Int32Array(slots + 1);
    let size = 0;
    let keys = 0;
    for (let i = 0; i < slots; i++) {
      this.starts[i] = size;
      this.keyStarts[i] = keys;
      const template = pattern[i % pattern.length];
      size += template.frame.length;
      keys += template.keyOffsets.length;
    }
    this.starts[slots] = size;
    this.keyStarts[slots] = keys;
    this.bytes = new Uint8Array(size);
    this.keyOffsets = new Int32Array(keys);
    for (let i = 0; i < slots; i++) {
      const template = pattern[i % pattern.length];
      this.bytes.set(template.frame, this.starts[i]);
      for (let k = 0; k < template.keyOffsets.length; k++) {
        this.keyOffsets[this.keyStarts[i] + k] = this.starts[i] + template.keyOffsets[k];
      }
    }
  }

  /** Byte offset where the request in slot `slot` starts (slot count: the end of the last one). */
  frameStart(slot: number): number {
    return this.starts[slot];
  }

  /** Gives the requests in slots [first, first + count) fresh keys. */
  writeKeys(keys: RandomKeys, first: number, count: number): void {
    const offsets = this.keyOffsets;
    for (let k = this.keyStarts[first]; k < this.keyStarts[first + count]; k++) {
      keys.writeNext(this.bytes, offsets[k]);
    }
  }
}
