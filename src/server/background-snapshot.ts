import { performance } from 'node:perf_hooks';
import type { Databases } from '../commands/databases.js';
import type { Transport } from '../io/transport.js';
import { maxSnapshotPendingBytes, snapshotWriteAheadBytes } from '../limits.js';
import { type RdbAuxFields, rdbRedisVersion } from '../persistence/rdb-writer.js';
import { SlicedSnapshot, type SnapshotDatabase } from '../persistence/sliced-snapshot.js';
import { SnapshotFile } from './snapshot-file.js';

/** Where a background snapshot goes: written to `tempPath`, renamed to `finalPath` once synced. */
export interface SnapshotTarget {
  tempPath: string;
  finalPath: string;
  /** aof-base 1: the base of the append-only log (a rewrite), not a dump. */
  aofBase: boolean;
}

/** The databases that hold a store, as a snapshot walks them. */
export function snapshotDatabases(databases: Databases): SnapshotDatabase[] {
  const list: SnapshotDatabase[] = [];
  for (let index = 0; index < databases.count; index++) {
    const store = databases.existing(index);
    if (store !== null) list.push({ index, store });
  }
  return list;
}

export function snapshotAux(databases: Databases, nowMs: number, aofBase: boolean): RdbAuxFields {
  return {
    redisVersion: rdbRedisVersion,
    ctimeSeconds: nowMs / 1000,
    usedMemoryBytes: databases.reservedBytes(),
    aofBase,
  };
}

/**
 * One point-in-time snapshot of the databases written in slices between loop turns (BGSAVE, and
 * the base of an append-only log rewrite): a SlicedSnapshot into a SnapshotFile, each slice after
 * a turn's I/O (setImmediate), waiting while snapshotWriteAheadBytes wait for the disk and failing
 * past maxSnapshotPendingBytes (keys kept before a change cannot wait). `ended` is called once: null
 * when the file is in place, or the error. The constructor throws when the temp file cannot be opened.
 */
export class BackgroundSnapshot {
  readonly startedMs = Date.now();
  /** Slices run, those over 1 ms (wall clock: preemption and compilation count too), and the longest (ms). */
  slices = 0;
  slicesOverOneMs = 0;
  longestSliceMs = 0;
  readonly snapshot: SlicedSnapshot;
  private readonly file: SnapshotFile;
  private walkDone = false;
  /** The file's outcome: undefined while writing, null when in place, else the error. */
  private fileEnd: string | null | undefined = undefined;
  /** Waiting for the disk to take some of what was handed to it. */
  private waiting = false;
  private over = false;
  private readonly slice = () => this.runSlice();

  constructor(
    transport: Transport,
    databases: Databases,
    target: SnapshotTarget,
    private readonly ended: (error: string | null) => void,
  ) {
    this.file = new SnapshotFile(
      transport,
      target.tempPath,
      target.finalPath,
      () => this.diskTookSome(),
      (error) => this.fileEnded(error),
    );
    this.snapshot = new SlicedSnapshot(
      snapshotDatabases(databases),
      (chunk) => this.file.write(chunk),
      snapshotAux(databases, this.startedMs, target.aofBase),
      this.startedMs,
    );
    setImmediate(this.slice);
  }

  /** Still writing (INFO's *_in_progress): the walk may go on after a failure, writing nothing. */
  get writing(): boolean {
    return this.fileEnd === undefined;
  }

  /**
   * Gives up (shutdown, appendonly no): the temp file removed, `ended` not called. The walk is run to
   * its end at once, writing nothing, so that the stores clear their marks for the next snapshot.
   */
  abandon(): void {
    this.over = true;
    this.snapshot.abandon();
    this.file.abandon();
    while (!this.snapshot.step(Number.POSITIVE_INFINITY)) {}
    this.walkDone = true;
  }

  /** One slice of the walk, then back to the loop (setImmediate: after the turn's I/O). */
  private runSlice(): void {
    if (this.walkDone) return;
    const file = this.file;
    if (this.fileEnd === undefined && file.pendingBytes >= maxSnapshotPendingBytes) {
      file.abandon();
      this.fileEnded(
        `${file.pendingBytes} bytes of the snapshot wait for the disk (limit ${maxSnapshotPendingBytes}): the disk is slower than the writes`,
      );
      setImmediate(this.slice);
      return;
    }
    if (this.fileEnd === undefined && file.pendingBytes >= snapshotWriteAheadBytes) {
      this.waiting = true; // diskTookSome resumes
      return;
    }
    const started = performance.now();
    this.walkDone = this.snapshot.step();
    const ms = performance.now() - started;
    this.slices++;
    if (ms > 1) this.slicesOverOneMs++;
    this.longestSliceMs = Math.max(this.longestSliceMs, ms);
    if (!this.walkDone) setImmediate(this.slice);
    else if (this.fileEnd === undefined) file.finish();
    else this.end();
  }

  private diskTookSome(): void {
    if (this.waiting && this.file.pendingBytes < snapshotWriteAheadBytes) {
      this.waiting = false;
      setImmediate(this.slice);
    }
  }

  private fileEnded(error: string | null): void {
    if (this.over) return;
    this.fileEnd = error;
    if (error !== null) {
      // The walk goes on, writing nothing, until the stores have cleared their marks.
      this.snapshot.abandon();
      if (this.waiting) {
        this.waiting = false;
        setImmediate(this.slice);
      }
    }
    if (this.walkDone) this.end();
  }

  private end(): void {
    if (this.over) return;
    this.over = true;
    this.ended(this.fileEnd ?? null);
  }

  /** The log line of a finished snapshot: keys, bytes, time, slices. */
  summary(): string {
    const s = this.snapshot;
    const seconds = (Date.now() - this.startedMs) / 1000;
    return (
      `${s.keysWritten} keys, ${s.bytesWritten} bytes in ${seconds.toFixed(3)} s, ` +
      `${this.slices} slices, ${this.slicesOverOneMs} over 1 ms, longest ${this.longestSliceMs.toFixed(3)} ms, ` +
      `${s.keptBytes} bytes copied before a write`
    );
  }
}
