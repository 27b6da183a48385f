import type { CommandContext } from '../../commands/redis-command.js';
import type { CommandTable } from './command-table.js';
import { parseLong } from './request-parser.js';

/** Keys one look-ahead hands the store (the store's maxPrefetchKeys). */
const lookAheadKeys = 64;

type Store = CommandContext['store'];

/**
 * The look-ahead of the Redis front: while the commands of one received chunk run, tells the
 * store the keys (argv[1] of commands whose first key is there: GET, SET, INCR...) of the next
 * complete multibulk commands, up to lookAheadKeys at a time, so that their cache misses overlap
 * (KeyValueStore.prefetch). Only while the store says it helps (its index outgrew the caches),
 * and not for the rest of a chunk whose look-ahead opens with one key twice: a batch of one key
 * (a counter, a hot key) finds it through the store's recent-key memory without hashing, its slot
 * is in cache, and scanning and hashing every command of the batch a second time cost a big-table
 * GET/SET/INCR at -P 128 a fifth to a quarter of its throughput (docs/resp.md).
 */
export class LookAhead {
  private chunk: Uint8Array | null = null;
  private chunkEnd = 0;
  private lookedTo = 0;
  private store: Store | null = null;
  private readonly offsets = new Int32Array(lookAheadKeys);
  private readonly lengths = new Int32Array(lookAheadKeys);
  private readonly hashes = new Int32Array(lookAheadKeys);

  constructor(private readonly table: CommandTable) {}

  /** The commands of bytes[offset, offset + length) are about to run against `store`. */
  begin(bytes: Uint8Array, offset: number, length: number, store: Store): void {
    this.chunk = store.prefetchHelps ? bytes : null;
    this.chunkEnd = offset + length;
    this.lookedTo = offset;
    this.store = store;
  }

  /** The chunk is done; keeps no reference to it. */
  end(): void {
    this.chunk = null;
    this.store = null;
  }

  /** The command at bytes[start] is about to run: look ahead from it when past the last look-ahead. */
  before(bytes: Uint8Array, start: number): void {
    if (bytes === this.chunk && start >= this.lookedTo) this.lookAhead(bytes, start);
  }

  private lookAhead(bytes: Uint8Array, at: number): void {
    const end = this.chunkEnd;
    let pos = at;
    let count = 0;
    while (count < lookAheadKeys && pos < end && bytes[pos] === 0x2a) {
      const found = this.scan(bytes, pos, end, count);
      if (found < 0) break;
      count += found;
      pos = this.lastEnd;
      if (found === 1 && count === 2 && this.sameKeys(bytes)) {
        this.lookedTo = end;
        return;
      }
    }
    // Nothing to scan from here (an inline command, a command split at the chunk's end): not again in this chunk.
    this.lookedTo = pos > at ? pos : end;
    if (count > 0) this.store!.prefetch(bytes, this.offsets, this.lengths, count, this.hashes);
  }

  /** Whether the first two keys of this look-ahead are the same bytes. */
  private sameKeys(bytes: Uint8Array): boolean {
    const length = this.lengths[0];
    if (this.lengths[1] !== length) return false;
    const first = this.offsets[0];
    const second = this.offsets[1];
    for (let i = length - 1; i >= 0; i--) if (bytes[first + i] !== bytes[second + i]) return false;
    return true;
  }

  /** End of the command scan() last went through. */
  private lastEnd = 0;

  /**
   * Walks the complete multibulk command at `pos`: -1 when it is incomplete or malformed (the
   * parser will say why), 1 when its key went into slot `slot`, 0 otherwise; lastEnd is its end.
   */
  private scan(bytes: Uint8Array, pos: number, end: number, slot: number): number {
    let lineEnd = crlf(bytes, pos + 1, end);
    if (lineEnd < 0) return -1;
    const count = parseLong(bytes, pos + 1, lineEnd);
    if (!(count >= 0)) return -1;
    pos = lineEnd + 2;
    let nameOffset = 0;
    let nameLength = 0;
    let keyOffset = -1;
    let keyLength = 0;
    for (let i = 0; i < count; i++) {
      if (pos >= end || bytes[pos] !== 0x24) return -1;
      lineEnd = crlf(bytes, pos + 1, end);
      if (lineEnd < 0) return -1;
      const length = parseLong(bytes, pos + 1, lineEnd);
      if (!(length >= 0) || end - (lineEnd + 2) < length + 2) return -1;
      if (i === 0) {
        nameOffset = lineEnd + 2;
        nameLength = length;
      } else if (i === 1) {
        keyOffset = lineEnd + 2;
        keyLength = length;
      }
      pos = lineEnd + 2 + length + 2;
    }
    this.lastEnd = pos;
    if (keyOffset < 0) return 0;
    const entry = this.table.find(bytes, nameOffset, nameLength);
    if (entry === undefined || entry.firstKey !== 1) return 0;
    this.offsets[slot] = keyOffset;
    this.lengths[slot] = keyLength;
    return 1;
  }
}

/** Index of the CR of the first CRLF-terminated line from `from`, or -1 when there is none before end. */
function crlf(bytes: Uint8Array, from: number, end: number): number {
  for (let i = from; i + 1 < end; i++) if (bytes[i] === 0x0d) return i;
  return -1;
}
