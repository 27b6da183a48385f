import { randomBytes } from 'node:crypto';
import { totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  defaultMaxKeys,
  defaultMaxMemoryShareOfRam,
  expireCycleBudgetMs,
  expireFullSweepCycles,
  expireMinScanSlotsPerCycle,
  expireRepeatShare,
  maxKeyBytes,
  maxValueBytes,
} from '../limits.js';
import {
  defaultEvictionSettings,
  EvictionPolicy,
  type EvictionSettings,
  lfuDecayed,
  lfuNew,
  lfuTouched,
  lruClock,
  lruIdleMs,
  policyIsLfu,
} from './access-clock.js';
import {
  Arena,
  entryHeaderBytes,
  largeStubClass,
  maxInlineEntryBytes,
  pageBytes,
  sizeClassOf,
} from './arena.js';
import { ExpiryIndex } from './expiry.js';
import { keyHashDropBits, xxh32 } from './hash.js';
import { HashTable, initialTableSlots, reverseBits } from './hashtable.js';
import {
  type KeyValueStore,
  type MemoryAdvice,
  type SnapshotSource,
  StoreRefusal,
  type StoreStats,
  unknownHash,
} from './store-api.js';

/**
 * Default of prefetchMinTableBytes: from a table of this size on (256K slots, from about 100K
 * keys) prefetch, the look-ahead over a batch of keys, pays for itself; on smaller tables, which
 * stay in the CPU caches, it costs more than it saves (store bench, docs/store.md).
 */
export const defaultPrefetchMinTableBytes = 2 * 1024 * 1024;
/**
 * Free arena bytes asked for beyond a growth's own, per try, when eviction makes room for a table
 * growth or an out-of-line value: compaction strands up to a page per class, and a chunk drains
 * only when its live pages fit in pool pages elsewhere (docs/store.md, "Eviction").
 */
const reclaimStepBytes = 16 * pageBytes;
/**
 * Keys a write refused for memory evicts before it tries again: the refused path (a failed
 * look for room, the retry's second lookup) is then taken once per this many writes of new keys
 * instead of once per write, and the cache holds at most this many keys fewer than it could
 * (docs/store.md, "Eviction"). Each eviction still samples afresh, so the choice of keys is Redis's.
 */
export const evictionBatchKeys = 16;
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
  /**
   * Largest value stored (bytes); larger ones are refused with valueTooLarge. Defaults to what an
   * FKVS frame carries; the Redis front passes proto-max-bulk-len.
   */
  maxValueBytes?: number;
  /** The eviction policy and its parameters, shared by every database (CONFIG SET changes them). */
  eviction?: EvictionSettings;
  /**
   * Evicts up to `count` keys (of any database sharing maxMemoryBytes) under the eviction policy;
   * how many it evicted: fewer when there are none left to evict (noeviction, or volatile-* with
   * no key that has a deadline).
   */
  evict?: (nowMs: number, count: number) => number;
  /** Free arena bytes of the other databases sharing maxMemoryBytes. */
  peerFreeBytes?: () => number;
  /**
   * The other databases give chunks back until `bytes` more fit within maxMemoryBytes; false
   * when they cannot. Eviction picks keys of any database: room it makes elsewhere comes back so.
   */
  peersGiveBack?: (bytes: number) => boolean;
  /** Advice on the memory of new arena chunks and tables (the server's: huge pages). */
  adviseMemory?: MemoryAdvice;
}

/**
 * The data store: entries in an arena, indexed by an open-addressing table, deadlines in a dense
 * index sampled by the active expiry cycle. Handles are entry addresses. See docs/store.md.
 */
