import { copyBytes, copyToView, wordCopyMinBytes } from '../bytes.js';
import type { MemoryAdvice } from './store-api.js';

/**
 * Entry memory. Small entries live in size-class pages carved from chunks (large Uint8Arrays);
 * an entry larger than maxInlineEntryBytes lives out of line in a Uint8Array of its own, reached
 * through a 20-byte stub in the pages. See docs/store.md ("Arena").
 *
 * An entry's address is a number in 8-byte units (chunk index in the high bits, 8-byte slot in the
 * low bits), so a table slot holds it in 32 bits (up to 32 GiB of pages). Chunk 0 is never made,
 * so address 0 is never handed out: it means "empty" to the table.
 *
 * Entry layout (little-endian): u16 key length, u16 value length, u32 expiry slot (0 = none; the
 * top bit is the snapshot mark), u32 access word (the eviction policy's LRU clock or LFU counter,
 * access-clock.ts), then the key bytes, then the value bytes. Its size class is a function of 12 + key + value, so an overwrite
 * whose size stays in the class is done in place.
 * Stub of an out-of-line entry: u16 largeKeyMarker, u16 0, u32 expiry slot, u32 access word, u32
 * id of its array, u32 key length; the array holds the key, then the value.
 * Free block: u16 freeKeyMarker, u16, u32 address of the next free block of its page.
 */
export const entryHeaderBytes = 12;
/** Offset of the access word in an entry's header (in-line and stub alike). */
const accessAt = 8;
/** The same offset in 4-byte words (chunkWords; little-endian, as every target of Node is). */
const accessWord = accessAt >> 2;
if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1)
  throw new Error('the arena assumes a little-endian machine');
/** Offsets of the array id and key length in the stub of an out-of-line entry. */
const largeIdAt = 12;
const largeKeyLengthAt = 16;
/** log2 of the chunk size: the step in which page memory is taken from the system. */
export const chunkShift = 22;
export const chunkBytes = 1 << chunkShift;
/**
 * log2 of the page size. A page holds blocks of one size class; an empty page goes back to the
 * common pool, where any class takes it. Every class with pages can strand less than one page of
 * free blocks (compaction frees a page from a class that has more), so the page size times the
 * class count is the arena's fragmentation margin: 64 KiB x 55 classes = 3.44 MiB.
 */
export const pageShift = 16;
export const pageBytes = 1 << pageShift;
const pagesPerChunk = chunkBytes / pageBytes;
/** Largest entry kept in the pages (at least 8 blocks a page); larger ones live out of line. */
export const maxInlineEntryBytes = 8192;
export const maxChunks = 2 ** (32 - (chunkShift - 3));

const unitShift = chunkShift - 3;
const slotMask = (1 << unitShift) - 1;
const pageUnitShift = pageShift - 3;
const pageUnits = 1 << pageUnitShift;
/** Key-length values no key has (keys are at most maxKeyBytes = 65531). */
const largeKeyMarker = 0xfffe;
const freeKeyMarker = 0xffff;
const largeStubBytes = 20;
/** pageClass of a page being emptied by compaction: on no list, in no class's count. */
const drainingPage = -2;

/**
 * Class sizes: every multiple of 8 up to 256 bytes, four steps per doubling up to 1 KiB, then the
 * largest multiple of 8 that fits n times in a page for n = 56 ... 8 (at most 25% rounding, and
 * under 8n bytes of a page's tail unused).
 */
function buildClassSizes(): number[] {
  const sizes: number[] = [];
  for (let s = 8; s <= 256; s += 8) sizes.push(s);
  for (let base = 256; base < 1024; base *= 2) {
    for (let step = 1; step <= 4; step++) sizes.push(base + (base / 4) * step);
  }
  for (const n of [56, 48, 40, 36, 32, 28, 24, 20, 18, 16, 14, 12, 10, 9, 8])
    sizes.push(Math.floor(pageBytes / n / 8) * 8);
  return sizes;
}
export const classSizes: readonly number[] = buildClassSizes();
const classCount = classSizes.length;
const blocksPerPage = Int32Array.from(classSizes, (size) => Math.floor(pageBytes / size));
const classUnits = Int32Array.from(classSizes, (size) => size >> 3);
/** Size class of an entry of n bytes, indexed by ceil(n / 8). */
const classOfUnits = new Uint8Array((maxInlineEntryBytes >> 3) + 1);
{
  let c = 0;
  for (let units = 0; units < classOfUnits.length; units++) {
    while (classSizes[c] < units * 8) c++;
    classOfUnits[units] = c;
  }
}

