import { copyBytes } from '../bytes.js';
import { maxKeyBytes } from '../limits.js';
import { EvictionPolicy, type EvictionSettings, policyIsVolatile } from './access-clock.js';
import type { ArenaStore } from './arena-store.js';

/** Candidates kept between evictions (Redis's EVPOOL_SIZE). */
export const evictionPoolSize = 16;
/** Largest maxmemory-samples accepted (Redis: 64). */
export const maxEvictionSamples = 64;

/**
 * Chooses and evicts keys across the databases that share one maxmemory, Redis's way: each
 * eviction samples `samples` keys of every database (all keys, or under volatile-* those with a
 * deadline), merges them into a small pool of the best candidates kept across evictions (the most
 * idle, least frequent or soonest to expire), and evicts the best one still present. No
 * allocation and no walk of a whole table: the pool and samples are typed arrays of fixed size.
 * The random policies take a random key of the next database in turn.
 */
export class Evictor {
  /** Keys evicted since start (INFO evicted_keys). */
  evictedKeys = 0;
  /** Pool, ascending by score: the best candidate is the last. Entries may be stale (checked on use). */
  private readonly poolScore = new Float64Array(evictionPoolSize);
  private readonly poolAddress = new Uint32Array(evictionPoolSize);
  private readonly poolHash = new Int32Array(evictionPoolSize);
  private readonly poolDb = new Int32Array(evictionPoolSize);
  private poolCount = 0;
  /** The policy the pool's scores were taken under: a change (CONFIG SET) empties the pool. */
  private poolPolicy = -1;
  private readonly sampleAddresses = new Uint32Array(maxEvictionSamples);
  private readonly sampleHashes = new Int32Array(maxEvictionSamples);
  private nextDb = 0;
  /** xorshift32 state (never 0). */
  private seed = 0x2545f491;
  /**
   * Told of each evicted key after it is gone (database, key bytes): the server logs it to the
   * append-only log as a DEL, as Redis propagates evictions. The bytes are only valid during the call.
   */
  evicted: (db: number, bytes: Uint8Array, offset: number, length: number) => void = () => {};
  /** The evicted key's bytes, copied out before its entry is freed. */
  private readonly evictedKey = new Uint8Array(maxKeyBytes);

  constructor(
    readonly settings: EvictionSettings,
    /** The databases (null: never used); the evictor reads, never replaces, the array. */
    private readonly stores: ReadonlyArray<ArenaStore | null>,
  ) {}

  /** Evicts one key; false when none may be evicted. `nowMs` is the writer's clock. */
  evictOne(nowMs: number): boolean {
    const policy = this.settings.policy;
    if (policy === EvictionPolicy.noeviction) return false;
    const volatile = policyIsVolatile(policy);
    if (policy === EvictionPolicy.allkeysRandom || policy === EvictionPolicy.volatileRandom) {
      return this.evictRandom(volatile);
    }
    if (policy !== this.poolPolicy) {
      this.poolCount = 0;
      this.poolPolicy = policy;
    }
    for (;;) {
      if (!this.populate(policy, volatile, nowMs)) return false;
      // The best candidate still present; the ones that went meanwhile just leave the pool.
      while (this.poolCount > 0) {
        const k = --this.poolCount;
        const store = this.stores[this.poolDb[k]];
        const hash = this.poolHash[k];
        const address = this.poolAddress[k];
        if (store?.holdsEntry(hash, address, volatile)) {
          this.evict(store, this.poolDb[k], hash, address);
          return true;
        }
      }
    }
  }

  /** Samples every database with candidates into the pool; false when no database has any. */
  private populate(policy: number, volatile: boolean, nowMs: number): boolean {
    const want = Math.min(this.settings.samples, maxEvictionSamples);
    let found = false;
    for (let db = 0; db < this.stores.length; db++) {
      const store = this.stores[db];
      if (store === null || (volatile ? store.keysWithDeadline : store.size) === 0) continue;
      const n = store.sampleForEviction(
        volatile,
        want,
        this.random(),
        this.sampleAddresses,
        this.sampleHashes,
      );
      for (let i = 0; i < n; i++) {
        const address = this.sampleAddresses[i];
        this.offer(store.evictionScore(address, policy, nowMs), address, this.sampleHashes[i], db);
        found = true;
      }
    }
    return found;
  }

  /** Redis's evictionPoolPopulate step: insert in score order, dropping the worst when full. */
  private offer(score: number, address: number, hash: number, db: number): void {
    const count = this.poolCount;
    for (let j = 0; j < count; j++) {
      if (this.poolAddress[j] === address && this.poolDb[j] === db) return; // sampled again
    }
    let k = 0;
    while (k < count && this.poolScore[k] < score) k++;
    if (count === evictionPoolSize) {
      if (k === 0) return; // worse than every candidate in a full pool
      k--;
      this.move(1, 0, k); // drop the worst, make room at k
    } else {
      this.move(k, k + 1, count - k);
      this.poolCount++;
    }
    this.poolScore[k] = score;
    this.poolAddress[k] = address;
    this.poolHash[k] = hash;
    this.poolDb[k] = db;
  }

  private move(from: number, to: number, n: number): void {
    this.poolScore.copyWithin(to, from, from + n);
    this.poolAddress.copyWithin(to, from, from + n);
    this.poolHash.copyWithin(to, from, from + n);
    this.poolDb.copyWithin(to, from, from + n);
  }

  private evictRandom(volatile: boolean): boolean {
    const count = this.stores.length;
    for (let i = 0; i < count; i++) {
      const db = (this.nextDb + i) % count;
      const store = this.stores[db];
      if (store === null || (volatile ? store.keysWithDeadline : store.size) === 0) continue;
      if (store.sampleForEviction(volatile, 1, this.random(), this.sampleAddresses, this.sampleHashes) === 0)
        continue;
      this.evict(store, db, this.sampleHashes[0], this.sampleAddresses[0]);
      this.nextDb = (db + 1) % count;
      return true;
    }
    return false;
  }

  private evict(store: ArenaStore, db: number, hash: number, address: number): void {
    const length = store.keyLength(address);
    copyBytes(store.keyBytes(address), store.keyOffset(address), this.evictedKey, 0, length);
    store.evictEntry(hash, address);
    this.evictedKeys++;
    this.evicted(db, this.evictedKey, 0, length);
  }

  /** A random non-negative small integer (30 bits). */
  private random(): number {
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x;
    return x >>> 2;
  }
}
