import type { Arena } from './arena.js';
import type { MemoryAdvice } from './store-api.js';

/** Grow when an insert would take the table past this load. */
export const maxLoadFactor = 0.75;
/** Without memory to grow, inserts go on up to this load, then fail. */
export const hardMaxLoadFactor = 0.9;
/**
 * Old-table slots migrated per write during a resize (finishing the cluster the last one is in):
 * bounds the work of any one operation.
 */
export const resizeSlotsPerWrite = 16;
export const initialTableSlots = 1024;

/**
 * Open addressing with linear probing over one Uint32Array of (hash, entry address) pairs; address
 * 0 marks an empty slot. Deletion shifts the following cluster back, so no tombstones build up.
 *
 * Incremental resize: the old table is migrated a whole cluster (a run of occupied slots between
 * empty ones) at a time, from an empty slot `migrateFrom` onwards, round the table. The keys of a
 * cluster have their homes inside it, so while `old` exists a key whose home lies in the first
 * `migrated` slots from migrateFrom lives in the new table, any other key in the old one. Each write
 * migrates at least resizeSlotsPerWrite slots, so no operation pays for the whole table. Moving
 * clusters whole, rather than home by home, reads each old slot once and never shifts a cluster.
 */
export class HashTable {
  private slots: Uint32Array;
  private mask: number;
  private old: Uint32Array | null = null;
  private oldMask = 0;
  /** An empty old slot when the resize started: no cluster straddles it. */
  private migrateFrom = 0;
  /** Old slots migrated, counted from migrateFrom; always at a cluster's end. */
  private migrated = 0;
  /** Entries in both tables. */
  count = 0;
  /**
   * What prefetch loaded, folded together: a use of the loads, so that the compiler keeps them.
   * Means nothing.
   */
  prefetched = 0;

  constructor(
    private readonly arena: Arena,
    private readonly mayReserve: (bytes: number) => boolean,
    initialSlots: number = initialTableSlots,
    private readonly adviseMemory: MemoryAdvice = () => {},
  ) {
    this.slots = new Uint32Array(initialSlots * 2);
    this.mask = initialSlots - 1;
  }

