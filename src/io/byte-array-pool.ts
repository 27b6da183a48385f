/**
 * Byte arrays of one size kept for reuse, at most maxArrays of them. A new ArrayBuffer costs its
 * allocation, its page faults and, in numbers, garbage collections that V8 starts for external
 * memory: 16 KiB arrays took 130-230 us each on this VM (a loop of 2000, node 20), so 1000
 * connections opening at once spent over 100 ms of one loop turn in them. Arrays handed back here
 * are taken again instead.
 */
export class ByteArrayPool {
  private readonly free: Uint8Array[] = [];

  constructor(
    readonly arrayBytes: number,
    readonly maxArrays: number,
  ) {
    if (!(arrayBytes > 0 && maxArrays >= 0)) throw new RangeError('ByteArrayPool sizes must be positive');
  }

  /** Arrays kept now. */
  get size(): number {
    return this.free.length;
  }

  /** A kept array (its old bytes still in it), or a new one. */
  take(): Uint8Array {
    return this.free.pop() ?? new Uint8Array(this.arrayBytes);
  }

  /** Keeps the array for a later take(), unless it has another size or the pool is full. No one may use it after. */
  give(bytes: Uint8Array): void {
    if (bytes.length === this.arrayBytes && this.free.length < this.maxArrays) {
      this.free.push(bytes);
    }
  }
}