export class ArenaStore implements KeyValueStore, SnapshotSource {
  readonly maxMemoryBytes: number;
  readonly maxKeys: number;
  readonly maxValueBytes: number;
  private readonly prefetchMinTableBytes: number;
  private readonly seed: number;
  private readonly arena: Arena;
  private readonly table: HashTable;
  private readonly expiry: ExpiryIndex;
  private readonly eviction: EvictionSettings;
  private readonly evict: (nowMs: number, count: number) => number;
  private readonly peerReservedBytes: () => number;
  private readonly peerFreeBytes: () => number;
  private readonly peersGiveBack: (bytes: number) => boolean;
  /** While true (inside set), a table or deadline index that may not grow evicts keys to make room. */
  private indexMayEvict = false;
  /**
   * Times reclaimForIndex gave chunks back or evicted keys (entries moved or went): a caller
   * holding an address across an index growth compares it.
   */
  private reclaims = 0;
  /** The entry changeDeadline holds while the deadline index grows: kept current by relocate (0: none). */
  private heldAddress = 0;
  /** While true (inside giveBack), this store's own reservations do not ask the other databases. */
  private givingBack = false;
  /** xorshift32 state of the LFU counter's coin (never 0). */
  private coin = 0x9e3779b9 | 0;
  /** Starts as a double so the field keeps one representation (Date.now() values are not small integers). */
  nowMs = Date.now();
  /** Keys set, deleted or given a deadline, counted up forever: what save rules count (Redis's dirty). */
  changes = 0;
  /**
   * The running snapshot's keeper (null: none), told of an entry's image at the snapshot's start
   * just before the entry first changes; see beginSnapshot.
   */
  private snapshotKeep: ((handle: number) => void) | null = null;
  /** Where the snapshot's walk goes on (a scan cursor). */
  private snapshotCursor = 0;
  /** Keys whose reversed hash is below this were walked already (see visitedBySnapshot). */
  private snapshotFrontier = 0;
  /**
   * The entry of the key last found or written, its hash, and the arena's generation then: a key
   * asked for again while no entry was released or moved (a hot key, a pipeline of one key) is
   * compared with that entry's key instead of being hashed and probed for.
   */
  private recentAddress = 0;
  private recentHash = 0;
  private recentGeneration = -1;
  /** The hash of the key of the last locate(). */
  private locatedHash = 0;

  constructor(options: ArenaStoreOptions = {}) {
    this.maxMemoryBytes = options.maxMemoryBytes ?? defaultMaxMemoryBytes();
    this.maxKeys = options.maxKeys ?? defaultMaxKeys;
    this.prefetchMinTableBytes = options.prefetchMinTableBytes ?? defaultPrefetchMinTableBytes;
    this.maxValueBytes = options.maxValueBytes ?? maxValueBytes;
    // 30 bits, so the seed too is a small integer and passing it never boxes (see xxh32).
    this.seed = options.hashSeed ?? randomBytes(4).readUInt32LE(0) >>> 2;
    this.peerReservedBytes = options.peerReservedBytes ?? (() => 0);
    this.eviction = options.eviction ?? defaultEvictionSettings();
    this.evict = options.evict ?? (() => 0);
    this.peerFreeBytes = options.peerFreeBytes ?? (() => 0);
    this.peersGiveBack = options.peersGiveBack ?? (() => false);
    // Memory past maxmemory may come from chunks given back: this arena's that emptied altogether,
    // else the other databases' (emptied or drained: keys deleted there leave room for writes
    // here). Not while this store is itself giving back for another: that would ask it again.
    const mayReserve = (bytes: number) =>
      this.fits(bytes) ||
      (this.arena.releaseEmptyChunks() > 0 && this.fits(bytes)) ||
      (!this.givingBack && this.peersGiveBack(bytes));
    // The table and deadline index grow in large steps, which the pages cannot serve: this arena's
    // chunks are drained and given back for them, and under an eviction policy, inside a write,
    // keys are evicted too (reclaimForIndex).
    const mayReserveIndex = (bytes: number) => mayReserve(bytes) || this.reclaimForIndex(bytes);
    const advise = options.adviseMemory;
    this.arena = new Arena(mayReserve, (from, to) => this.relocate(from, to), advise);
    this.table = new HashTable(this.arena, mayReserveIndex, initialTableSlots, advise);
    this.expiry = new ExpiryIndex(mayReserveIndex);
  }

  keyspaceHits = 0;
  keyspaceMisses = 0;
  expiredKeys = 0;

  get size(): number {
    return this.table.count;
  }

