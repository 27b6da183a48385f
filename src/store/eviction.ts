import { copyBytes } from '../bytes.js';
import { maxKeyBytes } from '../limits.js';
import { EvictionPolicy, type EvictionSettings, policyIsVolatile } from './access-clock.js';
import type { ArenaStore } from './arena-store.js';

/** Candidates kept between evictions (Redis's EVPOOL_SIZE). */
export const evictionPoolSize = 16;
/** Largest maxmemory-samples accepted (Redis: 64). */
export const maxEvictionSamples = 64;
/**
 * Samples held at once while evicting several keys: the rounds of a batch are sampled and scored
 * ahead (see evict). One round of every database at the most samples fits.
 */
const sampleCapacity = maxEvictionSamples * 16;

/**
 * Chooses and evicts keys across the databases that share one maxmemory, Redis's way: each
 * eviction samples `samples` keys of every database (all keys, or under volatile-* those with a
 * deadline), merges them into a small pool of the best candidates kept across evictions (the most
 * idle, least frequent or soonest to expire), and evicts the best one still present. No
 * allocation and no walk of a whole table: the pool and samples are typed arrays of fixed size.
 * The random policies take a random key of the next database in turn.
 *
 * Several keys at once (a write refused for memory evicts a batch): the samples of all their
 * rounds are drawn first, then their scores read in one loop, then each round merged into the
 * pool and its best evicted, as one eviction after another would. Each sample's score is a cache
 * miss (entries lie at random in the arena); read together they overlap instead of queueing.
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
  private readonly sampleAddresses = new Uint32Array(sampleCapacity);
  private readonly sampleHashes = new Int32Array(sampleCapacity);
  private readonly sampleScores = new Float64Array(sampleCapacity);
  private readonly sampleDbs = new Int32Array(sampleCapacity);
  /** Where each sampled round ends in the sample arrays. */
  private readonly roundEnds = new Int32Array(sampleCapacity);
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

  /** Evicts up to `count` keys; how many it evicted (fewer: no more may be evicted). `nowMs` is the writer's clock. */
  evict(nowMs: number, count: number): number {
    const policy = this.settings.policy;
    if (policy === EvictionPolicy.noeviction) return 0;
    const volatile = policyIsVolatile(policy);
    let evicted = 0;
    if (policy === EvictionPolicy.allkeysRandom || policy === EvictionPolicy.volatileRandom) {
      while (evicted < count && this.evictRandom(volatile)) evicted++;
      return evicted;
    }
    if (policy !== this.poolPolicy) {
      this.poolCount = 0;
      this.poolPolicy = policy;
    }
    while (evicted < count) {
      const rounds = this.sampleRounds(policy, volatile, nowMs, count - evicted);
      if (rounds === 0) return evicted; // no database has a candidate
      for (let r = 0, i = 0; r < rounds; r++) {
        for (const end = this.roundEnds[r]; i < end; i++) {
          this.offer(this.sampleScores[i], this.sampleAddresses[i], this.sampleHashes[i], this.sampleDbs[i]);
        }
        if (this.evictBest(volatile)) evicted++;
      }
    }
    return evicted;
  }

  /**
   * Evicts the best candidate of the pool still present; the ones that went meanwhile (evicted,
   * deleted, moved by compaction) just leave the pool. False when the pool ran out.
   */
  private evictBest(volatile: boolean): boolean {
    while (this.poolCount > 0) {
      const k = --this.poolCount;
      const store = this.stores[this.poolDb[k]];
      const hash = this.poolHash[k];
      const address = this.poolAddress[k];
      if (store?.holdsEntry(hash, address, volatile)) {
        this.remove(store, this.poolDb[k], hash, address);
        return true;
      }
    }
    return false;
  }

  /**
   * Samples up to `rounds` rounds (each: `samples` keys of every database with candidates) into
   * the sample arrays, as many as fit, and reads their scores; how many rounds (0: no database has
   * a candidate).
   */
  private sampleRounds(policy: number, volatile: boolean, nowMs: number, rounds: number): number {
    const want = Math.min(this.settings.samples, maxEvictionSamples);
    const perRound = want * this.stores.length;
    let n = 0;
    let done = 0;
    while (done < rounds && n + perRound <= sampleCapacity) {
      const start = n;
      for (let db = 0; db < this.stores.length; db++) {
        const store = this.stores[db];
        if (store === null || (volatile ? store.keysWithDeadline : store.size) === 0) continue;
        const taken = store.sampleForEviction(
          volatile,
          want,
          this.random(),
          this.sampleAddresses,
          this.sampleHashes,
          n,
        );
        this.sampleDbs.fill(db, n, n + taken);
        n += taken;
      }
      if (n === start) break;
      this.roundEnds[done++] = n;
    }
    // The scores in one loop of independent loads, so that the CPU overlaps their cache misses.
    for (let i = 0; i < n; i++) {
      const store = this.stores[this.sampleDbs[i]]!;
      this.sampleScores[i] = store.evictionScore(this.sampleAddresses[i], policy, nowMs);
    }
    return done;
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

  /** Moves n pool entries from `from` to `to`, by hand: copyWithin is a builtin call per array, dearer than a few stores. */
  private move(from: number, to: number, n: number): void {
    const score = this.poolScore;
    const address = this.poolAddress;
    const hash = this.poolHash;
    const db = this.poolDb;
    if (to > from) {
      for (let i = n - 1; i >= 0; i--) {
        score[to + i] = score[from + i];
        address[to + i] = address[from + i];
        hash[to + i] = hash[from + i];
        db[to + i] = db[from + i];
      }
    } else {
      for (let i = 0; i < n; i++) {
        score[to + i] = score[from + i];
        address[to + i] = address[from + i];
        hash[to + i] = hash[from + i];
        db[to + i] = db[from + i];
      }
    }
  }

  private evictRandom(volatile: boolean): boolean {
    const count = this.stores.length;
    for (let i = 0; i < count; i++) {
      const db = (this.nextDb + i) % count;
      const store = this.stores[db];
      if (store === null || (volatile ? store.keysWithDeadline : store.size) === 0) continue;
      if (
        store.sampleForEviction(volatile, 1, this.random(), this.sampleAddresses, this.sampleHashes, 0) === 0
      )
        continue;
      this.remove(store, db, this.sampleHashes[0], this.sampleAddresses[0]);
      this.nextDb = (db + 1) % count;
      return true;
    }
    return false;
  }

  private remove(store: ArenaStore, db: number, hash: number, address: number): void {
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