/** Class of an in-line entry of n bytes (n <= maxInlineEntryBytes). */
export function sizeClassOf(entryBytes: number): number {
  return classOfUnits[(entryBytes + 7) >> 3];
}
/** The class of the stub of an out-of-line entry. */
export const largeStubClass = sizeClassOf(largeStubBytes);

/**
 * The header's u32 at offset 4 holds the deadline slot in its low 31 bits (slots never reach 2^31:
 * maxKeys is far below) and the snapshot mark in its top bit.
 */
const snapshotMarkBit = 0x80000000;
const expirySlotMask = 0x7fffffff;

const emptyChunk = new Uint8Array(0);
const emptyView = new DataView(emptyChunk.buffer);
const emptyWords = new Uint32Array(0);

export class Arena {
  /** Chunk i holds addresses [i << unitShift, (i + 1) << unitShift); released slots hold emptyChunk. */
  readonly chunks: Uint8Array[] = [emptyChunk];
  /** A DataView over each chunk, for copyToView. */
  private readonly chunkViews: DataView[] = [emptyView];
  /**
   * A Uint32Array over each chunk, for the access word: at offset 8 of an 8-byte aligned entry it
   * is word-aligned, and one typed-array store is cheaper than a DataView's on every find and set.
   */
  private readonly chunkWords: Uint32Array[] = [emptyWords];
  /** Pages each chunk slot holds (0: no chunk), and how many of them are in the pool. */
  private readonly chunkPages = new Int32Array(maxChunks);
  private readonly chunkPoolPages = new Int32Array(maxChunks);
  private readonly freeChunkSlots: number[] = [];
  private pageBytesReserved = 0;

  // Per page (index: address >>> pageUnitShift), grown with the chunk slots.
  /** Size class of the page, -1 while it is in the pool. */
  private pageClass = new Int32Array(0);
  /** Blocks in use. */
  private pageLive = new Int32Array(0);
  /** Blocks carved so far, from the page's start (pages are carved lazily: untouched memory stays untouched). */
  private pageCarved = new Int32Array(0);
  /** First block of the page's free list (0: none). */
  private pageFreeHead = new Float64Array(0);
  /** Links of the list the page is on: its class's pages with room, or the pool. Full pages are on none. */
  private pageNext = new Int32Array(0);
  private pagePrev = new Int32Array(0);

  /** First page with room of each class (-1: none). */
  private readonly classPartial = new Int32Array(classCount).fill(-1);
  private readonly classPages = new Int32Array(classCount);
  private readonly classLive = new Float64Array(classCount);
  private poolHead = -1;
  private poolPages = 0;
  /** Entries moved by compaction so far: a caller holding an address across a call that may compact compares it. */
  moves = 0;
  /**
   * Entries released or moved so far: while it is unchanged, every address handed out since still
   * holds the same live entry (ArenaStore's recent key relies on it).
   */
  generation = 0;
  /**
   * generation and pageBytesReserved when reserveOutsidePages last found nothing more to give back
   * (no empty or drainable chunk, no class to compact): until an entry is released or moved or a
   * chunk comes or goes, that still holds, and a refused write asking again costs no walk of the
   * chunks.
   */
  private exhaustedGeneration = -1;
  private exhaustedPageBytes = -1;

  /** Out-of-line entries by id (emptyChunk when the id is free). */
  private readonly large: Uint8Array[] = [];
  private readonly freeLargeIds: number[] = [];
  private largeBytes = 0;

  /** Bytes of live entries: class sizes of blocks in use, plus the out-of-line arrays. */
  bytesUsed = 0;

  /**
   * @param mayReserve asked before taking memory from the system: may the arena take this many bytes more?
   * @param relocate told when compaction moved an entry, so that the table and deadline index follow it.
   */
  constructor(
    private readonly mayReserve: (bytes: number) => boolean,
    private readonly relocate: (from: number, to: number) => void,
    private readonly adviseMemory: MemoryAdvice = () => {},
  ) {}

  /** Page chunks plus out-of-line arrays. */
  get bytesReserved(): number {
    return this.pageBytesReserved + this.largeBytes;
  }

  /** Live entries (blocks in use). */
  get entries(): number {
    let n = 0;
    for (let c = 0; c < classCount; c++) n += this.classLive[c];
    return n;
  }

