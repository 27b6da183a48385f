import { existsSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import type { Databases } from '../commands/databases.js';
import type { Arguments } from '../commands/redis-command.js';
import { OutputBuffer } from '../io/output-buffer.js';
import { loadProgressCommands, maxRespPendingOutputBytes } from '../limits.js';
import { type LoggedCommand, loadAofDir } from '../persistence/aof-loader.js';
import type { AofManifest } from '../persistence/aof-manifest.js';
import { quoteBytes } from '../persistence/quote.js';
import { loadRdb } from '../persistence/rdb-reader.js';
import { FileSource, ReadWindow } from '../persistence/read-window.js';
import type { RespServer } from '../protocol/resp/server.js';
import { RespSession } from '../protocol/resp/session.js';

export interface StartupLoadOptions {
  appendonly: boolean;
  /** `dir`: where dump.rdb and the log's directory are. */
  directory: string;
  aofDirName: string;
  aofName: string;
  /** aof-load-truncated: a log whose last file ends inside a command loads up to the last whole one. */
  loadTruncated: boolean;
  /** Leave out keys (RDB) and commands (log) of types other than strings, counted, instead of stopping. */
  skipOtherTypes: boolean;
  /** `dbfilename`: the dump's name in `directory` (default dump.rdb). */
  dbFilename?: string;
}

/** Why start-up cannot go on: one line for the operator. */
export class StartupLoadError extends Error {}

/**
 * Loads what the server held before it stopped, before it serves: the append-only log when
 * `appendonly yes` and its manifest exists, else dump.rdb when there is one (Redis's order).
 * Progress (keys, MB/s) is reported once a second. Returns the manifest of the log loaded (null:
 * no log yet), which the append-only log then goes on with.
 */
export function loadAtStartup(
  options: StartupLoadOptions,
  databases: Databases,
  resp: RespServer,
  report: (line: string) => void,
): AofManifest | null {
  const progress = new Progress(databases, report);
  if (options.appendonly) {
    const dir = join(options.directory, options.aofDirName);
    const replay = new Replay(resp, options.skipOtherTypes, progress);
    for (let db = 0; db < databases.count; db++) {
      const store = databases.existing(db);
      if (store !== null) store.nowMs = 0; // nothing expires while the log replays (as Redis)
    }
    const result = loadAofDir({
      dir,
      aofName: options.aofName,
      sink: (command) => replay.run(command),
      rdb: {
        storeFor: (db) => (db < databases.count ? databases.get(db) : undefined),
        skipOtherTypes: options.skipOtherTypes,
      },
      loadTruncated: options.loadTruncated,
      openSource: (path) => progress.open(path),
    });
    const now = Date.now();
    for (let db = 0; db < databases.count; db++) {
      const store = databases.existing(db);
      if (store !== null) store.nowMs = now;
    }
    if (result !== null) {
      const last = result.files[result.files.length - 1];
      if (last !== undefined && last.truncatedBytes > 0) {
        // Appends go after the last whole command: the cut tail goes, as Redis truncates it.
        truncateSync(last.fileName, last.validBytes);
        report(
          `!!! Warning: short read while loading the AOF file ${last.fileName}!!! AOF loaded anyway because ` +
            `aof-load-truncated is enabled: ${last.truncatedBytes} bytes after offset ${last.validBytes} dropped`,
        );
      }
      const rdbSkipped = result.files.reduce((n, f) => n + (f.rdb?.otherTypeKeysSkipped ?? 0), 0);
      const skipped = rdbSkipped + replay.skippedCommands;
      if (skipped > 0) report(`${skipped} keys or commands of types other than strings left out`);
      progress.done('DB loaded from append only file');
      return result.manifest;
    }
  }
  const dump = join(options.directory, options.dbFilename ?? 'dump.rdb');
  if (existsSync(dump)) {
    const source = progress.open(dump);
    try {
      const result = loadRdb(new ReadWindow(source), {
        storeFor: (db) => (db < databases.count ? databases.get(db) : undefined),
        nowMs: Date.now(),
        skipOtherTypes: options.skipOtherTypes,
        fileName: dump,
      });
      if (result.otherTypeKeysSkipped > 0) {
        report(`${result.otherTypeKeysSkipped} keys of types other than strings left out`);
      }
      progress.done('DB loaded from disk');
    } finally {
      source.close();
    }
  }
  return null;
}

/**
 * Runs logged commands through the Redis front's table, as a client whose replies are thrown
 * away. A command answered with an error (a list command of a Redis log, an unknown command)
 * stops the load naming it and its key, unless skipOtherTypes (then it is counted).
 */
class Replay {
  private readonly session: RespSession;
  private readonly out = new OutputBuffer(maxRespPendingOutputBytes);
  skippedCommands = 0;

  constructor(
    private readonly resp: RespServer,
    private readonly skipOtherTypes: boolean,
    private readonly progress: Progress,
  ) {
    this.session = new RespSession(resp, -1, 0, '', '', 0);
    this.session.setAuthenticated();
    this.session.selectDatabase(0);
  }

  run(command: LoggedCommand): void {
    const writer = this.resp.writer;
    writer.begin(this.out, 2);
    const errors = writer.errors;
    this.session.onCommand(command as Arguments);
    if (writer.errors !== errors) {
      const reply = Buffer.from(this.out.bytes.subarray(this.out.start, this.out.end))
        .toString('latin1')
        .trim();
      if (!this.skipOtherTypes) {
        const name = Buffer.from(
          command.bytes.subarray(command.offsets[0], command.offsets[0] + command.lengths[0]),
        );
        const key =
          command.count > 1
            ? ` on key ${quoteBytes(command.bytes, command.offsets[1], command.lengths[1])}`
            : '';
        throw new StartupLoadError(
          `the log's command ${name.toString('latin1').toUpperCase()}${key} failed: ${reply}; fkvs holds strings ` +
            'only (set load-skip-other-types yes to leave such commands out, counted)',
        );
      }
      this.skippedCommands++;
    }
    this.out.consume(this.out.pendingBytes);
    this.progress.command();
  }
}

/** Start-up progress: keys in the stores and MB/s of the files read, once a second. */
class Progress {
  private readonly startMs = Date.now();
  private lastReportMs = this.startMs;
  private bytesBefore = 0;
  private source: CountingSource | null = null;
  private commands = 0;

  constructor(
    private readonly databases: Databases,
    private readonly report: (line: string) => void,
  ) {}

  open(path: string): CountingSource {
    if (this.source !== null) this.bytesBefore += this.source.bytesRead;
    this.source = new CountingSource(path, () => this.tick());
    return this.source;
  }

  command(): void {
    if (++this.commands % loadProgressCommands === 0) this.tick();
  }

  done(what: string): void {
    const seconds = Math.max(0.001, (Date.now() - this.startMs) / 1000);
    this.report(
      `${what}: ${this.keys()} keys, ${this.megabytes().toFixed(1)} MB in ${seconds.toFixed(3)} seconds`,
    );
  }

  private tick(): void {
    const now = Date.now();
    if (now - this.lastReportMs < 1000) return;
    this.lastReportMs = now;
    const rate = this.megabytes() / ((now - this.startMs) / 1000);
    this.report(
      `Loading: ${this.keys()} keys, ${this.megabytes().toFixed(1)} MB read, ${rate.toFixed(1)} MB/s`,
    );
  }

  private megabytes(): number {
    return (this.bytesBefore + (this.source?.bytesRead ?? 0)) / 1e6;
  }

  private keys(): number {
    let keys = 0;
    for (let db = 0; db < this.databases.count; db++) keys += this.databases.existing(db)?.stats().keys ?? 0;
    return keys;
  }
}

/** A FileSource that counts its bytes and lets progress look at the clock after each read. */
class CountingSource extends FileSource {
  bytesRead = 0;

  constructor(
    path: string,
    private readonly afterRead: () => void,
  ) {
    super(path);
  }

  override read(into: Uint8Array, offset: number, length: number): number {
    const n = super.read(into, offset, length);
    this.bytesRead += n;
    this.afterRead();
    return n;
  }
}
