import { performance } from 'node:perf_hooks';
import type { Databases } from '../commands/databases.js';
import type { Transport } from '../io/transport.js';
import {
  bgsaveRetryDelayMs,
  maxSnapshotPendingBytes,
  saveRulesCheckMs,
  snapshotWriteAheadBytes,
} from '../limits.js';
import { saveRdbSync } from '../persistence/rdb-save.js';
import { type RdbAuxFields, rdbRedisVersion } from '../persistence/rdb-writer.js';
import { SlicedSnapshot, type SnapshotDatabase } from '../persistence/sliced-snapshot.js';
import type { RespSettings } from '../protocol/resp/server.js';
import type { SnapshotControl } from '../protocol/resp/snapshot-commands.js';
import { SnapshotFile } from './snapshot-file.js';

interface Running {
  readonly snapshot: SlicedSnapshot;
  readonly file: SnapshotFile;
  readonly startedMs: number;
  /** Changes counted when it started: what the dump holds. */
  readonly changesAtStart: number;
  walkDone: boolean;
  /** The file's outcome: undefined while writing, null when in place, else the error. */
  fileEnd: string | null | undefined;
  /** Waiting for the disk to take some of what was handed to it. */
  waiting: boolean;
  /** Slices run, those over 1 ms (wall clock: preemption and compilation count too), and the longest (ms). */
  slices: number;
  slicesOverOneMs: number;
  longestSliceMs: number;
}

/**
 * The server's snapshots, as Redis's: SAVE (blocking), BGSAVE (sliced between loop turns; a
 * point-in-time image while writes go on, docs/persistence.md), the `save` rules checked every
 * saveRulesCheckMs, LASTSAVE and INFO's fields, and the save at shutdown.
 */
export class Snapshots implements SnapshotControl {
  private lastSaveMs: number;
  private lastBgsaveOk = true;
  private lastBgsaveTryMs = 0;
  private lastBgsaveSeconds = -1;
  private lastKeptBytes = 0;
  private saves = 0;
  private changesAtLastSave = 0;
  private running: Running | null = null;
  private readonly rules: NodeJS.Timeout;
  private readonly slice = () => this.runSlice();

  constructor(
    private readonly databases: Databases,
    private readonly settings: RespSettings,
    private readonly transport: Transport,
    private readonly log: (line: string) => void,
    startedAtMs: number,
  ) {
    this.lastSaveMs = startedAtMs;
    this.changesAtLastSave = this.changes();
    this.rules = setInterval(() => this.checkRules(Date.now()), saveRulesCheckMs);
  }

  save(): string | null {
    if (this.running !== null) return 'ERR Background save already in progress';
    const startedMs = Date.now();
    const changes = this.changes();
    try {
      const { keys, bytes } = saveRdbSync(
        this.settings.dir,
        this.settings.dbFilename,
        this.snapshotDatabases(),
        this.aux(startedMs),
      );
      this.log(`DB saved on disk: ${keys} keys, ${bytes} bytes in ${Date.now() - startedMs} ms`);
    } catch (error) {
      this.log(`Failed saving the DB: ${(error as Error).message}`);
      return 'ERR';
    }
    this.changesAtLastSave = changes;
    this.lastSaveMs = Date.now();
    this.saves++;
    return null;
  }

  /**
   * BGSAVE, and BGSAVE SCHEDULE: Redis schedules only while another child (an AOF rewrite) runs;
   * here nothing else runs, so both start at once.
   */
  backgroundSave(_schedule: boolean): string {
    if (this.running !== null) return '-ERR Background save already in progress';
    return this.start() ? 'Background saving started' : '-ERR';
  }

  lastSaveSeconds(): number {
    return Math.floor(this.lastSaveMs / 1000);
  }

  infoLines(nowMs: number): string[] {
    const r = this.running;
    const inProgress = r !== null && r.fileEnd === undefined;
    return [
      `current_cow_size:${r === null ? 0 : r.snapshot.keptBytes}`,
      `current_save_keys_processed:${r === null ? 0 : r.snapshot.keysWritten}`,
      `current_save_keys_total:${r === null ? 0 : r.snapshot.keysTotal}`,
      `rdb_changes_since_last_save:${this.changes() - this.changesAtLastSave}`,
      `rdb_bgsave_in_progress:${inProgress ? 1 : 0}`,
      `rdb_last_save_time:${this.lastSaveSeconds()}`,
      `rdb_last_bgsave_status:${this.lastBgsaveOk ? 'ok' : 'err'}`,
      `rdb_last_bgsave_time_sec:${this.lastBgsaveSeconds}`,
      `rdb_current_bgsave_time_sec:${inProgress ? Math.floor((nowMs - r.startedMs) / 1000) : -1}`,
      `rdb_saves:${this.saves}`,
      `rdb_last_cow_size:${this.lastKeptBytes}`,
    ];
  }

  /**
   * Before the process exits (SIGTERM, SIGINT): a background save is abandoned (its temp file
   * removed), then, with save rules set, the dump is saved, as Redis does. False when that save
   * failed: Redis then refuses to exit.
   */
  shutdown(): boolean {
    const r = this.running;
    if (r !== null) {
      this.log('There is a background save in progress: abandoning it');
      r.snapshot.abandon();
      r.file.abandon();
      // The walk to its end, writing nothing, so that the stores clear their marks (should the save below fail and the server stay up).
      while (!r.snapshot.step(Number.POSITIVE_INFINITY)) {}
    }
    this.running = null;
    if (this.settings.saveRules.length > 0) {
      this.log('Saving the final RDB snapshot before exiting.');
      if (this.save() !== null) {
        this.log("Error trying to save the DB, can't exit.");
        return false;
      }
    }
    clearInterval(this.rules);
    return true;
  }