  /**
   * How far below its limit the arena may refuse an in-line entry: each class strands less than a
   * page of free blocks, the last chunk taken may be short of the limit by less than a page, and
   * page tails leave under 1/128 of a page unused. Out-of-line arrays may in addition find up to a
   * chunk of pool pages they cannot use (scattered over chunks that still hold entries).
   */
  get marginBytes(): number {
    return (classCount + 1) * pageBytes + Math.ceil(this.pageBytesReserved / 128);
  }

  /** True when allocate(c) will succeed without taking memory from the system or compacting. */
  ready(c: number): boolean {
    return this.classPartial[c] >= 0 || this.poolHead >= 0;
  }

  /**
   * Makes allocate(c) succeed: a new chunk if the limit allows, else compaction of one page of the
   * class with the most free blocks (this moves entries: addresses held across the call are stale).
   * False when neither is possible.
   */
  makeRoom(c: number): boolean {
    return this.ready(c) || this.addChunk() || this.compactOnePage();
  }

  /** Address of a new block of class c, or 0 when memory is exhausted (never compacts). */
  allocate(c: number): number {
    let p = this.classPartial[c];
    if (p < 0) {
      if (this.poolHead < 0 && !this.addChunk()) return 0;
      p = this.takePage(c);
    }
    let address = this.pageFreeHead[p];
    if (address !== 0) {
      this.pageFreeHead[p] = this.readU32(address, 4);
    } else {
      address = p * pageUnits + this.pageCarved[p] * classUnits[c];
      this.pageCarved[p]++;
    }
    if (++this.pageLive[p] === blocksPerPage[c]) this.unlink(p);
    this.classLive[c]++;
    this.bytesUsed += classSizes[c];
    return address;
  }

  /** Frees an entry, with its out-of-line array. */
  release(address: number): void {
    this.generation++;
    const c = this.inlineClass(address);
    if (c < 0) {
      this.dropLarge(this.readU32(address, largeIdAt));
      this.free(address, largeStubClass);
    } else {
      this.free(address, c);
    }
  }

  /** Size class of an in-line entry's block; -1 for an out-of-line entry (whose stub is of largeStubClass). */
  inlineClass(address: number): number {
    const bytes = this.chunks[address >>> unitShift];
    const o = (address & slotMask) << 3;
    const keyLength = bytes[o] | (bytes[o + 1] << 8);
    if (keyLength === largeKeyMarker) return -1;
    return classOfUnits[(entryHeaderBytes + keyLength + (bytes[o + 2] | (bytes[o + 3] << 8)) + 7) >> 3];
  }

  isLarge(address: number): boolean {
    const bytes = this.chunks[address >>> unitShift];
    const o = (address & slotMask) << 3;
    return bytes[o + 1] === largeKeyMarker >>> 8 && bytes[o] === (largeKeyMarker & 0xff);
  }

  /**
   * Reserves the array of an out-of-line entry of these sizes; its id, or -1 when the memory limit
   * refuses it. Give it to writeLarge, or back with dropLarge.
   */
  newLarge(keyLength: number, valueLength: number): number {
    const n = keyLength + valueLength;
    if (!this.reserveOutsidePages(n)) return -1;
    const id = this.freeLargeIds.length > 0 ? this.freeLargeIds.pop()! : this.large.length;
    const array = new Uint8Array(n);
    if (id === this.large.length) this.large.push(array);
    else this.large[id] = array;
    this.largeBytes += n;
    this.bytesUsed += n;
    return id;
  }

  dropLarge(id: number): void {
    const n = this.large[id].length;
    this.large[id] = emptyChunk;
    this.freeLargeIds.push(id);
    this.largeBytes -= n;
    this.bytesUsed -= n;
  }

  /** Writes an out-of-line entry: the stub at `address` (a block of largeStubClass), key and value into array `id`. */
  writeLarge(
    address: number,
    id: number,
    key: Uint8Array,
    keyOffset: number,
    keyLength: number,
    value: Uint8Array,
    valueOffset: number,
    valueLength: number,
    expirySlot: number,
    access: number,
  ): void {
    const bytes = this.chunks[address >>> unitShift];
    const o = (address & slotMask) << 3;
    bytes[o] = largeKeyMarker & 0xff;
    bytes[o + 1] = largeKeyMarker >>> 8;
    bytes[o + 2] = 0;
    bytes[o + 3] = 0;
    this.writeU32(address, 4, expirySlot);
    this.setAccess(address, access);
    this.writeU32(address, largeIdAt, id);
    this.writeU32(address, largeKeyLengthAt, keyLength);
    const array = this.large[id];
    copyBytes(key, keyOffset, array, 0, keyLength);
    copyBytes(value, valueOffset, array, keyLength, valueLength);
  }

