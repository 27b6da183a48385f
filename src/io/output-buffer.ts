import { initialOutputBytes } from '../limits.js';

/**
 * One connection's unsent reply bytes, in bytes[start, end). Encoders call reserve(n) and write n
 * bytes at the offset it returns; the transport sends from start and calls consume() for what the
 * kernel took. The buffer only grows, by doubling, up to its pending-output limit, which each
 * listener sets for its connections (a wire with large values needs a larger one).
 */
/** The bytes of a dropped buffer: nothing until the next reserve. */
const noBytes = new Uint8Array(0);

export class OutputBuffer {
  bytes: Uint8Array;
  start = 0;
  end = 0;

  constructor(
    readonly maxPendingBytes: number,
    private readonly initialBytes: number = initialOutputBytes,
  ) {
    if (!(maxPendingBytes > 0 && initialBytes > 0))
      throw new RangeError('OutputBuffer sizes must be positive');
    this.bytes = new Uint8Array(initialBytes);
  }

  get pendingBytes(): number {
    return this.end - this.start;
  }

  /**
   * Appends room for `n` bytes and returns its offset in `bytes` (which may be a new array after
   * this call), or -1 when the pending output would exceed maxPendingBytes: the caller must then
   * close the connection, as the original does.
   */
  reserve(n: number): number {
    const pending = this.end - this.start;
    if (pending + n > this.maxPendingBytes) return -1;
    if (this.end + n > this.bytes.length) this.makeRoom(pending, n);
    const offset = this.end;
    this.end += n;
    return offset;
  }

  /** Gives back the last `n` reserved bytes (a reply that came out shorter than reserved). */
  release(n: number): void {
    if (n < 0 || n > this.end - this.start) throw new RangeError(`release(${n}) of ${this.pendingBytes}`);
    this.end -= n;
  }

  /**
   * Drops every pending byte and gives the memory back (the connection closed): the next reserve
   * starts again from initialBytes. Ids are reused, so a closed connection must not keep a grown
   * buffer, nor any buffer at all while its id stays free.
   */
  drop(): void {
    this.bytes = noBytes;
    this.start = 0;
    this.end = 0;
  }

  /** Drops the first `n` pending bytes (sent). */
  consume(n: number): void {
    if (n < 0 || n > this.end - this.start) throw new RangeError(`consume(${n}) of ${this.pendingBytes}`);
    this.start += n;
    if (this.start === this.end) {
      this.start = 0;
      this.end = 0;
    }
  }

  private makeRoom(pending: number, n: number): void {
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
