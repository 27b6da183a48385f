import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Commands } from '../commands/commands.js';
import type { Transport } from '../io/transport.js';
import { maxManifestBytes } from '../limits.js';
import { type AofManifest, manifestFileName, parseManifest } from '../persistence/aof-manifest.js';
import type { AppendLog } from '../persistence/append-log.js';
import type { RespServer } from '../protocol/resp/server.js';
import { noWriteLog } from '../write-log.js';
import type { AofRewrite } from './aof-rewrite.js';
import type { AppendOnly } from './append-only.js';

/**
 * The manifest in the log's directory, or null when there is none: Redis reads it at start-up
 * whatever appendonly says (aofLoadManifestFromDisk), so that a rewrite with the log off and a
 * later appendonly yes go on from its file numbers and make its files history.
 */
export function readManifest(directory: string, aofName: string): AofManifest | null {
  const path = join(directory, manifestFileName(aofName));
  if (!existsSync(path)) return null;
  if (statSync(path).size > maxManifestBytes) throw new Error(`${path}: over ${maxManifestBytes} bytes`);
  return parseManifest(readFileSync(path).toString('latin1'), path);
}

/**
 * CONFIG SET appendonly yes|no on a running server, as Redis 7.0's updateAppendonly.
 *
 * `yes` (startAppendOnly): the log waits for a rewrite (aof_enabled:1); the rewrite starts at once,
 * or is scheduled while a BGSAVE runs; a rewrite of the log-off kind that runs is given up and a
 * new one started. From the rewrite's start the writes go to a temp incremental file, the base is
 * the snapshot taken in that turn, and once the base is in place the temp file is renamed to the
 * next incremental file and the manifest names both: the log is on. A rewrite that fails later is
 * tried again (the log stays waiting, as Redis); one that cannot start turns the log off again and
 * CONFIG SET answers Redis's error. Under always, replies of writes made while the log waits are
 * held until the manifest lists their file (a crash before would lose them); so that writes made
 * while the rewrite is scheduled are held too, under always the temp file is opened at once.
 *
 * `no` (stopAppendOnly): a running or scheduled rewrite is given up, the turn's logged writes go
 * out with a sync and the file is closed; the fronts stop logging.
 */
export class AppendOnlySwitch {
  constructor(
    private readonly appendOnly: AppendOnly,
    private readonly appendLog: AppendLog,
    private readonly rewrite: AofRewrite,
    private readonly resp: RespServer,
    private readonly commands: Commands,
    private readonly transport: Transport,
    private readonly always: boolean,
    private readonly log: (line: string) => void,
  ) {
    appendOnly.attach = () => this.attach();
  }

  /** Redis's WAIT_REWRITE with its rewrite running: SIGTERM does not stop the server then. */
  get writingInitialLog(): boolean {
    return this.appendOnly.mode === 'waiting' && this.rewrite.inProgress;
  }

  /** The fronts log every change from now on (the log on at start-up, or its temp file opened). */
  attach(): void {
    this.resp.writeLog = this.appendLog;
    this.commands.writeLog = this.appendLog;
    this.transport.turnEnd = this.appendOnly;
  }

  /** CONFIG SET appendonly: null, or the error's text after "CONFIG SET failed ... - ". */
  set(on: boolean): string | null {
    const mode = this.appendOnly.mode;
    if (on && mode === 'off') return this.start();
    if (!on && mode !== 'off') this.stop();
    return null;
  }

  private start(): string | null {
    if (this.rewrite.inProgress) {
      this.log(
        'AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and starting a rewrite now.',
      );
      this.rewrite.cancel();
    }
    this.appendOnly.waitForRewrite();
    const reply = this.rewrite.backgroundRewrite();
    if (reply.error) return this.failedToStart();
    if (this.rewrite.pendingRewrite) {
      this.log(
        'AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.',
      );
      if (this.always) {
        // The writes until the rewrite starts are in its snapshot: their replies wait for it.
        let opened = true;
        this.appendOnly.switchIncrement((error) => {
          if (error !== null) {
            this.log(error);
            opened = false;
          }
        });
        if (!opened) return this.failedToStart();
      }
    }
    return null;
  }

  private failedToStart(): string {
    this.log(
      "fkvs needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.",
    );
    this.stop(); // gives up the rewrite too
    return 'Unable to turn on AOF. Check server logs.';
  }

  private stop(): void {
    this.rewrite.cancel();
    this.resp.writeLog = noWriteLog;
    this.commands.writeLog = noWriteLog;
    this.appendOnly.stop();
  }
}
