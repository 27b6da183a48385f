import { performance } from 'node:perf_hooks';
import { rdbChunkBytes, snapshotSliceMs, snapshotStepKeys } from '../limits.js';
import type { KeyValueStore, SnapshotSource } from '../store/store-api.js';
import { type ChunkSink, type RdbAuxFields, RdbWriter } from './rdb-writer.js';

export type SnapshotStore = KeyValueStore & SnapshotSource;

export interface SnapshotDatabase {
  readonly index: number;
  readonly store: SnapshotStore;
}

interface DatabaseState {
  readonly index: number;
  readonly store: SnapshotStore;
  readonly keys: number;
  readonly keysWithDeadline: number;
  /** SELECTDB and RESIZEDB written. */
  started: boolean;
}

/**
 * A point-in-time RDB image of several databases, taken in slices between loop turns while writes
 * go on (BGSAVE; docs/persistence.md, "Snapshots"). Each store walks its keys in steps; a key that
 * is about to change before its walk reaches it is written at once, as it was at the start (the
 * store's keeper), with a SELECTDB of its database when the file was in another one. Keys whose
 * deadline had passed at the start are left out. The file goes to `sink` in chunks.
 *
 * Stores made after the start (a database first used meanwhile) are not in the image: they held
 * nothing at the start.
 */
export class SlicedSnapshot {
  /** Keys (live or expired unreclaimed) the databases held at the start. */
  readonly keysTotal: number;
  keysWritten = 0;
  /** Key and value bytes written because the key was about to change (copy-on-write). */
  keptBytes = 0;
  private readonly writer: RdbWriter;
  private readonly databases: DatabaseState[];
  /** Index into databases of the one being walked. */
  private current = 0;
  /** Database the file is in (its last SELECTDB); -1 before the first. */
  private fileDatabase = -1;
  /** Nothing more may be written: the end went out, or the snapshot was abandoned. */
  private closed = false;
  private readonly visit: (handle: number) => void;

  constructor(
    databases: readonly SnapshotDatabase[],
    /** Must copy each chunk before it returns (the transport's writeFile does): the array is refilled. */
    sink: ChunkSink,
    aux: RdbAuxFields,
    /** The snapshot's time: keys with a deadline at or before it are left out. */
    private readonly startMs: number,
  ) {
    this.databases = databases
      .filter((d) => d.store.size > 0)
      .map((d) => {
        const stats = d.store.stats();
        return { ...d, keys: stats.keys, keysWithDeadline: stats.keysWithDeadline, started: false };
      });
    this.keysTotal = this.databases.reduce((n, d) => n + d.keys, 0);
    this.writer = new RdbWriter(sink, aux, rdbChunkBytes, true);
    this.visit = (handle) => this.write(this.databases[this.current], handle, false);
    for (const database of this.databases) {
      database.store.beginSnapshot((handle) => this.write(database, handle, true));
    }
  }

  /** Bytes handed to the sink so far. */
  get bytesWritten(): number {
    return this.writer.bytesWritten;
  }

  /**
   * Walks on for about budgetMs (the clock is read every snapshotStepKeys keys). True when every
   * store's walk is done; the file's end (EOF, checksum) has then gone to the sink, unless abandoned.
   */
  step(budgetMs = snapshotSliceMs): boolean {
    const until = performance.now() + budgetMs;
    const databases = this.databases;
    while (this.current < databases.length) {
      if (databases[this.current].store.snapshotStep(snapshotStepKeys, this.visit)) this.current++;
      if (performance.now() >= until) break;
    }
    if (this.current < databases.length) return false;
    if (!this.closed) {
      this.closed = true;
      this.writer.finish();
    }
    return true;
  }

  /**
   * Writes nothing more (a failed disk, a shutdown). The walk must still be stepped to its end, so
   * that the stores clear their marks and can take the next snapshot; it then costs only the walk.
   */
  abandon(): void {
    this.closed = true;
  }

  private write(database: DatabaseState, handle: number, kept: boolean): void {
    if (this.closed) return;
    const store = database.store;
    const deadline = store.deadline(handle);
    if (deadline !== 0 && deadline <= this.startMs) return;
    const writer = this.writer;
    if (this.fileDatabase !== database.index) {
      if (database.started) writer.selectDatabase(database.index);
      else writer.startDatabase(database.index, database.keys, database.keysWithDeadline);
      database.started = true;
      this.fileDatabase = database.index;
    }
    const keyLength = store.keyLength(handle);
    const valueLength = store.valueLength(handle);
    writer.writeString(
      store.keyBytes(handle),
      store.keyOffset(handle),
      keyLength,
      store.valueBytes(handle),
      store.valueOffset(handle),
      valueLength,
      deadline,
    );
    // The CRC runs key by key, so a chunk's handover (in this call or a later one) costs no CRC of its own.
    writer.checksumWritten();
    this.keysWritten++;
    if (kept) this.keptBytes += keyLength + valueLength;
  }
}
