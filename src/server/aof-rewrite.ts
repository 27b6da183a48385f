import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Databases } from '../commands/databases.js';
import type { Transport } from '../io/transport.js';
import { aofRewriteCheckMs, aofRewriteFailuresBeforeDelay, maxAofRewriteDelayMinutes } from '../limits.js';
import { baseFileName } from '../persistence/aof-manifest.js';
import type { RespSettings } from '../protocol/resp/server.js';
import {
  type JobReply,
  jobError,
  jobStatus,
  type RewriteControl,
} from '../protocol/resp/snapshot-commands.js';
import type { AppendOnly } from './append-only.js';
import { BackgroundSnapshot } from './background-snapshot.js';
import type { Snapshots } from './snapshots.js';

interface Running {
  readonly startedMs: number;
  readonly baseSeq: number;
  /** Null until the new incremental file is in the manifest and the log writes to it. */
  job: BackgroundSnapshot | null;
}

/** Redis's name of the rewrite's base while it is written: temp-rewriteaof-bg-<pid>.aof in dir. */
export function tempRewritePath(dir: string): string {
  return join(dir, `temp-rewriteaof-bg-${process.pid}.aof`);
}

/**
 * The append-only log's rewrite, as Redis 7's BGREWRITEAOF: the log switches to a new incremental
 * file (listed in the manifest first), a point-in-time snapshot of the stores taken in slices at
 * that moment becomes the new base (written to temp-rewriteaof-bg-<pid>.aof, synced, renamed into
 * the log's directory), then the manifest names the new base and the current incremental file, and
 * the files before are removed. Only one background job runs at a time: while a BGSAVE runs the
 * rewrite is scheduled (aof_rewrite_scheduled) and starts after it. The automatic rule
 * (auto-aof-rewrite-percentage, auto-aof-rewrite-min-size) and scheduled rewrites are checked every
 * aofRewriteCheckMs, as Redis's serverCron; after repeated failures they wait (aofRewriteLimited).
 */
export class AofRewrite implements RewriteControl {
  private running: Running | null = null;
  private scheduled = false;
  private lastOk = true;
  private lastSeconds = -1;
  private rewrites = 0;
  private consecutiveFailures = 0;
  private lastKeptBytes = 0;
  /** Redis's aofRewriteLimited: after repeated failures, no automatic rewrite before this time. */
  private limitDelayMinutes = 0;
  private limitUntilMs = 0;
  private readonly cron: NodeJS.Timeout;

  constructor(
    private readonly databases: Databases,
    private readonly transport: Transport,
    private readonly settings: RespSettings,
    private readonly appendOnly: AppendOnly,
    private readonly snapshots: Snapshots,
    /** The log's directory (dir/appenddirname) and appendfilename. */
    private readonly directory: string,
    private readonly aofName: string,
    private readonly log: (line: string) => void,
  ) {
    this.cron = setInterval(() => this.check(Date.now()), aofRewriteCheckMs);
  }

  /** A rewrite runs: no other background job may start. */
  get inProgress(): boolean {
    return this.running !== null;
  }

  get pendingRewrite(): boolean {
    return this.scheduled;
  }

  get lastCowBytes(): number {
    return this.lastKeptBytes;
  }

  backgroundRewrite(): JobReply {
    if (this.running !== null)
      return jobError('ERR Background append only file rewriting already in progress');
    if (this.snapshots.inProgress) {
      this.scheduled = true;
      this.consecutiveFailures = 0; // a rewrite asked for by hand is not held back by earlier failures
      return jobStatus('Background append only file rewriting scheduled');
    }
    if (this.start()) return jobStatus('Background append only file rewriting started');
    return jobError(
      "ERR Can't execute an AOF background rewriting. Please check the server logs for more information.",
    );
  }

  infoLines(nowMs: number): string[] {
    const r = this.running;
    return [
      `aof_rewrite_in_progress:${r === null ? 0 : 1}`,
      `aof_rewrite_scheduled:${this.scheduled ? 1 : 0}`,
      `aof_last_rewrite_time_sec:${this.lastSeconds}`,
      `aof_current_rewrite_time_sec:${r === null ? -1 : Math.floor((nowMs - r.startedMs) / 1000)}`,
      `aof_last_bgrewrite_status:${this.lastOk ? 'ok' : 'err'}`,
      `aof_rewrites:${this.rewrites}`,
      `aof_rewrites_consecutive_failures:${this.consecutiveFailures}`,
    ];
  }

  /** Before the process exits: a running rewrite is given up, its temp file removed (Redis kills its child). */
  shutdown(): void {
    clearInterval(this.cron);
    const r = this.running;
    if (r === null) return;
    this.log('There is a child rewriting the AOF. Killing it!');
    r.job?.abandon();
    this.running = null;
  }

