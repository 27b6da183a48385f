import { copyBytes, copyToView, wordCopyMinBytes } from '../bytes.js';
import { maxKeyBytes, maxValueBytes } from '../limits.js';

/**
 * Entry memory: a slab allocator with size classes over fixed-size chunks (large Uint8Arrays).
 * An entry's address is a number in 8-byte units (chunk index in the high bits, 8-byte slot in
 * the low bits), so a table slot holds it in 32 bits (up to 32 GiB of entries). Address 0 is never
 * handed out: it means "empty" to the table.
 *
 * Entry layout (little-endian): u16 key length, u16 value length, u32 expiry slot (0 = none),
 * then the key bytes, then the value bytes. Its size class is a function of 8 + key + value, so an
 * overwrite whose size stays in the class is done in place.
 */
export const entryHeaderBytes = 8;
/** log2 of the chunk size: 4 MiB chunks keep the tail wasted by a 64 KiB entry under 2%. */
export const chunkShift = 22;
export const chunkBytes = 1 << chunkShift;
/** Largest entry. Keys and values are each bounded by the frame; INCR on the largest key adds a value. */
export const maxEntryBytes = entryHeaderBytes + maxKeyBytes + maxValueBytes;
export const maxChunks = 2 ** (32 - (chunkShift - 3));

const slotMask = (1 << (chunkShift - 3)) - 1;
const unitShift = chunkShift - 3;

/** Class sizes: every multiple of 8 up to 256 bytes, then four steps per doubling. */
function buildClassSizes(): number[] {
  const sizes: number[] = [];
  for (let s = 8; s <= 256; s += 8) sizes.push(s);
  for (let base = 256; sizes[sizes.length - 1] < maxEntryBytes; base *= 2) {
    for (let step = 1; step <= 4; step++) sizes.push(base + (base / 4) * step);
  }
  return sizes;
}
export const classSizes: readonly number[] = buildClassSizes();
/** Size class of an entry of n bytes, indexed by ceil(n / 8). */
const classOfUnits = new Uint8Array((maxEntryBytes >> 3) + 2);
{
  let c = 0;
  for (let units = 0; units < classOfUnits.length; units++) {
    while (classSizes[c] < units * 8) c++;
    classOfUnits[units] = c;
  }
}

export function sizeClassOf(entryBytes: number): number {
  return classOfUnits[(entryBytes + 7) >> 3];
}

export class Arena {
  /** Chunk i holds addresses [i << unitShift, (i + 1) << unitShift). */
  readonly chunks: Uint8Array[] = [];
  /** A DataView over each chunk, for copyToView. */
  private readonly chunkViews: DataView[] = [];
  /** Head address of each class's free list; a free entry holds the next address in its first 4 bytes. */
  private readonly freeHeads = new Float64Array(classSizes.length);
  private readonly freeCounts = new Float64Array(classSizes.length);
  private bumpChunk = -1;
  private bumpOffset = chunkBytes;
  /** Bytes of live entries (by class size). */
  bytesUsed = 0;

  /** @param mayReserve asked before each new chunk: may the arena take chunkBytes more? */
  constructor(private readonly mayReserve: (bytes: number) => boolean) {}

  get bytesReserved(): number {
    return this.chunks.length * chunkBytes;
  }

  /** Bytes on free lists (reusable by their own class only). */
  get bytesFree(): number {
    let free = 0;
    for (let c = 0; c < classSizes.length; c++) free += this.freeCounts[c] * classSizes[c];
    return free;
  }

  /** Address of a new entry of class c, or 0 when memory is exhausted. */
  allocate(c: number): number {
    const head = this.freeHeads[c];
    if (head !== 0) {
      this.freeHeads[c] = this.readU32(head, 0);
      this.freeCounts[c]--;
      this.bytesUsed += classSizes[c];
      return head;
    }
    const size = classSizes[c];
    if (this.bumpOffset + size > chunkBytes) {
      if (this.chunks.length >= maxChunks || !this.mayReserve(chunkBytes)) return 0;
      const chunk = new Uint8Array(chunkBytes);
      this.chunks.push(chunk);
      this.chunkViews.push(new DataView(chunk.buffer));
      this.bumpChunk = this.chunks.length - 1;
      // Offset 0 of chunk 0 would be address 0, which means "empty".
      this.bumpOffset = this.bumpChunk === 0 ? 8 : 0;
    }
    const address = this.bumpChunk * (1 << unitShift) + (this.bumpOffset >> 3);
    this.bumpOffset += size;
    this.bytesUsed += size;
    return address;
  }

