import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RdbAuxFields } from './rdb-writer.js';
import { RdbWriter } from './rdb-writer.js';
import type { SnapshotDatabase } from './sliced-snapshot.js';
import { writeStoreSnapshot } from './store-snapshot.js';

/** Where a snapshot is written before it is renamed over the dump: Redis's temp-<pid>.rdb in the same directory. */
export function tempRdbPath(dir: string): string {
  return join(dir, `temp-${process.pid}.rdb`);
}

/**
 * SAVE: every database into <dir>/<fileName> at once, blocking the loop as Redis's SAVE does.
 * Written to the temp file, fsynced, renamed over the dump, and the directory fsynced: a crash at
 * any point leaves the previous dump whole. Returns the keys and bytes written; throws the
 * system's error (the temp file removed, also when the rename failed).
 */
export function saveRdbSync(
  dir: string,
  fileName: string,
  databases: readonly SnapshotDatabase[],
  aux: RdbAuxFields,
): { keys: number; bytes: number } {
  const temp = tempRdbPath(dir);
  const fd = openSync(temp, 'w');
  let keys = 0;
  let writer: RdbWriter;
  try {
    writer = new RdbWriter((chunk) => writeWhole(fd, chunk), aux);
    for (const { index, store } of databases) keys += writeStoreSnapshot(writer, index, store);
    writer.finish();
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temp);
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(temp, join(dir, fileName));
  } catch (error) {
    unlinkSync(temp); // as Redis's rdbSave: a temp file that could not become the dump goes
    throw error;
  }
  syncDirectory(dir);
  return { keys, bytes: writer.bytesWritten };
}

/** Makes a rename in the directory durable. */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeWhole(fd: number, chunk: Uint8Array): void {
  for (let done = 0; done < chunk.length; ) done += writeSync(fd, chunk, done, chunk.length - done);
}