  /**
   * Replaces the value of an out-of-line entry with another too large for the pages; false when
   * memory is refused. Always into a new array: an out-of-line array is never written again once
   * stored, so a reply may send it by reference while the key is overwritten (the old array lives
   * on, outside the store's count, until that send is done; the client output limits count it).
   */
  rewriteLarge(address: number, value: Uint8Array, valueOffset: number, valueLength: number): boolean {
    const id = this.readU32(address, largeIdAt);
    const keyLength = this.readU32(address, largeKeyLengthAt);
    const old = this.large[id];
    const n = keyLength + valueLength;
    if (n > old.length && !this.reserveOutsidePages(n - old.length)) return false;
    const array = new Uint8Array(n);
    copyBytes(old, 0, array, 0, keyLength);
    copyBytes(value, valueOffset, array, keyLength, valueLength);
    this.large[id] = array;
    this.largeBytes += n - old.length;
    this.bytesUsed += n - old.length;
    return true;
  }

  /**
   * Gives the chunks whose pages are all in the pool back to the system (for memory the pages
   * cannot serve: out-of-line arrays, table growth); returns how many.
   */
  releaseEmptyChunks(): number {
    if (this.poolPages === 0 || this.exhausted()) return 0;
    let released = 0;
    for (let chunk = 1; chunk < this.chunks.length; chunk++) {
      const pages = this.chunkPages[chunk];
      if (pages === 0 || this.chunkPoolPages[chunk] !== pages) continue;
      this.releaseChunk(chunk);
      released++;
    }
    return released;
  }

  /**
   * Memory for an out-of-line array: from the system, else from chunks given back: chunks whose
   * pages are all in the pool, else a chunk drained by moving its entries into pool pages
   * elsewhere, compacting classes a page at a time until some chunk can be (this may move
   * entries: see `moves`). Each chunk given back costs at most one chunk of moves and
   * pagesPerChunk page compactions (the pool gains a page per compaction; once it holds a chunk's
   * worth, any chunk with a pool page can be drained). False when even that falls short.
   */
  reserveOutsidePages(bytes: number): boolean {
    while (!this.mayReserve(bytes)) {
      if (this.exhausted()) return false;
      if (this.releaseEmptyChunks() > 0) continue;
      const chunk = this.drainableChunk();
      if (chunk > 0) {
        this.drainChunk(chunk);
      } else if (!this.compactOnePage()) {
        this.exhaustedGeneration = this.generation;
        this.exhaustedPageBytes = this.pageBytesReserved;
        return false;
      }
    }
    return true;
  }

  private exhausted(): boolean {
    return this.generation === this.exhaustedGeneration && this.pageBytesReserved === this.exhaustedPageBytes;
  }

  /** The chunk with the most pool pages whose other pages fit in the pool's pages elsewhere; 0: none. */
  private drainableChunk(): number {
    let best = 0;
    for (let chunk = 1; chunk < this.chunks.length; chunk++) {
      const pool = this.chunkPoolPages[chunk];
      const live = this.chunkPages[chunk] - pool;
      if (pool > 0 && live <= this.poolPages - pool && (best === 0 || pool > this.chunkPoolPages[best])) {
        best = chunk;
      }
    }
    return best;
  }

  /** Moves every entry out of a chunk (into pages elsewhere) and gives the chunk back. */
  private drainChunk(chunk: number): void {
    const first = chunk * pagesPerChunk;
    const end = first + this.chunkPages[chunk];
    // Off the pool first, so that no entry moves into this chunk.
    for (let p = first; p < end; p++) {
      if (this.pageClass[p] >= 0) continue;
      this.unlink(p);
      this.pageClass[p] = drainingPage;
      this.poolPages--;
    }
    for (let p = first; p < end; p++) {
      const c = this.pageClass[p];
      if (c >= 0 && this.pageLive[p] < blocksPerPage[c]) {
        this.unlink(p);
        this.pageClass[p] = drainingPage;
        this.classPages[c]--;
        this.evacuate(p, c);
      }
    }
    for (let p = first; p < end; p++) {
      const c = this.pageClass[p];
      if (c >= 0) {
        this.pageClass[p] = drainingPage; // full: on no list
        this.classPages[c]--;
        this.evacuate(p, c);
      }
    }
    this.chunkPoolPages[chunk] = 0;
    this.releaseChunk(chunk);
  }