  get bytesReserved(): number {
    return (this.slots.length + (this.old === null ? 0 : this.old.length)) * 4;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  get resizing(): boolean {
    return this.old !== null;
  }

  /** Address of the entry with this key, or 0. */
  lookup(hash: number, key: Uint8Array, offset: number, length: number): number {
    const inOld = this.inOld(hash);
    const t = inOld ? this.old! : this.slots;
    const i = this.probe(t, inOld ? this.oldMask : this.mask, hash, key, offset, length);
    return i < 0 ? 0 : t[2 * i + 1];
  }

  /**
   * Loads the home slots of these hashes, then the entry of each slot run that holds a matching
   * hash. Each pass issues loads that do not depend on one another, so the CPU overlaps their
   * cache misses; the lookups that follow then find the lines in cache.
   */
  prefetch(hashes: Int32Array, count: number): void {
    let loaded = 0;
    for (let j = 0; j < count; j++) {
      const hash = hashes[j];
      loaded |= this.inOld(hash)
        ? this.old![((hash & this.oldMask) << 1) + 1]
        : this.slots[((hash & this.mask) << 1) + 1];
    }
    for (let j = 0; j < count; j++) {
      const hash = hashes[j];
      const inOld = this.inOld(hash);
      const t = inOld ? this.old! : this.slots;
      const mask = inOld ? this.oldMask : this.mask;
      for (let i = hash & mask; t[2 * i + 1] !== 0; i = (i + 1) & mask) {
        if (t[2 * i] === hash) {
          loaded |= this.arena.keyLength(t[2 * i + 1]);
          break;
        }
      }
    }
    this.prefetched = loaded;
  }

  /**
   * Makes room for one more entry, growing (or advancing a resize) as needed; false when the
   * table is too full and may not grow. Call before insert, and only for a key not present.
   */
  reserveOne(): boolean {
    this.migrate();
    const limit = this.capacity * maxLoadFactor;
    if (this.count + 1 <= limit) return true;
    if (this.old === null && this.mayReserve(this.slots.length * 2 * 4)) {
      this.startResize();
      return true;
    }
    return this.count + 1 <= this.capacity * hardMaxLoadFactor;
  }

  /** Adds a key known to be absent (after reserveOne). */
  insert(hash: number, address: number): void {
    if (this.inOld(hash)) insertInto(this.old!, this.oldMask, hash, address);
    else insertInto(this.slots, this.mask, hash, address);
    this.count++;
  }

  /** Points the slot holding `from` at `to` (an entry moved to another size class). */
  replace(hash: number, from: number, to: number): void {
    const inOld = this.inOld(hash);
    const t = inOld ? this.old! : this.slots;
    const mask = inOld ? this.oldMask : this.mask;
    let i = hash & mask;
    while (t[2 * i + 1] !== from) i = (i + 1) & mask;
    t[2 * i + 1] = to;
  }

  /** Removes the key; returns its entry address, or 0 when absent. */
  remove(hash: number, key: Uint8Array, offset: number, length: number): number {
    this.migrate();
    const inOld = this.inOld(hash);
    const t = inOld ? this.old! : this.slots;
    const mask = inOld ? this.oldMask : this.mask;
    const i = this.probe(t, mask, hash, key, offset, length);
    if (i < 0) return 0;
    const address = t[2 * i + 1];
    deleteAt(t, mask, i);
    this.count--;
    return address;
  }

  /** Removes the slot holding this entry address (the entry must be in the table). */
  removeAddress(hash: number, address: number): void {
    this.migrate();
    const inOld = this.inOld(hash);
    const t = inOld ? this.old! : this.slots;
    const mask = inOld ? this.oldMask : this.mask;
    let i = hash & mask;
    while (t[2 * i + 1] !== address) i = (i + 1) & mask;
    deleteAt(t, mask, i);
    this.count--;
  }

  /** Calls visit with every entry address (the table must not change meanwhile). */
  forEachAddress(visit: (address: number) => boolean): void {
    for (const t of this.old === null ? [this.slots] : [this.old, this.slots]) {
      for (let i = 1; i < t.length; i += 2) {
        if (t[i] !== 0 && !visit(t[i])) return;
      }
    }
  }

  /**
   * One step of an incremental walk (SCAN): calls visit with the entries of the homes the cursor
   * names, until `count` entries or 10 x count homes; returns the next cursor (0: the walk is done).
   * A walk from cursor 0 back to 0 visits every entry present throughout at least once, however
   * the table grows and resizes between steps (docs/store.md, "Scan").
   *
   * Redis's reverse-binary cursor, over homes instead of buckets: the keys of home h (hash & mask)
   * lie in the slots from h to the next empty one, wherever insertions and deletions shifted them.
   * The cursor counts in bit-reversed order, so the homes visited at one table size cover all
   * their expansions at the doubled size. During a resize each home of the old table is visited
   * in both: in the old table, and as its two expansions in the new one.
   */
  scan(cursor: number, count: number, visit: (address: number) => void): number {
    if (this.count === 0) return 0;
    let v = cursor;
    let entries = 0;
    for (let homes = 0; homes < count * 10 && entries < count; homes++) {
      const old = this.old;
      if (old === null) {
        entries += visitHome(this.slots, this.mask, v & this.mask, visit);
        v = nextCursor(v, this.mask);
      } else {
        const oldMask = this.oldMask;
        entries += visitHome(old, oldMask, v & oldMask, visit);
        do {
          entries += visitHome(this.slots, this.mask, v & this.mask, visit);
          v = nextCursor(v, this.mask);
        } while ((v & (oldMask ^ this.mask)) !== 0);
      }
      if (v === 0) break;
    }
    return v;
  }

  /** The address of some entry, searching from slot `start` of the table, then of the old one; 0 when empty. */
  addressNear(start: number): number {
    for (const t of this.old === null ? [this.slots] : [this.slots, this.old]) {
      const slots = t.length / 2;
      for (let k = 0; k < slots; k++) {
        const address = t[2 * ((start + k) % slots) + 1];
        if (address !== 0) return address;
      }
    }
    return 0;
  }

  /**
   * Up to `want` entries from the slots after `start` (Redis's dictGetSomeKeys: a run of adjacent
   * slots, at most want x 10 of them; during a resize also the old table's), written to addresses
   * and hashes from index `at` on; returns how many. Cheap, and the keys are random because their hashes are.
   */
  sample(start: number, want: number, addresses: Uint32Array, hashes: Int32Array, at: number): number {
    let n = sampleSlots(this.slots, this.mask, start, want, addresses, hashes, at, at + want);
    if (this.old !== null && n < at + want)
      n = sampleSlots(this.old, this.oldMask, start, want, addresses, hashes, n, at + want);
    return n - at;
  }

  /** True when the slot of this hash holding this entry address is in the table. */
  holds(hash: number, address: number): boolean {
    const inOld = this.inOld(hash);
    const t = inOld ? this.old! : this.slots;
    const mask = inOld ? this.oldMask : this.mask;
    for (let i = hash & mask; t[2 * i + 1] !== 0; i = (i + 1) & mask) {
      if (t[2 * i + 1] === address) return t[2 * i] === hash;
    }
    return false;
  }

  /** Throws unless every entry is reachable from its home and each table holds the right keys. */
  assertInvariants(hashOf: (address: number) => number): void {
    let seen = 0;
    const check = (t: Uint32Array, mask: number, isOld: boolean) => {
      for (let i = 0; i <= mask; i++) {
        const address = t[2 * i + 1];
        if (address === 0) continue;
        seen++;
        const hash = t[2 * i];
        if (hashOf(address) !== hash) throw new Error(`slot ${i}: stored hash differs from the key's`);
        if (isOld !== this.inOld(hash)) {
          throw new Error(`slot ${i}: key in the wrong table during resize`);
        }
        for (let j = hash & mask; j !== i; j = (j + 1) & mask) {
          if (t[2 * j + 1] === 0) throw new Error(`slot ${i}: unreachable from its home ${hash & mask}`);
        }
      }
    };
    check(this.slots, this.mask, false);
    if (this.old !== null) check(this.old, this.oldMask, true);
    if (seen !== this.count) throw new Error(`count ${this.count} but ${seen} entries`);
  }

  /** The table holding (or due to hold) a key of this hash: the old one, or the current one. */
  private inOld(hash: number): boolean {
    return this.old !== null && ((hash - this.migrateFrom) & this.oldMask) >= this.migrated;
  }

  private probe(
    t: Uint32Array,
    mask: number,
    hash: number,
    key: Uint8Array,
    offset: number,
    length: number,
  ): number {
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const address = t[2 * i + 1];
      if (address === 0) return -1;
      if (t[2 * i] === hash && this.arena.keyEquals(address, key, offset, length)) return i;
    }
  }