  /**
   * appendonly changed (Redis's killAppendOnlyChild): a running rewrite is given up, its temp base
   * removed, and a scheduled one forgotten.
   */
  cancel(): void {
    this.scheduled = false;
    const r = this.running;
    if (r === null) return;
    this.log('Killing running AOF rewrite');
    r.job?.abandon();
    this.running = null;
  }

  /** appendonly yes while a BGSAVE runs: the log's first rewrite starts once it ended. */
  schedule(): void {
    this.scheduled = true;
  }

  /** Redis's serverCron: a scheduled rewrite once no job runs, else the automatic rule. */
  private check(nowMs: number): void {
    if (this.running !== null || this.snapshots.inProgress) return;
    if (this.scheduled) {
      if (this.limited(nowMs)) return;
      this.scheduled = false;
      this.start();
      return;
    }
    if (this.appendOnly.mode !== 'on') return; // the automatic rule needs a log (Redis: AOF_ON)
    const percentage = this.settings.autoAofRewritePercentage;
    const size = this.appendOnly.currentSizeBytes;
    if (percentage === 0 || size <= this.settings.autoAofRewriteMinBytes) return;
    const base = this.appendOnly.baseSizeBytes || 1;
    const growth = Math.floor((size * 100) / base) - 100;
    if (growth < percentage || this.limited(nowMs)) return;
    this.log(`Starting automatic rewriting of AOF on ${growth}% growth`);
    this.start();
  }

  /** After aofRewriteFailuresBeforeDelay failures in a row, a wait of 1, 2, 4 ... up to 60 minutes. */
  private limited(nowMs: number): boolean {
    if (this.consecutiveFailures < aofRewriteFailuresBeforeDelay) {
      this.limitDelayMinutes = 0;
      this.limitUntilMs = 0;
      return false;
    }
    if (this.limitUntilMs !== 0) {
      if (nowMs < this.limitUntilMs) return true;
      this.limitUntilMs = 0; // the wait is over: one try; failing again waits twice as long
      return false;
    }
    this.limitDelayMinutes = Math.min(maxAofRewriteDelayMinutes, Math.max(1, this.limitDelayMinutes * 2));
    this.limitUntilMs = nowMs + this.limitDelayMinutes * 60_000;
    this.log(
      `Background AOF rewrite has repeatedly failed and triggered the limit, will retry in ${this.limitDelayMinutes} minutes`,
    );
    return true;
  }

  private start(): boolean {
    if (this.appendOnly.failing) {
      this.log("Can't rewrite the append only file while writing it fails");
      this.failed(null);
      return false;
    }
    const running: Running = { startedMs: Date.now(), baseSeq: this.appendOnly.nextBaseSeq, job: null };
    this.running = running;
    this.rewrites++;
    this.appendOnly.switchIncrement((error) => {
      if (this.running !== running) return; // given up meanwhile (shutdown)
      if (error !== null) {
        this.failed(error);
        return;
      }
      const finalPath = join(this.directory, baseFileName(this.aofName, running.baseSeq, true));
      try {
        running.job = new BackgroundSnapshot(
          this.transport,
          this.databases,
          { tempPath: tempRewritePath(this.settings.dir), finalPath, aofBase: true },
          (snapshotError) => this.snapshotEnded(running, finalPath, snapshotError),
        );
      } catch (openError) {
        this.failed(`Can't open the temporary AOF base file: ${(openError as Error).message}`);
        return;
      }
      this.log(`Background append only file rewriting started: ${running.job.snapshot.keysTotal} keys`);
    });
    return this.running === running; // the switch may fail at once (a directory that cannot be made)
  }

  private snapshotEnded(running: Running, finalPath: string, error: string | null): void {
    if (this.running !== running) return;
    if (error !== null) {
      this.failed(error);
      return;
    }
    const name = baseFileName(this.aofName, running.baseSeq, true);
    this.log(`Successfully renamed the temporary AOF base file into ${name}`);
    this.appendOnly.rewriteDone(name, running.baseSeq, (manifestError) => {
      if (this.running !== running) return;
      if (manifestError !== null) {
        try {
          unlinkSync(finalPath); // the manifest does not name it: nothing would ever remove it
        } catch {
          // gone already
        }
        this.failed(manifestError);
        return;
      }
      this.running = null;
      this.lastOk = true;
      this.consecutiveFailures = 0;
      this.lastSeconds = Math.round((Date.now() - running.startedMs) / 1000);
      this.lastKeptBytes = running.job!.snapshot.keptBytes;
      this.log(`Background AOF rewrite finished successfully: ${running.job!.summary()}`);
    });
  }

  private failed(error: string | null): void {
    const r = this.running;
    this.running = null;
    if (r !== null) this.lastSeconds = Math.round((Date.now() - r.startedMs) / 1000);
    this.lastOk = false;
    this.consecutiveFailures++;
    if (error !== null) this.log(`Background AOF rewrite failed: ${error}`);
    // The log waits for its first base (appendonly yes): tried again, as Redis.
    if (this.appendOnly.mode === 'waiting') this.scheduled = true;
  }
}