  /** Gives a chunk back; its pages are all in the pool, or drained. */
  private releaseChunk(chunk: number): void {
    const pages = this.chunkPages[chunk];
    for (let p = chunk * pagesPerChunk; p < chunk * pagesPerChunk + pages; p++) {
      if (this.pageClass[p] === -1) {
        this.unlink(p);
        this.poolPages--;
      }
      this.pageClass[p] = -1;
    }
    this.chunks[chunk] = emptyChunk;
    this.chunkViews[chunk] = emptyView;
    this.chunkWords[chunk] = emptyWords;
    this.chunkPages[chunk] = 0;
    this.chunkPoolPages[chunk] = 0;
    this.pageBytesReserved -= pages * pageBytes;
    this.freeChunkSlots.push(chunk);
  }

  /** The array and offset of an entry's key (out of line: its own array, from 0). */
  keyBytes(address: number): Uint8Array {
    return this.isLarge(address)
      ? this.large[this.readU32(address, largeIdAt)]
      : this.chunks[address >>> unitShift];
  }

  keyOffset(address: number): number {
    return this.isLarge(address) ? 0 : ((address & slotMask) << 3) + entryHeaderBytes;
  }

  keyLength(address: number): number {
    const bytes = this.chunks[address >>> unitShift];
    const o = (address & slotMask) << 3;
    const length = bytes[o] | (bytes[o + 1] << 8);
    return length === largeKeyMarker ? this.readU32(address, largeKeyLengthAt) : length;
  }

  valueBytes(address: number): Uint8Array {
    const bytes = this.chunks[address >>> unitShift];
    const o = (address & slotMask) << 3;
    if (bytes[o + 1] === largeKeyMarker >>> 8 && bytes[o] === (largeKeyMarker & 0xff)) {
      return this.large[this.readU32(address, largeIdAt)];
    }
    return bytes;
  }

  valueOffset(address: number): number {
    const bytes = this.chunks[address >>> unitShift];
    const o = (address & slotMask) << 3;
    const keyLength = bytes[o] | (bytes[o + 1] << 8);
    return keyLength === largeKeyMarker
      ? this.readU32(address, largeKeyLengthAt)
      : o + entryHeaderBytes + keyLength;
  }

  valueLength(address: number): number {
    const bytes = this.chunks[address >>> unitShift];
    const o = (address & slotMask) << 3;
    if ((bytes[o] | (bytes[o + 1] << 8)) === largeKeyMarker) {
      return this.large[this.readU32(address, largeIdAt)].length - this.readU32(address, largeKeyLengthAt);
    }
    return bytes[o + 2] | (bytes[o + 3] << 8);
  }

  expirySlot(address: number): number {
    return this.readU32(address, 4) & expirySlotMask;
  }

  /** Sets the deadline slot, keeping the snapshot mark. */
  setExpirySlot(address: number, slot: number): void {
    this.writeU32(address, 4, slot | (this.readU32(address, 4) & snapshotMarkBit));
  }

  /**
   * The snapshot mark (docs/persistence.md, "Snapshots"): set on an entry that a running snapshot
   * must pass over, because its image at the snapshot's start was copied out already or it was
   * written after the start. write and writeLarge clear it; compaction moves it with the entry.
   */
  snapshotMarked(address: number): boolean {
    return (this.readU32(address, 4) & snapshotMarkBit) !== 0;
  }

  setSnapshotMark(address: number, marked: boolean): void {
    const slot = this.readU32(address, 4) & expirySlotMask;
    this.writeU32(address, 4, marked ? slot | snapshotMarkBit : slot);
  }

  /** The entry's access word: its LRU clock or LFU counter (access-clock.ts). */
  access(address: number): number {
    return this.chunkWords[address >>> unitShift][((address & slotMask) << 1) + accessWord];
  }

  setAccess(address: number, access: number): void {
    this.chunkWords[address >>> unitShift][((address & slotMask) << 1) + accessWord] = access;
  }