  find(key: Uint8Array, keyOffset: number, keyLength: number, knownHash = unknownHash): number {
    if (keyLength > maxKeyBytes) return -1; // never stored; and 0xfffe is the out-of-line marker
    const address = this.locate(knownHash, key, keyOffset, keyLength);
    if (address === 0) return -1;
    const slot = this.arena.expirySlot(address);
    if (slot !== 0 && this.expiry.deadline(slot) <= this.nowMs) {
      const hash = this.locatedHash;
      if (this.snapshotKeep !== null) this.keepForSnapshot(hash, address);
      this.table.removeAddress(hash, address);
      this.releaseEntry(address);
      this.expiredKeys++;
      return -1;
    }
    this.arena.setAccess(address, this.touchedAccess(address));
    return address;
  }

  findIncludingExpired(
    key: Uint8Array,
    keyOffset: number,
    keyLength: number,
    knownHash = unknownHash,
  ): number {
    if (keyLength > maxKeyBytes) return -1;
    const address = this.locate(knownHash, key, keyOffset, keyLength);
    return address === 0 ? -1 : address;
  }

  /**
   * A write refused for memory comes within this many bytes of maxMemoryBytes (bytes used, plus
   * the table and deadline index, plus the write): the arena's fragmentation margin
   * (docs/store.md). A value stored out of line may find a chunk (chunkBytes) less.
   */
  get fragmentationMarginBytes(): number {
    return this.arena.marginBytes;
  }

  /** Bytes of the table and the deadline index. */
  get indexBytes(): number {
    return this.table.bytesReserved + this.expiry.bytesReserved;
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
    return this.arena.valueBytes(handle);
  }

  valueOffset(handle: number): number {
    return this.arena.valueOffset(handle);
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
    if (valueLength > this.maxValueBytes) return StoreRefusal.valueTooLarge;
    const address = this.locate(knownHash, key, keyOffset, keyLength);
    // Most writes: a key without a deadline keeps none and its value's size class, no snapshot walks.
    if (
      address !== 0 &&
      deadlineMs === 0 &&
      this.snapshotKeep === null &&
      this.arena.overwriteUndated(address, value, valueOffset, valueLength)
    ) {
      this.arena.setAccess(address, this.touchedAccess(address));
      this.changes++;
      return address;
    }
    return this.setLocated(address, key, keyOffset, keyLength, value, valueOffset, valueLength, deadlineMs);
  }