  /** Sum of the change counters of every database (Redis's dirty, counted from the start). */
  private changes(): number {
    let n = 0;
    for (let db = 0; db < this.databases.count; db++) n += this.databases.existing(db)?.changes ?? 0;
    return n;
  }

  private snapshotDatabases(): SnapshotDatabase[] {
    const list: SnapshotDatabase[] = [];
    for (let index = 0; index < this.databases.count; index++) {
      const store = this.databases.existing(index);
      if (store !== null) list.push({ index, store });
    }
    return list;
  }

  private aux(nowMs: number): RdbAuxFields {
    return {
      redisVersion: rdbRedisVersion,
      ctimeSeconds: nowMs / 1000,
      usedMemoryBytes: this.databases.reservedBytes(),
      aofBase: false,
    };
  }

  /** The `save` rules, as Redis's serverCron: a rule whose changes are old enough starts a BGSAVE. */
  private checkRules(nowMs: number): void {
    if (this.running !== null) return;
    const changes = this.changes() - this.changesAtLastSave;
    const mayTry = this.lastBgsaveOk || nowMs - this.lastBgsaveTryMs > bgsaveRetryDelayMs;
    for (const rule of this.settings.saveRules) {
      if (changes >= rule.changes && nowMs - this.lastSaveMs > rule.seconds * 1000 && mayTry) {
        this.log(`${rule.changes} changes in ${rule.seconds} seconds. Saving...`);
        this.start();
        return;
      }
    }
  }

  private start(): boolean {
    const startedMs = Date.now();
    this.lastBgsaveTryMs = startedMs;
    let file: SnapshotFile;
    try {
      file = new SnapshotFile(
        this.transport,
        this.settings.dir,
        this.settings.dbFilename,
        () => this.diskTookSome(),
        (error) => this.fileEnded(error),
      );
    } catch (error) {
      this.log(`Failed opening the temp RDB file: ${(error as Error).message}`);
      this.lastBgsaveOk = false;
      return false;
    }
    const snapshot = new SlicedSnapshot(
      this.snapshotDatabases(),
      (chunk) => file.write(chunk),
      this.aux(startedMs),
      startedMs,
    );
    this.running = {
      snapshot,
      file,
      startedMs,
      changesAtStart: this.changes(),
      walkDone: false,
      fileEnd: undefined,
      waiting: false,
      slices: 0,
      slicesOverOneMs: 0,
      longestSliceMs: 0,
    };
    this.log(`Background saving started: ${snapshot.keysTotal} keys`);
    setImmediate(this.slice);
    return true;
  }

  /** One slice of the walk, then back to the loop (setImmediate: after the turn's I/O). */
  private runSlice(): void {
    const r = this.running;
    if (r === null || r.walkDone) return;
    if (r.fileEnd === undefined && r.file.pendingBytes >= maxSnapshotPendingBytes) {
      r.file.abandon();
      this.fileEnded(
        `${r.file.pendingBytes} bytes of the snapshot wait for the disk (limit ${maxSnapshotPendingBytes}): the disk is slower than the writes`,
      );
      setImmediate(this.slice);
      return;
    }
    if (r.fileEnd === undefined && r.file.pendingBytes >= snapshotWriteAheadBytes) {
      r.waiting = true; // diskTookSome resumes
      return;
    }
    const started = performance.now();
    r.walkDone = r.snapshot.step();
    const ms = performance.now() - started;
    r.slices++;
    if (ms > 1) r.slicesOverOneMs++;
    r.longestSliceMs = Math.max(r.longestSliceMs, ms);
    if (!r.walkDone) setImmediate(this.slice);
    else if (r.fileEnd === undefined) r.file.finish();
    else this.over(r);
  }

  private diskTookSome(): void {
    const r = this.running;
    if (r?.waiting && r.file.pendingBytes < snapshotWriteAheadBytes) {
      r.waiting = false;
      setImmediate(this.slice);
    }
  }

  private fileEnded(error: string | null): void {
    const r = this.running;
    if (r === null) return;
    r.fileEnd = error;
    if (error !== null) {
      // The walk goes on, writing nothing, until the stores have cleared their marks.
      r.snapshot.abandon();
      if (r.waiting) {
        r.waiting = false;
        setImmediate(this.slice);
      }
    }
    if (r.walkDone) this.over(r);
  }

  private over(r: Running): void {
    const seconds = (Date.now() - r.startedMs) / 1000;
    this.running = null;
    this.lastBgsaveSeconds = Math.round(seconds);
    if (r.fileEnd === null) {
      this.lastBgsaveOk = true;
      this.changesAtLastSave = r.changesAtStart;
      this.lastSaveMs = Date.now();
      this.lastKeptBytes = r.snapshot.keptBytes;
      this.saves++;
      this.log(
        `Background saving terminated with success: ${r.snapshot.keysWritten} keys, ${r.snapshot.bytesWritten} bytes in ${seconds.toFixed(3)} s, ` +
          `${r.slices} slices, ${r.slicesOverOneMs} over 1 ms, longest ${r.longestSliceMs.toFixed(3)} ms, ` +
          `${r.snapshot.keptBytes} bytes copied before a write`,
      );
    } else {
      this.lastBgsaveOk = false;
      this.log(`Background saving error: ${r.fileEnd}`);
    }
  }
}
