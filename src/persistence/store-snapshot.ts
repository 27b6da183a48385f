import type { KeyValueStore } from '../store/store-api.js';
import type { RdbWriter } from './rdb-writer.js';

/**
 * Writes every live key of one database to an RDB writer in one go (SAVE). A snapshot taken in
 * slices between loop turns calls writer.writeString itself, a slice of keys at a time; this walk
 * is the whole-store case. Returns the number of keys written.
 */
export function writeStoreSnapshot(writer: RdbWriter, db: number, store: KeyValueStore): number {
  const stats = store.stats();
  if (stats.keys === 0) return 0;
  writer.startDatabase(db, stats.keys, stats.keysWithDeadline);
  let written = 0;
  store.forEachKey((key, keyOffset, keyLength) => {
    // The walk yields live keys by store.nowMs, so this find expires nothing (no write mid-walk).
    const handle = store.find(key, keyOffset, keyLength);
    if (handle < 0) throw new Error('writeStoreSnapshot: a key of the walk is missing from the store');
    const value = store.valueBytes(handle);
    const valueOffset = store.valueOffset(handle);
    writer.writeString(
      key,
      keyOffset,
      keyLength,
      value,
      valueOffset,
      store.valueLength(handle),
      store.deadline(handle),
    );
    written++;
    return true;
  });
  return written;
}