  /** set() for every other case, after locate() found the key at `address` (0: not there). */
  private setLocated(
    located: number,
    key: Uint8Array,
    keyOffset: number,
    keyLength: number,
    value: Uint8Array,
    valueOffset: number,
    valueLength: number,
    deadlineMs: number,
  ): number {
    const arena = this.arena;
    const table = this.table;
    let address = located;
    const hash = this.locatedHash;
    const entryBytes = entryHeaderBytes + keyLength + valueLength;
    const large = entryBytes > maxInlineEntryBytes;
    const sizeClass = large ? largeStubClass : sizeClassOf(entryBytes);
    if (address !== 0 && this.snapshotKeep !== null) this.keepForSnapshot(hash, address);
    if (deadlineMs !== 0 && (address === 0 || arena.expirySlot(address) === 0)) {
      const reclaims = this.reclaims;
      if (!this.expiry.reserveOne())
        return this.evictAndRetry(
          key,
          keyOffset,
          keyLength,
          value,
          valueOffset,
          valueLength,
          deadlineMs,
          hash,
        );
      // Growing the index may have evicted keys (this one too) and moved entries.
      if (this.reclaims !== reclaims) address = table.lookup(hash, key, keyOffset, keyLength);
    }
    if (
      this.indexMayEvict &&
      !arena.ready(sizeClass) &&
      (address === 0 || large || arena.inlineClass(address) !== sizeClass) &&
      this.evictForClass(sizeClass)
    ) {
      address = table.lookup(hash, key, keyOffset, keyLength);
    }
    const moves = arena.moves;
    if (address !== 0) {
      const oldClass = arena.inlineClass(address);
      if (large && oldClass < 0) {
        if (!arena.rewriteLarge(address, value, valueOffset, valueLength))
          return this.evictAndRetry(
            key,
            keyOffset,
            keyLength,
            value,
            valueOffset,
            valueLength,
            deadlineMs,
            hash,
          );
        if (arena.moves !== moves) address = table.lookup(hash, key, keyOffset, keyLength);
        arena.setAccess(address, this.touchedAccess(address));
        this.applyDeadline(address, deadlineMs); // cannot fail: the deadline slot was reserved above
        this.changes++;
        return address;
      }
      if (!large && oldClass === sizeClass) {
        arena.writeValue(address, value, valueOffset, valueLength);
        arena.setAccess(address, this.touchedAccess(address));
        this.applyDeadline(address, deadlineMs);
        this.changes++;
        return address;
      }
    } else {
      if (table.count >= this.maxKeys) return StoreRefusal.tooManyKeys;
      if (!table.reserveOne())
        return this.evictAndRetry(
          key,
          keyOffset,
          keyLength,
          value,
          valueOffset,
          valueLength,
          deadlineMs,
          hash,
        );
    }
    // A new block: first the out-of-line array (which may give chunks back to the system), then
    // room in the pages. Both may compact, moving entries (this key's too: look it up again).
    const largeId = large ? arena.newLarge(keyLength, valueLength) : -1;
    if (large && largeId < 0)
      return this.evictAndRetry(key, keyOffset, keyLength, value, valueOffset, valueLength, deadlineMs, hash);
    if (!arena.ready(sizeClass) && !arena.makeRoom(sizeClass)) {
      if (large) arena.dropLarge(largeId);
      return this.evictAndRetry(key, keyOffset, keyLength, value, valueOffset, valueLength, deadlineMs, hash);
    }
    if (address !== 0 && arena.moves !== moves) address = table.lookup(hash, key, keyOffset, keyLength);
    const fresh = arena.allocate(sizeClass);
    const slot = address === 0 ? 0 : arena.expirySlot(address);
    const access = address === 0 ? this.newAccess() : this.touchedAccess(address);
    if (large)
      arena.writeLarge(
        fresh,
        largeId,
        key,
        keyOffset,
        keyLength,
        value,
        valueOffset,
        valueLength,
        slot,
        access,
      );
    else arena.write(fresh, key, keyOffset, keyLength, value, valueOffset, valueLength, slot, access);
    if (address === 0) {
      table.insert(hash, fresh);
    } else {
      if (slot !== 0) this.expiry.setAddress(slot, fresh);
      table.replace(hash, address, fresh);
      arena.release(address);
    }
    // A new entry, unwalked: the snapshot passes over it (it was not there at the start, or its
    // image at the start was kept above).
    if (this.snapshotKeep !== null && !this.visitedBySnapshot(hash)) arena.setSnapshotMark(fresh, true);
    this.applyDeadline(fresh, deadlineMs);
    this.changes++;
    this.remember(fresh, hash);
    return fresh;
  }

  overwriteValue(handle: number, value: Uint8Array, valueOffset: number, valueLength: number): boolean {
    const arena = this.arena;
    const oldClass = arena.inlineClass(handle);
    // An out-of-line entry, or one whose size changes class, needs a block of another size: set().
    if (oldClass < 0 || sizeClassOf(entryHeaderBytes + arena.keyLength(handle) + valueLength) !== oldClass)
      return false;
    if (this.snapshotKeep !== null) this.keepForSnapshot(this.hashOf(handle), handle);
    arena.writeValue(handle, value, valueOffset, valueLength);
    this.changes++;
    return true;
  }

  rewriteValue(handle: number): void {
    if (this.snapshotKeep !== null) this.keepForSnapshot(this.hashOf(handle), handle);
    this.changes++;
  }

  delete(key: Uint8Array, keyOffset: number, keyLength: number, knownHash = unknownHash): boolean {
    if (keyLength > maxKeyBytes) return false;
    const hash = this.keyHashOr(knownHash, key, keyOffset, keyLength);
    const address = this.table.remove(hash, key, keyOffset, keyLength);
    if (address === 0) return false;
    if (this.snapshotKeep !== null) this.keepForSnapshot(hash, address);
    this.releaseEntry(address);
    this.changes++;
    return true;
  }

  deadline(handle: number): number {
    const slot = this.arena.expirySlot(handle);
    return slot === 0 ? 0 : this.expiry.deadline(slot);
  }

