import { join } from 'node:path';
import type { Databases } from '../commands/databases.js';
import type { Transport } from '../io/transport.js';
import { bgsaveRetryDelayMs, saveRulesCheckMs } from '../limits.js';
import { saveRdbSync, tempRdbPath } from '../persistence/rdb-save.js';
import type { RespSettings } from '../protocol/resp/server.js';
import type { ShutdownOptions } from '../protocol/resp/shutdown-command.js';
import {
  type JobReply,
  jobError,
  jobStatus,
  type SnapshotControl,
} from '../protocol/resp/snapshot-commands.js';
import { BackgroundSnapshot, snapshotAux, snapshotDatabases } from './background-snapshot.js';

/** Redis 7.0's reply to a write while stop-writes-on-bgsave-error holds (its shared.bgsaveerr). */
const bgsaveErrorRefusal =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. " +
  'Commands that may modify the data set are disabled, because this instance is configured to report ' +
  'errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). ' +
  'Please check the Redis logs for details about the RDB error.';

interface Running {
  readonly job: BackgroundSnapshot;
  /** Changes counted when it started: what the dump holds. */
  readonly changesAtStart: number;
}

/**
 * The server's snapshots, as Redis's: SAVE (blocking), BGSAVE (sliced between loop turns; a
 * point-in-time image while writes go on, docs/persistence.md), the `save` rules checked every
 * saveRulesCheckMs, LASTSAVE and INFO's fields, and the save at shutdown. One background job runs
 * at a time (the stores keep the marks of one snapshot), as Redis runs one child: while the log's
 * rewrite runs (otherJob), BGSAVE is refused, or scheduled (BGSAVE SCHEDULE) to start after it.
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
  /** BGSAVE SCHEDULE while another job ran: starts once none runs (Redis's rdb_bgsave_scheduled). */
  private scheduled = false;
  private readonly rules: NodeJS.Timeout;
  /** Another background job (the log's rewrite) runs: no BGSAVE may start. */
  otherJob: () => boolean = () => false;

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
    this.saves++; // as Redis 7.0's rdb_saves: saves tried, failed ones too
    const startedMs = Date.now();
    const changes = this.changes();
    try {
      const { keys, bytes } = saveRdbSync(
        this.settings.dir,
        this.settings.dbFilename,
        snapshotDatabases(this.databases),
        snapshotAux(this.databases, startedMs, false),
      );
      this.log(`DB saved on disk: ${keys} keys, ${bytes} bytes in ${Date.now() - startedMs} ms`);
    } catch (error) {
      this.log(`Failed saving the DB: ${(error as Error).message}`);
      return 'ERR';
    }
    this.changesAtLastSave = changes;
    this.lastSaveMs = Date.now();
    // As Redis 7.0's rdbSave: a SAVE that worked lifts a failed BGSAVE's refusal (one that failed leaves it).
    this.lastBgsaveOk = true;
    return null;
  }

  /** BGSAVE, and BGSAVE SCHEDULE: scheduled only while another job (the log's rewrite) runs, as Redis. */
  backgroundSave(schedule: boolean): JobReply {
    if (this.running !== null) return jobError('ERR Background save already in progress');
    if (this.otherJob()) {
      if (!schedule) {
        return jobError(
          "ERR Another child process is active (AOF?): can't BGSAVE right now. " +
            'Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.',
        );
      }
      this.scheduled = true;
      return jobStatus('Background saving scheduled');
    }
    this.start();
    return jobStatus('Background saving started');
  }

  /** A BGSAVE writes (rdb_bgsave_in_progress): no other background job may start. */
  get inProgress(): boolean {
    return this.running !== null;
  }

  /**
   * The error writes are turned away with (WriteGate): after a failed BGSAVE while save rules are
   * set and stop-writes-on-bgsave-error is yes, until a save works, as Redis's writeCommandsDeniedByDiskError.
   */
  get refusal(): string | null {
    const s = this.settings;
    return !this.lastBgsaveOk && s.stopWritesOnBgsaveError && s.saveRules.length > 0
      ? bgsaveErrorRefusal
      : null;
  }

  lastSaveSeconds(): number {
    return Math.floor(this.lastSaveMs / 1000);
  }

  infoLines(nowMs: number): string[] {
    const r = this.running?.job ?? null;
    const inProgress = r?.writing === true;
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
   * Before the process exits (SIGTERM, SIGINT, SHUTDOWN): a background save is abandoned (its temp
   * file removed), then the dump is saved when save rules are set (or SHUTDOWN SAVE), as Redis
   * does. False when that save failed and the stop is not forced: Redis then refuses to exit.
   */
  shutdown(options: ShutdownOptions): boolean {
    const r = this.running;
    if (r !== null) {
      this.log('There is a background save in progress: abandoning it');
      // The stores clear their marks, should the save below fail and the server stay up.
      r.job.abandon();
    }
    this.running = null;
    const save = options.save === 'save' || (options.save === 'rules' && this.settings.saveRules.length > 0);
    if (save) {
      this.log('Saving the final RDB snapshot before exiting.');
      if (this.save() !== null) {
        if (!options.force) {
          this.log("Error trying to save the DB, can't exit.");
          return false;
        }
        this.log('Error trying to save the DB. Exit anyway.');
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

  /** The `save` rules, as Redis's serverCron: a rule whose changes are old enough starts a BGSAVE. */
  private checkRules(nowMs: number): void {
    if (this.running !== null || this.otherJob()) return;
    const changes = this.changes() - this.changesAtLastSave;
    const mayTry = this.lastBgsaveOk || nowMs - this.lastBgsaveTryMs > bgsaveRetryDelayMs;
    if (this.scheduled && mayTry) {
      this.scheduled = false;
      this.start();
      return;
    }
    for (const rule of this.settings.saveRules) {
      if (changes >= rule.changes && nowMs - this.lastSaveMs > rule.seconds * 1000 && mayTry) {
        this.log(`${rule.changes} changes in ${rule.seconds} seconds. Saving...`);
        this.start();
        return;
      }
    }
  }

  /**
   * Starts a background save. A temp file that cannot be opened fails it as Redis 7.0's child does
   * after the fork: BGSAVE has answered "started", the failure shows in the log, in INFO
   * (rdb_last_bgsave_status:err) and, with save rules set, in the writes' refusal.
   */
  private start(): void {
    this.lastBgsaveTryMs = Date.now();
    this.saves++; // as Redis 7.0's rdb_saves: saves tried, failed ones too
    let job: BackgroundSnapshot;
    try {
      job = new BackgroundSnapshot(
        this.transport,
        this.databases,
        {
          tempPath: tempRdbPath(this.settings.dir),
          finalPath: join(this.settings.dir, this.settings.dbFilename),
          aofBase: false,
        },
        (error) => this.over(error),
      );
    } catch (error) {
      this.log(`Failed opening the temp RDB file: ${(error as Error).message}`);
      this.log('Background saving error');
      this.lastBgsaveOk = false;
      this.lastBgsaveSeconds = 0;
      return;
    }
    this.running = { job, changesAtStart: this.changes() };
    this.log(`Background saving started: ${job.snapshot.keysTotal} keys`);
  }

  private over(error: string | null): void {
    const r = this.running!;
    this.running = null;
    this.lastBgsaveSeconds = Math.round((Date.now() - r.job.startedMs) / 1000);
    if (error === null) {
      this.lastBgsaveOk = true;
      this.changesAtLastSave = r.changesAtStart;
      this.lastSaveMs = Date.now();
      this.lastKeptBytes = r.job.snapshot.keptBytes;
      this.log(`Background saving terminated with success: ${r.job.summary()}`);
    } else {
      this.lastBgsaveOk = false;
      this.log(`Background saving error: ${error}`);
    }
  }
}