  /** Writes header, key and value of an in-line entry (the key and value must fit its class). */
  write(
    address: number,
    key: Uint8Array,
    keyOffset: number,
    keyLength: number,
    value: Uint8Array,
    valueOffset: number,
    valueLength: number,
    expirySlot: number,
    access: number,
  ): void {
    const bytes = this.chunks[address >>> unitShift];
    const o = (address & slotMask) << 3;
    bytes[o] = keyLength;
    bytes[o + 1] = keyLength >>> 8;
    this.writeU32(address, 4, expirySlot);
    this.setAccess(address, access);
    this.copyIn(key, keyOffset, address, o + entryHeaderBytes, keyLength);
    this.writeValue(address, value, valueOffset, valueLength);
  }

  /** Replaces the value of an in-line entry in place (the new size must stay in the entry's class). */
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

  /**
   * Replaces the value of an in-line entry without a deadline in place (writeValue), when the new
   * size keeps the entry's class; false, with nothing written, otherwise: the path of most overwrites.
   */
  overwriteUndated(address: number, value: Uint8Array, valueOffset: number, valueLength: number): boolean {
    // The header read once for the key's length, the large marker and the old class, where
    // inlineClass() and keyLength() would read it twice: that cost SET P128 0.95-0.97x req/s.
    const bytes = this.chunks[address >>> unitShift];
    const o = (address & slotMask) << 3;
    const keyLength = bytes[o] | (bytes[o + 1] << 8);
    const entryBytes = entryHeaderBytes + keyLength + valueLength;
    if (keyLength === largeKeyMarker || entryBytes > maxInlineEntryBytes) return false;
    const oldEntryBytes = entryHeaderBytes + keyLength + (bytes[o + 2] | (bytes[o + 3] << 8));
    if (sizeClassOf(oldEntryBytes) !== sizeClassOf(entryBytes) || this.expirySlot(address) !== 0)
      return false;
    this.writeValue(address, value, valueOffset, valueLength);
    return true;
  }

  /** True when the entry's key equals bytes[offset, offset + length). */
  keyEquals(address: number, key: Uint8Array, offset: number, length: number): boolean {
    const bytes = this.chunks[address >>> unitShift];
    const o = (address & slotMask) << 3;
    const stored = bytes[o] | (bytes[o + 1] << 8);
    if (stored !== length)
      return stored === largeKeyMarker && this.largeKeyEquals(address, key, offset, length);
    const k = o + entryHeaderBytes;
    for (let i = 0; i < length; i++) if (bytes[k + i] !== key[offset + i]) return false;
    return true;
  }

  /** Throws unless the page lists, counters and blocks agree (tests; walks every page). */
  assertInvariants(): void {
    const pages = this.pageClass.length;
    const onList = new Uint8Array(pages);
    let poolPages = 0;
    for (let p = this.poolHead; p >= 0; p = this.pageNext[p]) {
      if (this.pageClass[p] !== -1) throw new Error(`page ${p} in the pool has class ${this.pageClass[p]}`);
      onList[p] = 1;
      poolPages++;
    }
    let used = this.largeBytes;
    for (let c = 0; c < classCount; c++) {
      for (let p = this.classPartial[c]; p >= 0; p = this.pageNext[p]) {
        if (this.pageClass[p] !== c) throw new Error(`page ${p} on the list of class ${c}`);
        if (this.pageLive[p] >= blocksPerPage[c]) throw new Error(`full page ${p} on a list`);
        onList[p] = 1;
      }
    }
    const live = new Float64Array(classCount);
    const classPages = new Int32Array(classCount);
    let reserved = 0;
    for (let chunk = 1; chunk < this.chunks.length; chunk++) reserved += this.chunkPages[chunk] * pageBytes;
    for (let p = 0; p < pages; p++) {
      const c = this.pageClass[p];
      if (this.chunkPages[Math.floor(p / pagesPerChunk)] <= p % pagesPerChunk || c < 0) continue;
      classPages[c]++;
      let free = 0;
      for (let a = this.pageFreeHead[p]; a !== 0; a = this.readU32(a, 4)) {
        if (a >>> pageUnitShift !== p) throw new Error(`free block ${a} listed by page ${p}`);
        free++;
      }
      if (free + this.pageLive[p] !== this.pageCarved[p]) throw new Error(`page ${p}: blocks do not add up`);
      if (this.pageLive[p] < blocksPerPage[c] !== (onList[p] === 1))
        throw new Error(`page ${p}: on a list iff it has room`);
      live[c] += this.pageLive[p];
      used += this.pageLive[p] * classSizes[c];
    }
    for (let c = 0; c < classCount; c++) {
      if (live[c] !== this.classLive[c])
        throw new Error(`class ${c}: ${this.classLive[c]} live, pages hold ${live[c]}`);
      if (classPages[c] !== this.classPages[c]) throw new Error(`class ${c}: page count`);
    }
    if (used !== this.bytesUsed) throw new Error(`bytesUsed ${this.bytesUsed}, blocks hold ${used}`);
    if (reserved !== this.pageBytesReserved) throw new Error('page bytes reserved');
    if (poolPages !== this.poolPages)
      throw new Error(`${poolPages} pages in the pool, counted ${this.poolPages}`);
  }