  setDeadline(handle: number, deadlineMs: number): number {
    if (this.snapshotKeep !== null) this.keepForSnapshot(this.hashOf(handle), handle);
    const address = this.applyDeadline(handle, deadlineMs);
    if (address === 0) return StoreRefusal.outOfMemory;
    this.changes++;
    return address;
  }

  /**
   * Starts a point-in-time snapshot of this store (docs/persistence.md, "Snapshots"): the caller
   * walks the keys with snapshotStep, between loop turns, while writes go on. Before a key the
   * walk has not reached first changes (set, deleted, given a deadline, expired), `keep` is called
   * with its entry as it was at the start, and the entry is marked for the walk to pass over; a
   * key made after the start is marked too. So the walk and `keep` together see every key of the
   * start exactly once, in its state at the start, and no other key. The walk is the scan's
   * reverse-binary order over homes: a key counts as walked when its reversed hash lies below the
   * frontier, which no table resize moves.
   */
  beginSnapshot(keep: (handle: number) => void): void {
    if (this.snapshotKeep !== null) throw new Error('beginSnapshot: a snapshot of this store is running');
    this.snapshotKeep = keep;
    this.snapshotCursor = 0;
    this.snapshotFrontier = 0;
  }

  get snapshotRunning(): boolean {
    return this.snapshotKeep !== null;
  }

  /**
   * Walks about `count` more keys of the snapshot, calling visit with each unmarked entry (as it
   * was at the start; visit must not write to the store) and clearing the marks it passes. True
   * when the walk is done: the snapshot is over, and no entry is marked.
   */
  snapshotStep(count: number, visit: (handle: number) => void): boolean {
    if (this.snapshotKeep === null) throw new Error('snapshotStep: no snapshot is running');
    const arena = this.arena;
    const next = this.table.scan(this.snapshotCursor, count, (address) => {
      if (arena.snapshotMarked(address)) arena.setSnapshotMark(address, false);
      else visit(address);
    });
    if (next === 0) {
      this.snapshotKeep = null;
      return true;
    }
    this.snapshotCursor = next;
    this.snapshotFrontier = reverseBits(next);
    return false;
  }

  /**
   * Sets or clears a deadline without the snapshot's keeping or the change count (set() did both).
   * Returns the entry's address afterwards, 0 when memory for a new deadline was refused.
   */
  private applyDeadline(handle: number, deadlineMs: number): number {
    const slot = this.arena.expirySlot(handle);
    // A key without a deadline stays without one (most SETs): the rest out of line, for V8 to inline this.
    return deadlineMs === 0 && slot === 0 ? handle : this.changeDeadline(handle, slot, deadlineMs);
  }

  private changeDeadline(handle: number, slot: number, deadlineMs: number): number {
    if (deadlineMs === 0) {
      this.removeExpirySlot(handle, slot);
    } else if (slot !== 0) {
      this.expiry.setDeadline(slot, deadlineMs);
    } else {
      // Growing the deadline index may move entries (chunks given back): relocate follows this one.
      // (set() reserved its slot before: no growth there.)
      this.heldAddress = handle;
      const reserved = this.expiry.reserveOne();
      const address = this.heldAddress;
      this.heldAddress = 0;
      if (!reserved) return 0;
      this.arena.setExpirySlot(address, this.expiry.add(address, deadlineMs));
      return address;
    }
    return handle;
  }

  forEachKey(visit: (bytes: Uint8Array, offset: number, length: number) => boolean): void {
    const expiry = this.expiry;
    const nowMs = this.nowMs;
    for (let i = expiry.count - 1; i >= 0; i--) {
      if (i < expiry.count && expiry.deadlines[i] <= nowMs) this.removeByAddress(expiry.addresses[i]);
    }
    const arena = this.arena;
    this.table.forEachAddress((address) =>
      visit(arena.keyBytes(address), arena.keyOffset(address), arena.keyLength(address)),
    );
  }

