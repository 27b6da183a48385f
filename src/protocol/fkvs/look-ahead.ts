import { type KeyPrefetch, maxLookAheadKeys, unknownKeyHash } from '../../commands/key-prefetch.js';
import { framePrefixBytes } from '../../limits.js';
import { fkvsKeyOffset } from './request-decoder.js';

/**
 * The look-ahead of the FKVS dispatcher: while the frames of one received chunk run, tells the
 * store the keys of the next complete frames, up to maxLookAheadKeys at a time, so that their
 * cache misses overlap (KeyPrefetch); then hands each frame the hash of its key, so the store
 * does not hash it again.
 */
export class LookAhead {
  /** The chunk being fed when the store wants look-ahead, and how far into it the store has been told of keys. */
  private chunk: Uint8Array | null = null;
  private chunkEnd = 0;
  private lookedTo = 0;
  /** Where the frames of the keys of the last look-ahead start, in frame order (the keys are in prefetch). */
  private readonly keyFrames = new Int32Array(maxLookAheadKeys);
  private keyCount = 0;
  /** The first of those keys whose frame has not run yet. */
  private nextKey = 0;

  constructor(private readonly prefetch: KeyPrefetch) {}

  /** The frames of bytes[offset, offset + length) are about to run (whole frames from `offset` on). */
  begin(bytes: Uint8Array, offset: number, length: number): void {
    this.chunk = this.prefetch.helps ? bytes : null;
    this.chunkEnd = offset + length;
    this.lookedTo = offset;
    this.keyCount = 0;
  }

  /** The chunk is done; keeps no reference to it. */
  end(): void {
    this.chunk = null;
  }

  /** The store hash of the key of the frame at bytes[at], or unknownKeyHash (a carried frame, no key, look-ahead off). */
  keyHash(bytes: Uint8Array, at: number): number {
    return bytes === this.chunk ? this.knownKeyHash(bytes, at) : unknownKeyHash;
  }

  /**
   * As keyHash, for a frame of the chunk, looking ahead first when the frame lies past the last
   * look-ahead. Out of line from keyHash, so that V8 inlines none of it into the frame loop where
   * look-ahead is off.
   */
  private knownKeyHash(bytes: Uint8Array, at: number): number {
    if (at >= this.lookedTo) this.lookAhead(bytes, at);
    // Frames run in look-ahead order: the next known key is this frame's, or a later frame's.
    const k = this.nextKey;
    if (k >= this.keyCount || this.keyFrames[k] !== at) return unknownKeyHash;
    this.nextKey = k + 1;
    return this.prefetch.hashes[k];
  }

  /** Tells the store the keys of the complete frames from `at` (a frame start) on, up to maxLookAheadKeys of them. */
  private lookAhead(bytes: Uint8Array, at: number): void {
    const end = this.chunkEnd;
    const prefetch = this.prefetch;
    let pos = at;
    let count = 0;
    while (count < maxLookAheadKeys && end - pos >= framePrefixBytes) {
      const core = (bytes[pos] << 8) | bytes[pos + 1];
      if (end - pos < framePrefixBytes + core) break;
      const key = fkvsKeyOffset(bytes, pos, core);
      if (key >= 0) {
        this.keyFrames[count] = pos;
        prefetch.offsets[count] = key;
        prefetch.lengths[count] = (bytes[key - 2] << 8) | bytes[key - 1];
        count++;
      }
      pos += framePrefixBytes + core;
    }
    this.lookedTo = pos;
    this.keyCount = count;
    this.nextKey = 0;
    if (count > 0) prefetch.load(bytes, count);
  }
}
