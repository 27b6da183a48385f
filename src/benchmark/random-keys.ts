/** Length of a -r key: 16 hex chars of the run's random prefix, 16 of a counter (spec 6.2). */
export const randomKeyLength = 32;
const halfLength = 16;

/** "00".."ff" as two ASCII bytes each, so a key is written with table lookups. */
const hexPairs = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  const text = i.toString(16).padStart(2, '0');
  hexPairs[i] = (text.charCodeAt(0) << 8) | text.charCodeAt(1);
}

function writeHex32(bytes: Uint8Array, at: number, value: number): void {
  for (let shift = 24; shift >= 0; shift -= 8) {
    const pair = hexPairs[(value >>> shift) & 0xff];
    bytes[at] = pair >> 8;
    bytes[at + 1] = pair & 0xff;
    at += 2;
  }
}

/**
 * The original's unique keys: a per-run random 64-bit prefix and a 64-bit counter with a random
 * start, +1 per key, both as big-endian lowercase hex. The counter is kept as two uint32 halves.
 */
export class RandomKeys {
  private readonly prefixHigh: number;
  private readonly prefixLow: number;
  private counterHigh: number;
  private counterLow: number;

  /** seed: 16 random bytes, the prefix then the counter's start. */
  constructor(seed: Uint8Array) {
    const view = new DataView(seed.buffer, seed.byteOffset, 16);
    this.prefixHigh = view.getUint32(0);
    this.prefixLow = view.getUint32(4);
    this.counterHigh = view.getUint32(8);
    this.counterLow = view.getUint32(12);
  }

  /** Writes the prefix half of a key at `at` (once per buffer slot). */
  writePrefix(bytes: Uint8Array, at: number): void {
    writeHex32(bytes, at, this.prefixHigh);
    writeHex32(bytes, at + 8, this.prefixLow);
  }

  /** Writes the counter half of the key starting at `at` and advances the counter. */
  writeNext(bytes: Uint8Array, at: number): void {
    writeHex32(bytes, at + halfLength, this.counterHigh);
    writeHex32(bytes, at + halfLength + 8, this.counterLow);
    this.counterLow = (this.counterLow + 1) >>> 0;
    if (this.counterLow === 0) this.counterHigh = (this.counterHigh + 1) >>> 0;
  }
}

/** A key with the prefix in place and a zero counter, as a template for frames. */
export function randomKeyBytes(keys: RandomKeys): Uint8Array {
  const key = new Uint8Array(randomKeyLength).fill(0x30);
  keys.writePrefix(key, 0);
  return key;
}