  scan(
    cursor: number,
    count: number,
    visit: (bytes: Uint8Array, offset: number, length: number) => void,
  ): number {
    const arena = this.arena;
    const expiry = this.expiry;
    const nowMs = this.nowMs;
    return this.table.scan(cursor, count, (address) => {
      const slot = arena.expirySlot(address);
      if (slot !== 0 && expiry.deadline(slot) <= nowMs) return;
      visit(arena.keyBytes(address), arena.keyOffset(address), arena.keyLength(address));
    });
  }

  keyBytes(handle: number): Uint8Array {
    return this.arena.keyBytes(handle);
  }

  keyOffset(handle: number): number {
    return this.arena.keyOffset(handle);
  }

  keyLength(handle: number): number {
    return this.arena.keyLength(handle);
  }

  randomHandle(): number {
    const address = this.table.addressNear(Math.floor(Math.random() * 2 ** 30));
    return address === 0 ? -1 : address;
  }

  /** Keys that have a deadline. */
  get keysWithDeadline(): number {
    return this.expiry.count;
  }

  /**
   * Up to `want` eviction candidates at random: entries from a run of table slots, or (volatile)
   * from the deadline index. Writes their addresses and hashes from index `at` on; returns how many.
   */
  sampleForEviction(
    volatile: boolean,
    want: number,
    random: number,
    addresses: Uint32Array,
    hashes: Int32Array,
    at: number,
  ): number {
    if (!volatile) {
      const n = this.table.sample(random, want, addresses, hashes, at);
      if (n > 0 || this.table.count === 0) return n;
      // A sparse table whose sampled run was empty: any entry will do.
      addresses[at] = this.table.addressNear(random);
      hashes[at] = this.hashOf(addresses[at]);
      return 1;
    }
    const expiry = this.expiry;
    const n = Math.min(want, expiry.count);
    for (let k = 0; k < n; k++) {
      const address = expiry.addresses[(random + k * 40503) % expiry.count];
      addresses[at + k] = address;
      hashes[at + k] = this.hashOf(address);
    }
    return n;
  }

  /** How strongly an entry is a candidate under the policy (larger: evicted first), as Redis's pool's idle. */
  evictionScore(address: number, policy: number, nowMs: number): number {
    if (policy === EvictionPolicy.volatileTtl) return -this.expiry.deadline(this.arena.expirySlot(address));
    const access = this.arena.access(address);
    if (policyIsLfu(policy)) return 255 - lfuDecayed(access, nowMs, this.eviction.lfuDecayMinutes);
    return lruIdleMs(access, nowMs);
  }

  /** True when this entry (sampled earlier) is still in the store, and (volatile) still has a deadline. */
  holdsEntry(hash: number, address: number, volatile: boolean): boolean {
    return this.table.holds(hash, address) && (!volatile || this.arena.expirySlot(address) !== 0);
  }

  /**
   * Removes a sampled entry (holdsEntry must be true): a change, so a running snapshot keeps its
   * image first and save rules count it. Releasing it moves the arena's generation, so the recent
   * key is looked up anew.
   */
  evictEntry(hash: number, address: number): void {
    if (this.snapshotKeep !== null) this.keepForSnapshot(hash, address);
    this.table.removeAddress(hash, address);
    this.releaseEntry(address);
    this.changes++;
  }

  /** Arena bytes reserved but not holding entries: free blocks, pool pages, room in pages. */
  get freeArenaBytes(): number {
    return this.arena.bytesReserved - this.arena.bytesUsed;
  }

  /**
   * Gives chunks back to the system (empty ones, then ones drained by compaction) until `bytes`
   * more fit within maxMemoryBytes, for a write to another database after eviction freed entries
   * here. False when that falls short.
   */
  giveBack(bytes: number): boolean {
    this.givingBack = true;
    try {
      return this.arena.reserveOutsidePages(bytes);
    } finally {
      this.givingBack = false;
    }
  }