  private largeKeyEquals(address: number, key: Uint8Array, offset: number, length: number): boolean {
    if (this.readU32(address, largeKeyLengthAt) !== length) return false;
    const array = this.large[this.readU32(address, largeIdAt)];
    for (let i = 0; i < length; i++) if (array[i] !== key[offset + i]) return false;
    return true;
  }

  /** Copies from[fromOffset, fromOffset + length) to offset `to` of the chunk of `address`. */
  private copyIn(from: Uint8Array, fromOffset: number, address: number, to: number, length: number): void {
    if (length < wordCopyMinBytes) {
      copyBytes(from, fromOffset, this.chunks[address >>> unitShift], to, length);
    } else {
      copyToView(from, fromOffset, this.chunkViews[address >>> unitShift], to, length);
    }
  }

  private free(address: number, c: number): void {
    const p = address >>> pageUnitShift;
    const bytes = this.chunks[address >>> unitShift];
    const o = (address & slotMask) << 3;
    bytes[o] = freeKeyMarker & 0xff;
    bytes[o + 1] = freeKeyMarker >>> 8;
    this.writeU32(address, 4, this.pageFreeHead[p]);
    this.pageFreeHead[p] = address;
    const live = --this.pageLive[p];
    this.classLive[c]--;
    this.bytesUsed -= classSizes[c];
    if (live === 0) {
      this.unlink(p);
      this.toPool(p, c);
    } else if (live === blocksPerPage[c] - 1) {
      this.pushFront(p, c);
    }
  }

  /** Takes a chunk from the system (smaller than chunkBytes, down to a page, near the limit); false when refused. */
  private addChunk(): boolean {
    let size = chunkBytes;
    while (!this.mayReserve(size)) {
      size >>= 1;
      if (size < pageBytes) return false;
    }
    const slot = this.freeChunkSlots.length > 0 ? this.freeChunkSlots.pop()! : this.chunks.length;
    if (slot >= maxChunks) return false;
    const chunk = new Uint8Array(size);
    this.adviseMemory(chunk.buffer);
    if (slot === this.chunks.length) {
      this.chunks.push(chunk);
      this.chunkViews.push(new DataView(chunk.buffer));
      this.chunkWords.push(new Uint32Array(chunk.buffer));
      this.growPageTables((slot + 1) * pagesPerChunk);
    } else {
      this.chunks[slot] = chunk;
      this.chunkViews[slot] = new DataView(chunk.buffer);
      this.chunkWords[slot] = new Uint32Array(chunk.buffer);
    }
    const pages = size / pageBytes;
    this.chunkPages[slot] = pages;
    this.pageBytesReserved += size;
    for (let p = slot * pagesPerChunk + pages - 1; p >= slot * pagesPerChunk; p--) this.toPool(p, -1);
    return true;
  }

  /** Moves a page from the pool to class c's list (the pool must not be empty). */
  private takePage(c: number): number {
    const p = this.poolHead;
    this.unlink(p);
    this.poolPages--;
    this.chunkPoolPages[Math.floor(p / pagesPerChunk)]--;
    this.pageClass[p] = c;
    this.pageLive[p] = 0;
    this.pageCarved[p] = 0;
    this.pageFreeHead[p] = 0;
    this.classPages[c]++;
    this.pushFront(p, c);
    return p;
  }

  /** Puts an empty page (off every list) in the pool; c is the class it leaves (-1: a new page). */
  private toPool(p: number, c: number): void {
    if (c >= 0) this.classPages[c]--;
    this.pageClass[p] = -1;
    this.poolPages++;
    this.chunkPoolPages[Math.floor(p / pagesPerChunk)]++;
    this.pageNext[p] = this.poolHead;
    this.pagePrev[p] = -1;
    if (this.poolHead >= 0) this.pagePrev[this.poolHead] = p;
    this.poolHead = p;
  }