  free(address: number, c: number): void {
    this.writeU32(address, 0, this.freeHeads[c]);
    this.freeHeads[c] = address;
    this.freeCounts[c]++;
    this.bytesUsed -= classSizes[c];
  }

  chunkOf(address: number): Uint8Array {
    return this.chunks[address >>> unitShift];
  }

  /** Byte offset of an entry inside its chunk. */
  offsetOf(address: number): number {
    return (address & slotMask) << 3;
  }

  keyLength(address: number): number {
    const bytes = this.chunks[address >>> unitShift];
    const o = (address & slotMask) << 3;
    return bytes[o] | (bytes[o + 1] << 8);
  }

  valueLength(address: number): number {
    const bytes = this.chunks[address >>> unitShift];
    const o = (address & slotMask) << 3;
    return bytes[o + 2] | (bytes[o + 3] << 8);
  }

  expirySlot(address: number): number {
    return this.readU32(address, 4);
  }

  setExpirySlot(address: number, slot: number): void {
    this.writeU32(address, 4, slot);
  }

  /** Writes header, key and value of an entry (the key and value must fit its class). */
  write(
    address: number,
    key: Uint8Array,
    keyOffset: number,
    keyLength: number,
    value: Uint8Array,
    valueOffset: number,
    valueLength: number,
    expirySlot: number,
  ): void {
    const bytes = this.chunks[address >>> unitShift];
    const o = (address & slotMask) << 3;
    bytes[o] = keyLength;
    bytes[o + 1] = keyLength >>> 8;
    this.writeU32(address, 4, expirySlot);
    this.copyIn(key, keyOffset, address, o + entryHeaderBytes, keyLength);
    this.writeValue(address, value, valueOffset, valueLength);
  }

  /** Replaces the value of an entry in place (the new size must stay in the entry's class). */
  writeValue(address: number, value: Uint8Array, valueOffset: number, valueLength: number): void {
    const bytes = this.chunks[address >>> unitShift];
    const o = (address & slotMask) << 3;
    bytes[o + 2] = valueLength;
    bytes[o + 3] = valueLength >>> 8;
    this.copyIn(
      value,
      valueOffset,
      address,
      o + entryHeaderBytes + (bytes[o] | (bytes[o + 1] << 8)),
      valueLength,
    );
  }

  /** Copies from[fromOffset, fromOffset + length) to offset `to` of the chunk of `address`. */
  private copyIn(from: Uint8Array, fromOffset: number, address: number, to: number, length: number): void {
    if (length < wordCopyMinBytes) {
      copyBytes(from, fromOffset, this.chunks[address >>> unitShift], to, length);
    } else {
      copyToView(from, fromOffset, this.chunkViews[address >>> unitShift], to, length);
    }
  }

  /** True when the entry's key equals bytes[offset, offset + length). */
  keyEquals(address: number, key: Uint8Array, offset: number, length: number): boolean {
    const bytes = this.chunks[address >>> unitShift];
    const o = (address & slotMask) << 3;
    if ((bytes[o] | (bytes[o + 1] << 8)) !== length) return false;
    const k = o + entryHeaderBytes;
    for (let i = 0; i < length; i++) if (bytes[k + i] !== key[offset + i]) return false;
    return true;
  }

  private readU32(address: number, at: number): number {
    const bytes = this.chunks[address >>> unitShift];
    const o = ((address & slotMask) << 3) + at;
    return (bytes[o] | (bytes[o + 1] << 8) | (bytes[o + 2] << 16) | (bytes[o + 3] << 24)) >>> 0;
  }

  private writeU32(address: number, at: number, v: number): void {
    const bytes = this.chunks[address >>> unitShift];
    const o = ((address & slotMask) << 3) + at;
    bytes[o] = v;
    bytes[o + 1] = v >>> 8;
    bytes[o + 2] = v >>> 16;
    bytes[o + 3] = v >>> 24;
  }
}