  /** The handle's access word (OBJECT FREQ and IDLETIME; reading it is not an access). */
  access(handle: number): number {
    return this.arena.access(handle);
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
    this.expiredKeys += reclaimed;
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
    arena.assertInvariants();
    let withDeadline = 0;
    let entries = 0;
    this.table.forEachAddress((address) => {
      entries++;
      if (this.snapshotKeep === null && arena.snapshotMarked(address))
        throw new Error(`entry ${address}: marked for a snapshot, and none is running`);
      const slot = arena.expirySlot(address);
      if (slot !== 0) {
        withDeadline++;
        if (this.expiry.addresses[slot - 1] !== address)
          throw new Error(`entry ${address}: expiry slot ${slot} points elsewhere`);
      }
      return true;
    });
    if (entries !== arena.entries) throw new Error(`arena holds ${arena.entries} entries, table ${entries}`);
    if (withDeadline !== this.expiry.count)
      throw new Error(`${withDeadline} entries with deadlines, index has ${this.expiry.count}`);
  }

  /** A new key's access word under the policy. */
  private newAccess(): number {
    return policyIsLfu(this.eviction.policy) ? lfuNew(this.nowMs) : lruClock(this.nowMs);
  }

  /**
   * An entry's access word after an access: the LRU clock now, or the LFU counter decayed and
   * counted. Small, for V8 to inline into find and set; the LFU coin is out of line.
   */
  private touchedAccess(address: number): number {
    return policyIsLfu(this.eviction.policy) ? this.lfuTouchedAccess(address) : lruClock(this.nowMs);
  }

  private lfuTouchedAccess(address: number): number {
    let x = this.coin;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.coin = x;
    return lfuTouched(this.arena.access(address), this.nowMs, this.eviction, (x >>> 0) / 4294967296);
  }

  /**
   * A write refused for memory (the store as it was): under an eviction policy, evicts and tries
   * again, until it fits or no key is left to evict: evictionBatchKeys keys first, then one a round.
   * Each round evicts at least one key, so this ends. Out of set's way: below maxmemory a write never comes here. During the retries
   * indexMayEvict is true, so a table or deadline index growth and a class without room evict
   * too, and a refusal inside returns here instead of recursing.
   */
  private evictAndRetry(
    key: Uint8Array,
    keyOffset: number,
    keyLength: number,
    value: Uint8Array,
    valueOffset: number,
    valueLength: number,
    deadlineMs: number,
    hash: number,
  ): number {
    if (this.indexMayEvict || this.eviction.policy === EvictionPolicy.noeviction)
      return StoreRefusal.outOfMemory;
    const entryBytes = entryHeaderBytes + keyLength + valueLength;
    let result: number = StoreRefusal.outOfMemory;
    this.indexMayEvict = true;
    try {
      // An out-of-line value needs its bytes free in the arena, and then some, to take a chunk back.
      for (let freeBytes = entryBytes; ; freeBytes += reclaimStepBytes) {
        const evicted =
          entryBytes > maxInlineEntryBytes
            ? this.evictForBytes(freeBytes)
            : this.evict(this.nowMs, freeBytes === entryBytes ? evictionBatchKeys : 1) > 0;
        if (!evicted) return result;
        result = this.set(key, keyOffset, keyLength, value, valueOffset, valueLength, deadlineMs, hash);
        if (result !== StoreRefusal.outOfMemory) return result;
      }
    } finally {
      this.indexMayEvict = false;
    }
  }

  /**
   * Before a write needs a block of class c that the arena cannot give: no page with room, none in
   * the pool, no chunk within maxmemory. Evicts until the class has room: an evicted entry of the
   * class frees a block; others add free blocks that compaction turns into a pool page. Returns
   * whether it evicted (addresses held by the caller may be stale).
   */
  private evictForClass(c: number): boolean {
    const arena = this.arena;
    let evicted = false;
    while (
      !arena.ready(c) &&
      !this.fits(pageBytes) &&
      !arena.compactOnePage() &&
      !this.peersGiveBack(pageBytes) &&
      this.evict(this.nowMs, 1) > 0
    ) {
      evicted = true;
    }
    return evicted;
  }

  /**
   * Evicts until the free arena bytes of all databases add up to `freeBytes` (eviction takes keys
   * of any database): before this arena takes chunks back for an out-of-line array or a table
   * growth, which asks the other databases to give theirs back first (mayReserve). Counting only
   * this arena's free bytes would evict every other database's keys, which free nothing here.
   * False when the keys ran out first.
   */
  private evictForBytes(freeBytes: number): boolean {
    while (this.freeArenaBytes + this.peerFreeBytes() < freeBytes) {
      if (this.evict(this.nowMs, 1) === 0) return false;
    }
    return true;
  }