  private startResize(): void {
    const old = this.slots;
    let from = 0;
    while (old[2 * from + 1] !== 0) from++; // the load factor leaves empty slots
    this.old = old;
    this.oldMask = this.mask;
    this.migrateFrom = from;
    this.migrated = 0;
    const slots = new Uint32Array(old.length * 2);
    this.adviseMemory(slots.buffer);
    this.slots = slots;
    this.mask = this.mask * 2 + 1;
    // Step at once, before the write that started the resize inserts into the old table: a key
    // whose probe wraps round the end of the round then lands in a migrated slot (moved with the
    // last cluster), never in the first cluster, which would carry it to the new table early.
    // Each later write migrates before it inserts, and at most one key per write can wrap.
    this.migrate();
  }

  /** Moves the next few clusters of the old table into the new one. */
  private migrate(): void {
    const old = this.old;
    if (old === null) return;
    const oldMask = this.oldMask;
    const oldSlots = oldMask + 1;
    const until = Math.min(this.migrated + resizeSlotsPerWrite, oldSlots);
    let i = (this.migrateFrom + this.migrated) & oldMask;
    let migrated = this.migrated;
    while (migrated < until) {
      // A cluster may run on past `until`, and past the end of the round (keys inserted into the
      // old table meanwhile, wrapping into migrated slots): it moves whole all the same.
      while (old[2 * i + 1] !== 0) {
        insertInto(this.slots, this.mask, old[2 * i], old[2 * i + 1]);
        old[2 * i] = 0;
        old[2 * i + 1] = 0;
        i = (i + 1) & oldMask;
        migrated++;
      }
      i = (i + 1) & oldMask;
      migrated++;
    }
    this.migrated = migrated;
    if (migrated >= oldSlots) this.old = null;
  }
}

/** Visits the entries whose home is h: they lie between h and the next empty slot. Returns how many. */
function visitHome(t: Uint32Array, mask: number, h: number, visit: (address: number) => void): number {
  let visited = 0;
  for (let i = h; t[2 * i + 1] !== 0; i = (i + 1) & mask) {
    if ((t[2 * i] & mask) === h) {
      visit(t[2 * i + 1]);
      visited++;
    }
  }
  return visited;
}

/** The cursor after v over a table of this mask: v + 1 in bit-reversed order (Redis's dictScan). */
function nextCursor(v: number, mask: number): number {
  return reverseBits((reverseBits((v | ~mask) >>> 0) + 1) >>> 0);
}

export function reverseBits(v: number): number {
  v = ((v >>> 1) & 0x55555555) | ((v & 0x55555555) << 1);
  v = ((v >>> 2) & 0x33333333) | ((v & 0x33333333) << 2);
  v = ((v >>> 4) & 0x0f0f0f0f) | ((v & 0x0f0f0f0f) << 4);
  v = ((v >>> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8);
  return ((v >>> 16) | (v << 16)) >>> 0;
}

/** sample's walk over one table: entries from slot `start` on, into index n up to `end` of the output arrays. */
function sampleSlots(
  t: Uint32Array,
  mask: number,
  start: number,
  want: number,
  addresses: Uint32Array,
  hashes: Int32Array,
  n: number,
  end: number,
): number {
  for (let step = 0, i = start & mask; step < want * 10 && n < end; step++, i = (i + 1) & mask) {
    const address = t[2 * i + 1];
    if (address !== 0) {
      addresses[n] = address;
      hashes[n] = t[2 * i];
      n++;
    }
  }
  return n;
}

function insertInto(t: Uint32Array, mask: number, hash: number, address: number): void {
  let i = hash & mask;
  while (t[2 * i + 1] !== 0) i = (i + 1) & mask;
  t[2 * i] = hash;
  t[2 * i + 1] = address;
}

/** Empties slot i, shifting back the keys after it that may move closer to their home. */
function deleteAt(t: Uint32Array, mask: number, i: number): void {
  let hole = i;
  for (let j = (i + 1) & mask; t[2 * j + 1] !== 0; j = (j + 1) & mask) {
    const home = t[2 * j] & mask;
    // The key at j may fill the hole unless its home lies cyclically in (hole, j].
    if (((j - home) & mask) >= ((j - hole) & mask)) {
      t[2 * hole] = t[2 * j];
      t[2 * hole + 1] = t[2 * j + 1];
      hole = j;
    }
  }
  t[2 * hole] = 0;
  t[2 * hole + 1] = 0;
}
