import { initialOutputBytes, initialPinnedPieces } from '../limits.js';
import type { ByteArrayPool } from './byte-array-pool.js';

/** The bytes of a dropped buffer: nothing until the next reserve. */
const noBytes = new Uint8Array(0);

/**
 * One connection's unsent replies: bytes[start, end), with pinned pieces between them. Encoders
 * call reserve(n) and write n bytes at the offset it returns; a large value of the store goes in
 * by reference instead (pin: no copy here, nor in the addon). The transport hands the bytes and
 * the pieces in order to the addon and calls consume() for all of them. The buffer only grows, by
 * doubling, up to its pending-output limit (bytes and pinned pieces together), which each
 * listener sets for its connections (a wire with large values needs a larger one). Its first
 * array comes at the first reserve, from the pool when given one (of initialBytes arrays), and
 * goes back there at drop().
 */
export class OutputBuffer {
  bytes: Uint8Array;
  start = 0;
  end = 0;
  /** Pinned pieces, in order: pinned[i][pinnedStarts[i], pinnedEnds[i]) goes before byte start + pinnedAt[i]. */
  pinnedCount = 0;
  readonly pinned: Uint8Array[] = [];
  pinnedStarts = new Int32Array(initialPinnedPieces);
  pinnedEnds = new Int32Array(initialPinnedPieces);
  pinnedAt = new Int32Array(initialPinnedPieces);
  /** Bytes of the pinned pieces together. */
  pinnedBytes = 0;

  constructor(
    readonly maxPendingBytes: number,
    private readonly initialBytes: number = initialOutputBytes,
    private readonly pool: ByteArrayPool | null = null,
  ) {
    if (!(maxPendingBytes > 0 && initialBytes > 0))
      throw new RangeError('OutputBuffer sizes must be positive');
    if (pool !== null && pool.arrayBytes !== initialBytes)
      throw new RangeError(`OutputBuffer of ${initialBytes} initial bytes, pool of ${pool.arrayBytes}`);
    this.bytes = noBytes;
  }

  /** Bytes and pinned pieces not yet handed to the addon. */
  get pendingBytes(): number {
    return this.end - this.start + this.pinnedBytes;
  }

  /**
   * Appends bytes[offset, offset + length) by reference: the caller guarantees they do not change
   * until sent (a store value, whose out-of-line array is never written again). False when the
   * pending output would exceed maxPendingBytes (close the connection, as for reserve).
   */
  pin(bytes: Uint8Array, offset: number, length: number): boolean {
    if (this.pendingBytes + length > this.maxPendingBytes) return false;
    const i = this.pinnedCount;
    if (i === this.pinnedAt.length) this.growPinned();
    this.pinned[i] = bytes;
    this.pinnedStarts[i] = offset;
    this.pinnedEnds[i] = offset + length;
    this.pinnedAt[i] = this.end - this.start;
    this.pinnedCount = i + 1;
    this.pinnedBytes += length;
    return true;
  }

  /**
   * Appends room for `n` bytes and returns its offset in `bytes` (which may be a new array after
   * this call), or -1 when the pending output would exceed maxPendingBytes: the caller must then
   * close the connection, as the original does.
   */
  reserve(n: number): number {
    const pending = this.end - this.start;
    if (pending + this.pinnedBytes + n > this.maxPendingBytes) return -1;
    if (this.end + n > this.bytes.length) this.makeRoom(pending, n);
    const offset = this.end;
    this.end += n;
    return offset;
  }

  /** Gives back the last `n` reserved bytes (a reply that came out shorter than reserved). */
  release(n: number): void {
    const floor = this.pinnedCount > 0 ? this.start + this.pinnedAt[this.pinnedCount - 1] : this.start;
    if (n < 0 || n > this.end - floor) throw new RangeError(`release(${n}) of ${this.end - floor}`);
    this.end -= n;
  }

  /**
   * Drops every pending byte and gives the memory back (the connection closed): the next reserve
   * starts again from initialBytes. Ids are reused, so a closed connection must not keep a grown
   * buffer, nor any buffer at all while its id stays free.
   */
  drop(): void {
    this.unpinAll();
    this.pool?.give(this.bytes);
    this.bytes = noBytes;
    this.start = 0;
    this.end = 0;
  }

  /** Drops the first `n` pending bytes (handed to the addon); with pinned pieces, only all of them. */
  consume(n: number): void {
    const pending = this.pendingBytes;
    if (n < 0 || n > pending || (this.pinnedCount > 0 && n !== pending))
      throw new RangeError(`consume(${n}) of ${pending}`);
    this.start += n - this.pinnedBytes;
    this.unpinAll();
    if (this.start === this.end) {
      this.start = 0;
      this.end = 0;
    }
  }

  /** Forgets the pinned pieces (the addon holds its own references to those it was given). */
  private unpinAll(): void {
    for (let i = 0; i < this.pinnedCount; i++) this.pinned[i] = noBytes;
    this.pinnedCount = 0;
    this.pinnedBytes = 0;
  }

  private growPinned(): void {
    const size = this.pinnedAt.length * 2;
    const grow = (old: Int32Array) => {
      const next = new Int32Array(size);
      next.set(old);
      return next;
    };
    this.pinnedStarts = grow(this.pinnedStarts);
    this.pinnedEnds = grow(this.pinnedEnds);
    this.pinnedAt = grow(this.pinnedAt);
  }

  private makeRoom(pending: number, n: number): void {
    if (this.bytes.length === 0 && this.pool !== null && n <= this.initialBytes) {
      this.bytes = this.pool.take(); // nothing pending: start = end = 0
      return;
    }
    let capacity = Math.max(this.bytes.length, this.initialBytes);
    while (capacity < pending + n) capacity *= 2;
    if (capacity === this.bytes.length) {
      this.bytes.copyWithin(0, this.start, this.end);
    } else {
      const grown = new Uint8Array(Math.min(capacity, this.maxPendingBytes));
      grown.set(this.bytes.subarray(this.start, this.end));
      this.bytes = grown;
    }
    this.start = 0;
    this.end = pending;
  }
}
