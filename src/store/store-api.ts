/**
 * The contract between command handlers and the data store. Keys and values are byte ranges
 * (bytes, offset, length) taken straight from a receive buffer; the store copies them once on
 * write and hands out locations, never copies, on read.
 *
 * An entry handle is a non-negative number naming a live entry. It stays valid only until the
 * next call that writes to the store (set, delete, setDeadline, expireCycle, or a find that
 * lazily expires a key).
 *
 * The keyed methods take an optional last argument `hash`: the key's hash as prefetch reported it,
 * which spares hashing the key again. Omitted or unknownHash (-1), the store hashes the key.
 *
 * Deadlines are absolute Unix-epoch milliseconds (Date.now() scale); 0 means "no deadline". A key
 * is expired when deadline <= nowMs.
 */

/** Refusals of a write; the store is unchanged after any of them. */
export const StoreRefusal = {
  keyTooLarge: -1,
  valueTooLarge: -2,
  /** The write would take the store over its memory limit (maxmemory). */
  outOfMemory: -3,
  /** The store already holds its maximum number of keys. */
  tooManyKeys: -4,
} as const;

/** The `hash` argument of a keyed method when the caller has none: the store hashes the key. */
export const unknownHash = -1;

export interface StoreStats {
  keys: number;
  keysWithDeadline: number;
  /** Bytes of entries (headers, keys, values) in use. */
  bytesUsed: number;
  /** Bytes reserved from the system for entries and index (arena chunks, tables). */
  bytesReserved: number;
  /** Reserved bytes not holding live entry data, over bytes reserved for entries (0..1). */
  fragmentation: number;
}

export interface KeyValueStore {
  /** Live keys plus expired keys not yet reclaimed. */
  readonly size: number;

  /**
   * The time lazy expiry compares deadlines against (Unix ms), set by the caller before each batch
   * of commands. A field rather than an argument of find: a double passed to a call V8 does not
   * inline is boxed into a new HeapNumber every time (measured: one scavenge per ~1,300 GETs).
   */
  nowMs: number;

  /**
   * Redis's INFO counters of this keyspace: lookups by reading commands that found their key and
   * that did not (counted by the commands), and keys removed because their deadline passed
   * (counted by the store, on lookup and by the expire cycle). Plain fields: an increment costs
   * no call.
   */
  keyspaceHits: number;
  keyspaceMisses: number;
  expiredKeys: number;

  /**
   * Whether prefetch can pay for itself now: it cannot while the index fits the CPU caches, where
   * looking ahead is pure overhead (callers then skip it).
   */
  readonly prefetchHelps: boolean;

  /**
   * A hint that the keys bytes[offsets[i], offsets[i] + lengths[i]) for i < count are about to be
   * used. The arena store loads their table slots (and entries) for all of them at once, so that
   * the cache misses of a batch overlap instead of stalling each command in turn. Writes each
   * key's hash (or unknownHash) into hashes[i], for the keyed methods. Changes nothing a caller
   * can see.
   */
  prefetch(
    bytes: Uint8Array,
    offsets: Int32Array,
    lengths: Int32Array,
    count: number,
    hashes: Int32Array,
  ): void;

  /** Handle of the key, or -1. A key whose deadline has passed (by nowMs) is deleted first (lazy expiry). */
  find(key: Uint8Array, keyOffset: number, keyLength: number, hash?: number): number;
  /** Handle of the key, or -1, without the expiry check (EXPIRE and PERSIST revive, spec 3.6). */
  findIncludingExpired(key: Uint8Array, keyOffset: number, keyLength: number, hash?: number): number;

  /** Where an entry's value lives: valueBytes(h)[valueOffset(h), valueOffset(h) + valueLength(h)). */
  valueBytes(handle: number): Uint8Array;
  valueOffset(handle: number): number;
  valueLength(handle: number): number;

  /** Stores a copy of the key and value with the given deadline (replacing any value and deadline). Returns the handle or a StoreRefusal. */
  set(
    key: Uint8Array,
    keyOffset: number,
    keyLength: number,
    value: Uint8Array,
    valueOffset: number,
    valueLength: number,
    deadlineMs: number,
    hash?: number,
  ): number;

  /**
   * Replaces the value of a live entry in place when the new value takes the room the old one did
   * (an in-line entry whose size class stays the same): the handle stays valid, the deadline is
   * kept, no key is hashed. False, with nothing changed, otherwise: the caller then uses set (INCR's
   * digits, docs/resp.md).
   */
  overwriteValue(handle: number, value: Uint8Array, valueOffset: number, valueLength: number): boolean;

  /**
   * The caller is about to write new bytes over the value of a live entry, the same number of
   * them, where valueBytes/valueOffset say (INCR's digits when their count stays): a running
   * snapshot keeps the entry's image first, and the write counts as a change.
   */
  rewriteValue(handle: number): void;

  /** Removes the key; true when it was there (expired or not). */
  delete(key: Uint8Array, keyOffset: number, keyLength: number, hash?: number): boolean;

  deadline(handle: number): number;
  /**
   * Sets or clears (0) the deadline. Returns the entry's handle afterwards (a new deadline may grow
   * the deadline index, which may move entries), or StoreRefusal.outOfMemory, with nothing
   * changed, when memory for it is refused.
   */
  setDeadline(handle: number, deadlineMs: number): number;

  /**
   * Calls visit for every live key (by nowMs), deleting expired keys met on the way (KEYS). visit must not
   * write to the store; returning false stops the walk.
   */
  forEachKey(visit: (bytes: Uint8Array, offset: number, length: number) => boolean): void;

  /**
   * One step of an incremental walk over the keys (SCAN): calls visit for the live keys (by nowMs)
   * of the next few table homes, about `count` keys, and returns the cursor to pass next; cursor
   * 0 starts a walk and a returned 0 ends it. Every key present for the whole walk is visited at
   * least once, whatever writes and table resizes happen between the steps; a key may be visited
   * twice. visit must not write to the store.
   */
  scan(
    cursor: number,
    count: number,
    visit: (bytes: Uint8Array, offset: number, length: number) => void,
  ): number;

  /** Where an entry's key lives: keyBytes(h)[keyOffset(h), keyOffset(h) + keyLength(h)). */
  keyBytes(handle: number): Uint8Array;
  keyOffset(handle: number): number;
  keyLength(handle: number): number;

  /** Handle of a key picked at random (live or expired), or -1 when the store is empty (RANDOMKEY). */
  randomHandle(): number;

  /** One step of active expiry: reclaims expired keys with bounded work; returns how many. */
  expireCycle(nowMs: number): number;

  stats(): StoreStats;
}

/**
 * A store a point-in-time snapshot can be taken of in slices while writes go on (ArenaStore;
 * docs/persistence.md, "Snapshots"). Handles given to keep and visit are valid during the call.
 */
export interface SnapshotSource {
  /** Keys set, deleted or given a deadline since the store was made. */
  readonly changes: number;
  readonly snapshotRunning: boolean;
  /** keep(handle) gets each key's image at the start just before the key first changes. */
  beginSnapshot(keep: (handle: number) => void): void;
  /** Walks about `count` more keys, visit(handle) for each one not kept; true when the walk is done. */
  snapshotStep(count: number, visit: (handle: number) => void): boolean;
}

/**
 * Called with each large buffer the store takes from the system (an arena chunk, the table), before
 * it is first touched: the server asks the kernel for huge pages there (native adviseHugePages).
 */
export type MemoryAdvice = (buffer: ArrayBuffer) => void;
