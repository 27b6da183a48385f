import { type KeyValueStore, maxPrefetchKeys, unknownHash } from '../store/store-api.js';

/** A Request's keyHash when no look-ahead told it: the store hashes the key itself. */
export const unknownKeyHash = unknownHash;
/** Keys one look-ahead hands the store at most. */
export const maxLookAheadKeys = maxPrefetchKeys;

/**
 * Look-ahead for any wire: a protocol lists the keys of the requests it is about to run (byte
 * ranges of one buffer) in offsets and lengths, and load() has the store fetch their table slots
 * at once, so that their cache misses overlap (KeyValueStore.prefetch). Each key's hash comes back
 * in hashes, for the keyHash of its Request.
 */
export class KeyPrefetch {
  readonly offsets = new Int32Array(maxPrefetchKeys);
  readonly lengths = new Int32Array(maxPrefetchKeys);
  readonly hashes = new Int32Array(maxPrefetchKeys);

  constructor(private readonly store: KeyValueStore) {}

  /** Whether looking ahead pays now: not while the store's index fits the CPU caches. */
  get helps(): boolean {
    return this.store.prefetchHelps;
  }

  /** Loads the first `count` keys listed, all in `bytes`; fills their hashes. */
  load(bytes: Uint8Array, count: number): void {
    this.store.prefetch(bytes, this.offsets, this.lengths, count, this.hashes);
  }
}
