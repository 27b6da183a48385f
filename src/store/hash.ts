/**
 * XXH32 over a byte range, without copying. Hand-written rather than xxhash-wasm's h32Raw because
 * keys are short: crossing into wasm and copying the key costs more than hashing it here
 * (docs/store.md has the measurement). xxhash-wasm stays the oracle in the tests.
 */
const prime1 = 0x9e3779b1;
const prime2 = 0x85ebca77;
const prime3 = 0xc2b2ae3d;
const prime4 = 0x27d4eb2f;
const prime5 = 0x165667b1;
/** Bits the store drops from XXH32 so that key hashes are small integers (tables index at most 2^28 slots). */
export const keyHashDropBits = 2;

function round(acc: number, lane: number): number {
  acc = (acc + Math.imul(lane, prime2)) | 0;
  acc = (acc << 13) | (acc >>> 19);
  return Math.imul(acc, prime1);
}

function readU32(bytes: Uint8Array, i: number): number {
  return bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
}

/**
 * XXH32 of bytes[offset, offset + length) with the given seed, as an unsigned 32-bit integer
 * shifted right by dropBits. The store drops two bits (keyHashDropBits): a 30-bit result is a V8
 * small integer, while a full 32-bit one above 2^30 is boxed into a new HeapNumber on every
 * return or call that is not inlined (measured: one scavenge per ~1,300 dispatched SETs).
 * The stripes of 16 bytes and more are in stripes(), out of line: this part stays small enough
 * for V8 to inline into the store's lookups (whole, it was over V8's size limit for inlining).
 */
export function xxh32(bytes: Uint8Array, offset: number, length: number, seed: number, dropBits = 0): number {
  const end = offset + length;
  let i = offset + (length & ~15);
  let h = length >= 16 ? stripes(bytes, offset, i, seed) : (seed + prime5) | 0;
  h = (h + length) | 0;
  while (i + 4 <= end) {
    h = (h + Math.imul(readU32(bytes, i), prime3)) | 0;
    h = Math.imul((h << 17) | (h >>> 15), prime4);
    i += 4;
  }
  while (i < end) {
    h = (h + Math.imul(bytes[i], prime5)) | 0;
    h = Math.imul((h << 11) | (h >>> 21), prime1);
    i++;
  }
  h ^= h >>> 15;
  h = Math.imul(h, prime2);
  h ^= h >>> 13;
  h = Math.imul(h, prime3);
  h ^= h >>> 16;
  return h >>> dropBits;
}

/** The four accumulators of XXH32 over the 16-byte stripes of bytes[offset, limit), merged. */
function stripes(bytes: Uint8Array, offset: number, limit: number, seed: number): number {
  let v1 = (seed + prime1 + prime2) | 0;
  let v2 = (seed + prime2) | 0;
  let v3 = seed | 0;
  let v4 = (seed - prime1) | 0;
  for (let i = offset; i < limit; i += 16) {
    v1 = round(v1, readU32(bytes, i));
    v2 = round(v2, readU32(bytes, i + 4));
    v3 = round(v3, readU32(bytes, i + 8));
    v4 = round(v4, readU32(bytes, i + 12));
  }
  return (
    (((v1 << 1) | (v1 >>> 31)) +
      ((v2 << 7) | (v2 >>> 25)) +
      ((v3 << 12) | (v3 >>> 20)) +
      ((v4 << 18) | (v4 >>> 14))) |
    0
  );
}
