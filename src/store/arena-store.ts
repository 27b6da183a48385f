import { randomBytes } from 'node:crypto';
import { totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { maxKeyBytes, maxValueBytes } from '../limits.js';
import { Arena, classSizes, entryHeaderBytes, sizeClassOf } from './arena.js';
import {
  ExpiryIndex,
  expireCycleBudgetMs,
  expireFullSweepCycles,
  expireMinScanSlotsPerCycle,
  expireRepeatShare,
} from './expiry.js';
import { keyHashDropBits, xxh32 } from './hash.js';
import { HashTable } from './hashtable.js';
import { type KeyValueStore, StoreRefusal, type StoreStats, unknownHash } from './store-api.js';

/** Default maxmemory: this share of the RAM the process may use (the machine's, or its cgroup's). */
export const defaultMaxMemoryShareOfRam = 0.5;
/** Default key limit: the table then needs 2^28 slots (2 GiB), the most one typed array holds here. */
export const defaultMaxKeys = 2 ** 27;
/**
 * Default of prefetchMinTableBytes: from a table of this size on (256K slots, from about 100K
 * keys) prefetch, the look-ahead over a batch of keys, pays for itself; on smaller tables, which
 * stay in the CPU caches, it costs more than it saves (store bench, docs/store.md).
 */
export const defaultPrefetchMinTableBytes = 2 * 1024 * 1024;
/** SCAN walks at most this many homes per key asked for (Redis: COUNT * 10). */
const scanStepsPerCount = 10;
/** The sweep looks at the clock once per this many slots. */
const expireClockCheckSlots = 1024;

export function defaultMaxMemoryBytes(): number {
  return Math.floor(
    usableMemoryBytes(totalmem(), process.constrainedMemory() ?? 0) * defaultMaxMemoryShareOfRam,
  );
}

/**
 * RAM a process may use: the machine's, or its cgroup's limit (a container's --memory) when that is
 * lower. Without a limit the cgroup reports 0 or a huge number (2^64 - 1).
 */
export function usableMemoryBytes(machineBytes: number, cgroupLimitBytes: number): number {
  return cgroupLimitBytes > 0 && cgroupLimitBytes < machineBytes ? cgroupLimitBytes : machineBytes;
}

export interface ArenaStoreOptions {
  maxMemoryBytes?: number;
  maxKeys?: number;
  /** Per-process random by default, so clients cannot aim keys at one slot. Below 2^30 (see xxh32). */
  hashSeed?: number;
  /** prefetchHelps from this table size on (bytes); 0: always. */
  prefetchMinTableBytes?: number;
  /**
   * Bytes reserved by other stores that share maxMemoryBytes with this one (Redis's databases
   * share one maxmemory); asked only when the store is about to reserve more.
   */
  peerReservedBytes?: () => number;
}

/**
 * The data store: entries in an arena, indexed by an open-addressing table, deadlines in a dense
 * index sampled by the active expiry cycle. Handles are entry addresses. See docs/store.md.
 */
export class ArenaStore implements KeyValueStore {
  readonly maxMemoryBytes: number;
  readonly maxKeys: number;
  private readonly prefetchMinTableBytes: number;
  private readonly seed: number;
  private readonly arena: Arena;
  private readonly table: HashTable;
  private readonly expiry: ExpiryIndex;
  /** Starts as a double so the field keeps one representation (Date.now() values are not small integers). */
  nowMs = Date.now();

  constructor(options: ArenaStoreOptions = {}) {
    this.maxMemoryBytes = options.maxMemoryBytes ?? defaultMaxMemoryBytes();
    this.maxKeys = options.maxKeys ?? defaultMaxKeys;
    this.prefetchMinTableBytes = options.prefetchMinTableBytes ?? defaultPrefetchMinTableBytes;
    // 30 bits, so the seed too is a small integer and passing it never boxes (see xxh32).
    this.seed = options.hashSeed ?? randomBytes(4).readUInt32LE(0) >>> 2;
    const peers = options.peerReservedBytes ?? (() => 0);
    const mayReserve = (bytes: number) => this.bytesReserved() + peers() + bytes <= this.maxMemoryBytes;
    this.arena = new Arena(mayReserve);
    this.table = new HashTable(this.arena, mayReserve);
    this.expiry = new ExpiryIndex(mayReserve);
  }

  get size(): number {
    return this.table.count;
  }

  find(key: Uint8Array, keyOffset: number, keyLength: number, knownHash = unknownHash): number {
    const hash = this.keyHashOr(knownHash, key, keyOffset, keyLength);
    const address = this.table.lookup(hash, key, keyOffset, keyLength);
    if (address === 0) return -1;
    const slot = this.arena.expirySlot(address);
    if (slot !== 0 && this.expiry.deadline(slot) <= this.nowMs) {
      this.table.removeAddress(hash, address);
      this.releaseEntry(address);
      return -1;
    }
    return address;
  }

  findIncludingExpired(
    key: Uint8Array,
    keyOffset: number,
    keyLength: number,
    knownHash = unknownHash,
  ): number {
    const hash = this.keyHashOr(knownHash, key, keyOffset, keyLength);
    const address = this.table.lookup(hash, key, keyOffset, keyLength);
    return address === 0 ? -1 : address;
  }

  get prefetchHelps(): boolean {
    return this.table.bytesReserved >= this.prefetchMinTableBytes;
  }

  prefetch(
    bytes: Uint8Array,
    offsets: Int32Array,
    lengths: Int32Array,
    count: number,
    hashes: Int32Array,
  ): void {
    for (let i = 0; i < count; i++) hashes[i] = this.keyHash(bytes, offsets[i], lengths[i]);
    this.table.prefetch(hashes, count);
  }

  valueBytes(handle: number): Uint8Array {
    return this.arena.chunkOf(handle);
  }

  valueOffset(handle: number): number {
    return this.arena.offsetOf(handle) + entryHeaderBytes + this.arena.keyLength(handle);
  }

  valueLength(handle: number): number {
    return this.arena.valueLength(handle);
  }

  set(
    key: Uint8Array,
    keyOffset: number,
    keyLength: number,
    value: Uint8Array,
    valueOffset: number,
    valueLength: number,
    deadlineMs: number,
    knownHash = unknownHash,
  ): number {
    if (keyLength > maxKeyBytes) return StoreRefusal.keyTooLarge;
    if (valueLength > maxValueBytes) return StoreRefusal.valueTooLarge;
    const arena = this.arena;
    const hash = this.keyHashOr(knownHash, key, keyOffset, keyLength);
    const sizeClass = sizeClassOf(entryHeaderBytes + keyLength + valueLength);
    let address = this.table.lookup(hash, key, keyOffset, keyLength);
    if (deadlineMs !== 0 && (address === 0 || arena.expirySlot(address) === 0) && !this.expiry.reserveOne()) {
      return StoreRefusal.outOfMemory;
    }
    if (address !== 0) {
      const oldClass = sizeClassOf(entryHeaderBytes + keyLength + arena.valueLength(address));
      if (oldClass === sizeClass) {
        arena.writeValue(address, value, valueOffset, valueLength);
      } else {
        const moved = arena.allocate(sizeClass);
        if (moved === 0) return StoreRefusal.outOfMemory;
        const slot = arena.expirySlot(address);
        arena.write(moved, key, keyOffset, keyLength, value, valueOffset, valueLength, slot);
        if (slot !== 0) this.expiry.setAddress(slot, moved);
        this.table.replace(hash, address, moved);
        arena.free(address, oldClass);
        address = moved;
      }
    } else {
      if (this.table.count >= this.maxKeys) return StoreRefusal.tooManyKeys;
      if (!this.table.reserveOne()) return StoreRefusal.outOfMemory;
      address = arena.allocate(sizeClass);
      if (address === 0) return StoreRefusal.outOfMemory;
      arena.write(address, key, keyOffset, keyLength, value, valueOffset, valueLength, 0);
      this.table.insert(hash, address);
    }
    this.setDeadline(address, deadlineMs); // cannot fail: the deadline slot was reserved above
    return address;
  }

  delete(key: Uint8Array, keyOffset: number, keyLength: number, knownHash = unknownHash): boolean {
    const hash = this.keyHashOr(knownHash, key, keyOffset, keyLength);
    const address = this.table.remove(hash, key, keyOffset, keyLength);
    if (address === 0) return false;
    this.releaseEntry(address);
    return true;
  }

  deadline(handle: number): number {
    const slot = this.arena.expirySlot(handle);
    return slot === 0 ? 0 : this.expiry.deadline(slot);
  }

  setDeadline(handle: number, deadlineMs: number): boolean {
    const slot = this.arena.expirySlot(handle);
    if (deadlineMs === 0) {
      if (slot !== 0) this.removeExpirySlot(handle, slot);
    } else if (slot !== 0) {
      this.expiry.setDeadline(slot, deadlineMs);
    } else if (this.expiry.reserveOne()) {
      this.arena.setExpirySlot(handle, this.expiry.add(handle, deadlineMs));
    } else {
      return false;
    }
    return true;
  }

  forEachKey(visit: (bytes: Uint8Array, offset: number, length: number) => boolean): void {
    const expiry = this.expiry;
    const nowMs = this.nowMs;
    for (let i = expiry.count - 1; i >= 0; i--) {
      if (i < expiry.count && expiry.deadlines[i] <= nowMs) this.removeByAddress(expiry.addresses[i]);
    }
    const arena = this.arena;
    this.table.forEachAddress((address) =>
      visit(arena.chunkOf(address), arena.offsetOf(address) + entryHeaderBytes, arena.keyLength(address)),
    );
  }

  keyBytes(handle: number): Uint8Array {
    return this.arena.chunkOf(handle);
  }

  keyOffset(handle: number): number {
    return this.arena.offsetOf(handle) + entryHeaderBytes;
  }

  keyLength(handle: number): number {
    return this.arena.keyLength(handle);
  }

  /** Steps of 10 * count at most, as Redis bounds the empty homes one SCAN call may walk. */
  scan(cursor: number, count: number, visit: (handle: number) => void): number {
    let visited = 0;
    const counting = (address: number) => {
      visited++;
      visit(address);
    };
    // A double: COUNT may be any int64; a round ends the walk long before a huge count would.
    let steps = count * scanStepsPerCount;
    do {
      cursor = this.table.scanStep(cursor, counting);
    } while (cursor !== 0 && --steps > 0 && visited < count);
    return cursor;
  }

  randomHandle(): number {
    const address = this.table.addressNear(Math.floor(Math.random() * 2 ** 30));
    return address === 0 ? -1 : address;
  }

  /** Bytes reserved from the system (entries, table, deadline index): what counts against maxmemory. */
  get reservedBytes(): number {
    return this.bytesReserved();
  }

  expireCycle(nowMs: number): number {
    const expiry = this.expiry;
    const started = performance.now();
    // Never more slots than the index holds: a small index is swept once per cycle, not several times.
    let toScan = Math.min(
      expiry.count,
      Math.max(expireMinScanSlotsPerCycle, Math.ceil(expiry.count / expireFullSweepCycles)),
    );
    let scanned = 0;
    let reclaimed = 0;
    while (expiry.count > 0 && scanned < toScan) {
      if (expiry.cursor >= expiry.count) expiry.cursor = 0;
      const i = expiry.cursor;
      if (expiry.deadlines[i] <= nowMs) {
        this.removeByAddress(expiry.addresses[i]); // the last slot moves into i: look at i again
        reclaimed++;
      } else {
        expiry.cursor++;
      }
      scanned++;
      if (scanned === toScan && reclaimed > scanned * expireRepeatShare) {
        toScan += Math.min(expireMinScanSlotsPerCycle, expiry.count);
      }
      if (scanned % expireClockCheckSlots === 0 && performance.now() - started > expireCycleBudgetMs) break;
    }
    return reclaimed;
  }

  stats(): StoreStats {
    const arena = this.arena;
    return {
      keys: this.table.count,
      keysWithDeadline: this.expiry.count,
      bytesUsed: arena.bytesUsed,
      bytesReserved: this.bytesReserved(),
      fragmentation: arena.bytesReserved === 0 ? 0 : 1 - arena.bytesUsed / arena.bytesReserved,
    };
  }

  /** Throws unless table, arena and expiry index agree (used by tests; walks everything). */
  assertInvariants(): void {
    const arena = this.arena;
    this.table.assertInvariants((address) => this.hashOf(address));
    let bytesUsed = 0;
    let withDeadline = 0;
    this.table.forEachAddress((address) => {
      bytesUsed +=
        classSizes[sizeClassOf(entryHeaderBytes + arena.keyLength(address) + arena.valueLength(address))];
      const slot = arena.expirySlot(address);
      if (slot !== 0) {
        withDeadline++;
        if (this.expiry.addresses[slot - 1] !== address)
          throw new Error(`entry ${address}: expiry slot ${slot} points elsewhere`);
      }
      return true;
    });
    if (bytesUsed !== arena.bytesUsed)
      throw new Error(`arena says ${arena.bytesUsed} bytes used, entries hold ${bytesUsed}`);
    if (withDeadline !== this.expiry.count)
      throw new Error(`${withDeadline} entries with deadlines, index has ${this.expiry.count}`);
  }

  private bytesReserved(): number {
    return this.arena.bytesReserved + this.table.bytesReserved + this.expiry.bytesReserved;
  }

  /** knownHash, when the caller has it (from prefetch), else the key's hash. */
  private keyHashOr(knownHash: number, bytes: Uint8Array, offset: number, length: number): number {
    return knownHash === unknownHash ? this.keyHash(bytes, offset, length) : knownHash;
  }

  /** The table's hash of a key: XXH32's top 30 bits, a small integer (see xxh32). */
  private keyHash(bytes: Uint8Array, offset: number, length: number): number {
    return xxh32(bytes, offset, length, this.seed, keyHashDropBits);
  }

  private hashOf(address: number): number {
    const arena = this.arena;
    return this.keyHash(
      arena.chunkOf(address),
      arena.offsetOf(address) + entryHeaderBytes,
      arena.keyLength(address),
    );
  }

  private removeByAddress(address: number): void {
    this.table.removeAddress(this.hashOf(address), address);
    this.releaseEntry(address);
  }

  /** Frees an entry already gone from the table, with its deadline slot. */
  private releaseEntry(address: number): void {
    const arena = this.arena;
    const slot = arena.expirySlot(address);
    if (slot !== 0) this.removeExpirySlot(address, slot);
    arena.free(
      address,
      sizeClassOf(entryHeaderBytes + arena.keyLength(address) + arena.valueLength(address)),
    );
  }

  private removeExpirySlot(address: number, slot: number): void {
    const moved = this.expiry.remove(slot);
    if (moved !== 0) this.arena.setExpirySlot(moved, slot);
    this.arena.setExpirySlot(address, 0);
  }
}
