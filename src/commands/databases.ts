import { redisDatabaseCount } from '../limits.js';
import { defaultEvictionSettings } from '../store/access-clock.js';
import { ArenaStore, type ArenaStoreOptions } from '../store/arena-store.js';
import { Evictor } from '../store/eviction.js';

/**
 * The keyspaces of the Redis front, as Redis's numbered databases: one store each, made on first
 * use, all within one maxmemory (each store counts the others' reservations before it grows).
 * Database 0 is the store the FKVS front serves, so a key written by either protocol is the same key.
 */
export class Databases {
  readonly count = redisDatabaseCount;
  private readonly stores: Array<ArenaStore | null> = new Array(redisDatabaseCount).fill(null);
  /** Evicts across all databases under maxmemory-policy (its settings: CONFIG SET changes them). */
  readonly evictor: Evictor;

  /** `options` apply to every database; maxMemoryBytes is the total of all of them. */
  constructor(private readonly options: ArenaStoreOptions = {}) {
    this.evictor = new Evictor(options.eviction ?? defaultEvictionSettings(), this.stores);
  }

  /** The store of database `index` (0 <= index < count), made now if it was never used. */
  get(index: number): ArenaStore {
    if (!(index >= 0 && index < this.count)) throw new RangeError(`database ${index} out of range`);
    let store = this.stores[index];
    if (store === null) {
      const evictor = this.evictor;
      store = new ArenaStore({
        ...this.options,
        peerReservedBytes: () => this.reservedBytesBesides(index),
        peerFreeBytes: () => this.freeBytesBesides(index),
        peersGiveBack: (bytes) => this.giveBackBesides(index, bytes),
        eviction: evictor.settings,
        evict: (nowMs, count) => evictor.evict(nowMs, count),
      });
      this.stores[index] = store;
    }
    return store;
  }

  /** The store of database `index` if it was ever used (INFO keyspace, DBSIZE: nothing made to look). */
  existing(index: number): ArenaStore | null {
    return this.stores[index] ?? null;
  }

  /** Bytes reserved by every database: what maxmemory bounds. */
  reservedBytes(): number {
    return this.reservedBytesBesides(-1);
  }

  /** Free arena bytes of the other databases: what evicting there has made. */
  private freeBytesBesides(index: number): number {
    let bytes = 0;
    for (let i = 0; i < this.count; i++) {
      const store = this.stores[i];
      if (i !== index && store !== null) bytes += store.freeArenaBytes;
    }
    return bytes;
  }

  /**
   * The other databases give memory back to the system (empty or drained chunks) until `bytes`
   * more fit within maxmemory: keys evicted there make room for a write here. False when they cannot.
   */
  private giveBackBesides(index: number, bytes: number): boolean {
    for (let i = 0; i < this.count; i++) {
      const store = this.stores[i];
      if (i !== index && store !== null && store.giveBack(bytes)) return true;
    }
    return false;
  }

  private reservedBytesBesides(index: number): number {
    let bytes = 0;
    for (let i = 0; i < this.count; i++) {
      const store = this.stores[i];
      if (i !== index && store !== null) bytes += store.reservedBytes;
    }
    return bytes;
  }
}