  private pushFront(p: number, c: number): void {
    const head = this.classPartial[c];
    this.pageNext[p] = head;
    this.pagePrev[p] = -1;
    if (head >= 0) this.pagePrev[head] = p;
    this.classPartial[c] = p;
  }

  /** Takes a page off the list it is on (its class's, or the pool). */
  private unlink(p: number): void {
    const next = this.pageNext[p];
    const prev = this.pagePrev[p];
    if (next >= 0) this.pagePrev[next] = prev;
    if (prev >= 0) this.pageNext[prev] = next;
    else if (this.pageClass[p] < 0) this.poolHead = next;
    else this.classPartial[this.pageClass[p]] = next;
    this.pageNext[p] = -1;
    this.pagePrev[p] = -1;
  }

  /**
   * Frees one page for the pool: the class with the most free bytes, among those holding at least
   * a page's worth of free blocks, has its sparsest page's entries moved into its other pages'
   * free blocks. Bounded: at most one page of entries moves. False when no class qualifies.
   */
  compactOnePage(): boolean {
    let best = -1;
    let bestFreeBytes = 0;
    for (let c = 0; c < classCount; c++) {
      const free = this.classPages[c] * blocksPerPage[c] - this.classLive[c];
      if (free >= blocksPerPage[c] && free * classSizes[c] > bestFreeBytes) {
        best = c;
        bestFreeBytes = free * classSizes[c];
      }
    }
    if (best < 0) return false;
    let source = this.classPartial[best];
    for (let p = source; p >= 0; p = this.pageNext[p])
      if (this.pageLive[p] < this.pageLive[source]) source = p;
    this.unlink(source);
    this.pageClass[source] = drainingPage;
    this.classPages[best]--;
    this.evacuate(source, best);
    this.toPool(source, -1);
    return true;
  }

  /**
   * Moves the live entries of page `source` (of class c, already off every list and out of the
   * class's page count) into other pages: the class's pages with room, else pages from the pool.
   * The callers make sure there is room for them all.
   */
  private evacuate(source: number, c: number): void {
    const units = classUnits[c];
    const base = source * pageUnits;
    for (let i = 0; i < this.pageCarved[source]; i++) {
      const from = base + i * units;
      const bytes = this.chunks[from >>> unitShift];
      const o = (from & slotMask) << 3;
      const keyLength = bytes[o] | (bytes[o + 1] << 8);
      if (keyLength === freeKeyMarker) continue;
      const to = this.allocate(c);
      if (to === 0 || this.pageClass[to >>> pageUnitShift] === drainingPage) {
        throw new Error('compaction found no room');
      }
      const length =
        keyLength === largeKeyMarker ? largeStubBytes : entryHeaderBytes + keyLength + this.valueLength(from);
      copyToView(bytes, o, this.chunkViews[to >>> unitShift], (to & slotMask) << 3, length);
      this.relocate(from, to);
      this.moves++;
      this.generation++;
      this.pageLive[source]--;
      this.classLive[c]--;
      this.bytesUsed -= classSizes[c];
    }
  }

  private growPageTables(pages: number): void {
    if (pages <= this.pageClass.length) return;
    const size = Math.max(pages, this.pageClass.length * 2);
    const grow = <T extends Int32Array | Float64Array>(old: T, make: (n: number) => T): T => {
      const next = make(size);
      next.set(old);
      return next;
    };
    this.pageClass = grow(this.pageClass, (n) => new Int32Array(n));
    this.pageLive = grow(this.pageLive, (n) => new Int32Array(n));
    this.pageCarved = grow(this.pageCarved, (n) => new Int32Array(n));
    this.pageFreeHead = grow(this.pageFreeHead, (n) => new Float64Array(n));
    this.pageNext = grow(this.pageNext, (n) => new Int32Array(n));
    this.pagePrev = grow(this.pagePrev, (n) => new Int32Array(n));
  }

  /** One load through the chunk's DataView: a third of the bytecode of four byte loads, so it inlines. */
  private readU32(address: number, at: number): number {
    return this.chunkViews[address >>> unitShift].getUint32(((address & slotMask) << 3) + at, true);
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