  /**
   * Room for `bytes` more of table or deadline index: compaction and draining give this arena's
   * chunks back; inside a write under an eviction policy, keys are evicted until that much is free
   * in the arenas, then a step more per try, until they do (bounded: each try needs a step more
   * free, or the keys run out).
   */
  private reclaimForIndex(bytes: number): boolean {
    this.reclaims++; // giving chunks back moves entries, and eviction removes them
    if (this.arena.reserveOutsidePages(bytes)) return true;
    if (!this.indexMayEvict) return false;
    for (let freeBytes = bytes; ; freeBytes += reclaimStepBytes) {
      if (!this.evictForBytes(freeBytes)) return this.arena.reserveOutsidePages(bytes);
      if (this.arena.reserveOutsidePages(bytes)) return true;
    }
  }

  /** True when `bytes` more, with what every database reserves, stay within maxMemoryBytes. */
  private fits(bytes: number): boolean {
    return this.bytesReserved() + this.peerReservedBytes() + bytes <= this.maxMemoryBytes;
  }

  private bytesReserved(): number {
    return this.arena.bytesReserved + this.table.bytesReserved + this.expiry.bytesReserved;
  }

  /**
   * The address of the key's entry, or 0; its hash in locatedHash. The recent key's entry when
   * the key is the recent one and no entry was released or moved since (so the address still
   * holds it), else a probe of the table.
   */
  private locate(knownHash: number, key: Uint8Array, keyOffset: number, keyLength: number): number {
    const arena = this.arena;
    // With a hash from the look-ahead the table slot is in cache already: probing costs no more.
    if (
      knownHash === unknownHash &&
      this.recentGeneration === arena.generation &&
      arena.keyEquals(this.recentAddress, key, keyOffset, keyLength)
    ) {
      this.locatedHash = this.recentHash;
      return this.recentAddress;
    }
    const hash = this.keyHashOr(knownHash, key, keyOffset, keyLength);
    const address = this.table.lookup(hash, key, keyOffset, keyLength);
    this.locatedHash = hash;
    if (address !== 0) this.remember(address, hash);
    return address;
  }

  private remember(address: number, hash: number): void {
    this.recentAddress = address;
    this.recentHash = hash;
    this.recentGeneration = this.arena.generation;
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
    return this.keyHash(arena.keyBytes(address), arena.keyOffset(address), arena.keyLength(address));
  }

  private removeByAddress(address: number): void {
    const hash = this.hashOf(address);
    if (this.snapshotKeep !== null) this.keepForSnapshot(hash, address);
    this.table.removeAddress(hash, address);
    this.releaseEntry(address);
  }

  /** Whether the running snapshot's walk has passed the keys of this hash. */
  private visitedBySnapshot(hash: number): boolean {
    return reverseBits(hash) < this.snapshotFrontier;
  }

  /** Before an entry changes: hands its image at the start to the snapshot, once, if the walk has not passed it. */
  private keepForSnapshot(hash: number, address: number): void {
    const arena = this.arena;
    if (this.visitedBySnapshot(hash) || arena.snapshotMarked(address)) return;
    this.snapshotKeep!(address);
    arena.setSnapshotMark(address, true);
  }

  /** Frees an entry already gone from the table, with its deadline slot. */
  private releaseEntry(address: number): void {
    const arena = this.arena;
    const slot = arena.expirySlot(address);
    if (slot !== 0) this.removeExpirySlot(address, slot);
    arena.release(address);
  }

  /** Compaction moved an entry: the table slot and deadline slot follow it. */
  private relocate(from: number, to: number): void {
    if (from === this.heldAddress) this.heldAddress = to;
    this.table.replace(this.hashOf(to), from, to);
    const slot = this.arena.expirySlot(to);
    if (slot !== 0) this.expiry.setAddress(slot, to);
  }

  private removeExpirySlot(address: number, slot: number): void {
    const moved = this.expiry.remove(slot);
    if (moved !== 0) this.arena.setExpirySlot(moved, slot);
    this.arena.setExpirySlot(address, 0);
  }
}
