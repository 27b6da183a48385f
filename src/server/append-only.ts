import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  unlink,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { getSystemErrorName } from 'node:util';
import type { Databases } from '../commands/databases.js';
import { FileMode, FileSync } from '../io/native.js';
import type { Transport, TurnEnd } from '../io/transport.js';
import { aofRetryMs, everysecSyncMs } from '../limits.js';
import {
  type AofFileInfo,
  type AofManifest,
  baseFileName,
  formatManifest,
  incrementalFileName,
  manifestFileName,
} from '../persistence/aof-manifest.js';
import type { AppendLog } from '../persistence/append-log.js';
import { RdbWriter, rdbRedisVersion } from '../persistence/rdb-writer.js';
import { writeStoreSnapshot } from '../persistence/store-snapshot.js';
import type { AofStatus } from '../write-log.js';
import { ManifestFile } from './manifest-file.js';

export type AppendFsync = 'always' | 'everysec' | 'no';

export interface AppendOnlyOptions {
  /** dir/appenddirname: the log's directory. */
  directory: string;
  /** appendfilename: the base of the file names. */
  aofName: string;
  fsync: AppendFsync;
}

/** Tags of writeFile requests: the low 30 bits of the sequence number; the retry has its own. */
const tagMask = 0x3fffffff;
const retryTag = -1;

/** One incremental file the log writes or wrote, and how far its requests are known durable. */
class LogFile {
  /** The highest sequence number completed on it (every request before it too). */
  durable: number;
  /** The highest sequence number asked of it. */
  lastSeq: number;
  /** The highest sequence number of a failed request: on disk once the retry succeeds. */
  failedSeq = 0;
  failing = false;
  retryTimer: NodeJS.Timeout | null = null;
  /** Its writes are in a base snapshot since put in place (a rewrite ended): nothing more to wait for. */
  covered = false;

  constructor(
    readonly id: number,
    /** Renamed when a rewrite lists a temp incremental file under its final name. */
    public info: AofFileInfo,
    /** Its size when opened. */
    readonly openedBytes: number,
    seq: number,
  ) {
    this.durable = seq;
    this.lastSeq = seq;
  }

  get settled(): boolean {
    return this.covered || (!this.failing && this.durable >= this.lastSeq);
  }
}

/**
 * Told when the log writes to a new incremental file (a rewrite's snapshot starts then), or why it
 * could not switch.
 */
export type IncrementSwitch = (error: string | null) => void;

/**
 * Redis's aof_state: `off` (no file written; BGREWRITEAOF still writes a base and a manifest),
 * `waiting` (appendonly yes at run time: writes go to a temp incremental file no manifest lists
 * until the rewrite's base is in place: AOF_WAIT_REWRITE), `on`.
 */
export type LogMode = 'off' | 'waiting' | 'on';

/** Redis's name of the incremental file written while the log waits for its first base. */
export function tempIncrementalName(aofName: string): string {
  return `temp-${aofName}.incr`;
}

/**
 * The append-only log on disk, Redis 7's multi-part layout: the incremental file the log goes to,
 * written through the transport's ring once per loop turn (TurnEnd). `always`: each turn's write
 * is linked to its fdatasync and the turn's replies wait for it (one sync for every client's writes
 * of the turn, and of the turns queued behind it; the addon keeps up to two syncs in flight and
 * completes requests in order); `everysec`: an fdatasync once a second that
 * never stops the loop; `no`: the kernel decides. A failed write or sync (ENOSPC, EIO) turns writes
 * away with Redis's MISCONF error until a retry (every second) gets the kept bytes on disk.
 *
 * A rewrite (src/server/aof-rewrite.ts) switches the log to a new incremental file
 * (switchIncrement) and, once its base is in place, makes the files before it history
 * (rewriteDone). Sequence numbers run across files: a request is durable once it and every request
 * before it, in whatever file, completed (the older files are synced and closed at a switch).
 */
export class AppendOnly implements TurnEnd {
  durableSeq = 0;
  /** The last sequence number given to a request. */
  private seq = 0;
  private current!: LogFile;
  mode: LogMode = 'off';
  /** Told when the log starts taking writes at run time (the server attaches it to the fronts). */
  attach: () => void = () => {};
  /** Requests after this sequence number are in a file no manifest lists yet: not durable (-1: none). */
  private unlistedAfter = -1;
  /** Redis's curr_incr_file_seq: the highest incremental file number used. */
  private lastIncrSeq = 0;
  /** The sync of a log stopped during a turn: that turn's replies wait for it (always). */
  private stopSeq = 0;
  /** Files written before the current one whose requests are not all known durable yet. */
  private readonly older: LogFile[] = [];
  private readonly always: boolean;
  private manifest: AofManifest = { base: null, history: [], incremental: [] };
  private readonly manifestFile: ManifestFile;
  /** Bytes of the base and the incremental files before the current one (aof_current_size). */
  private otherFilesBytes = 0;
  /** aof_base_size: the log's size after the last rewrite (or at start-up), what auto rewrite grows from. */
  baseSizeBytes = 0;
  /** Bytes handed to writeFile for the current file since it was opened. */
  private loggedBytes = 0;
  /** Bytes written since the last sync was asked for (everysec). */
  private unsyncedBytes = 0;
  /** The sequence number of the last everysec sync: pending until durableSeq reaches it. */
  private everysecSyncSeq = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly transport: Transport,
    private readonly log: AppendLog,
    private readonly options: AppendOnlyOptions,
    private readonly report: (line: string) => void,
  ) {
    this.always = options.fsync === 'always';
    this.current = new LogFile(-1, { name: '', seq: 0, type: 'i' }, 0, 0); // no file until opened
    this.manifestFile = new ManifestFile(transport, options.directory, options.aofName);
  }

  /**
   * Opens the incremental file named by the manifest (start-up has loaded it, and truncated a cut
   * tail); when there is no log yet, creates the layout first: a base snapshot of what the stores
   * hold (a dump.rdb loaded, or nothing), an empty incremental file, the manifest. History files a
   * rewrite left (a crash before it removed them) are removed, as Redis's aofDelHistoryFiles.
   */
  open(manifest: AofManifest | null, databases: Databases): void {
    const dir = this.options.directory;
    let current = manifest;
    if (current === null || current.incremental.length === 0) current = this.createLayout(current, databases);
    if (current.history.length > 0) {
      for (const file of current.history) this.removeHistoryFile(file);
      current = { ...current, history: [] };
      writeDurably(join(dir, manifestFileName(this.options.aofName)), current);
    }
    this.manifest = current;
    const incremental = current.incremental[current.incremental.length - 1];
    // As Redis 7.0: aof_current_size starts as the bytes loaded, aof_base_size as the loaded base
    // file's (no size at the last rewrite is kept on disk); a layout made now (no manifest, nothing
    // loaded) counts both from 0, without the base it wrote.
    const baseBytes =
      current.base !== null && manifest !== null ? statSync(join(dir, current.base.name)).size : 0;
    this.otherFilesBytes = baseBytes;
    for (const file of current.incremental.slice(0, -1))
      this.otherFilesBytes += statSync(join(dir, file.name)).size;
    this.current = this.openIncrement(incremental, FileMode.append);
    this.baseSizeBytes = baseBytes;
    this.mode = 'on';
    this.lastIncrSeq = incremental.seq;
    this.startTimer();
  }

  private startTimer(): void {
    if (this.options.fsync === 'everysec')
      this.timer = setInterval(() => this.syncEverySecond(), everysecSyncMs);
    else this.timer = setInterval(() => this.endTurn(), everysecSyncMs); // writes of timers (expiry) go out too
  }

  /** Writes out what the turn logged; under `always` returns the sequence number its replies wait for. */
  endTurn(): number {
    const writer = this.log.writer;
    const bytes = writer.pendingBytes;
    if (bytes === 0 || this.mode === 'off') return this.stoppedTurn();
    const seq = this.request(writer.pending(), bytes, this.always ? FileSync.data : FileSync.none);
    writer.clear();
    this.loggedBytes += bytes;
    this.unsyncedBytes += bytes;
    return this.always ? seq : 0;
  }

  /** The log's size now: the base and every incremental file (aof_current_size). */
  get currentSizeBytes(): number {
    return this.otherFilesBytes + this.transport.native.fileSize(this.current.id);
  }

  /** The log's last write failed: a rewrite does not start (it would leave the failed bytes behind). */
  get failing(): boolean {
    return this.log.refusal !== null;
  }

  /** What INFO persistence reports. */
  status(): AofStatus {
    const incremental = this.current.id < 0 ? 0 : this.transport.native.fileSize(this.current.id);
    return {
      enabled: this.mode !== 'off',
      lastWriteOk: this.log.refusal === null,
      currentSizeBytes: this.otherFilesBytes + incremental,
      baseSizeBytes: this.baseSizeBytes,
      bufferedBytes:
        this.loggedBytes - (incremental - this.current.openedBytes) + this.log.writer.pendingBytes,
      pendingSyncs: this.durableSeq < this.everysecSyncSeq ? 1 : 0,
    };
  }

  /**
   * A rewrite starts, as Redis's openNewIncrAofForAppend: a new, empty incremental file is made
   * and added to the manifest (written durably through the ring); once that is in place the log
   * goes to the new file and `switched(null)` is called in the same turn, so that the rewrite's
   * snapshot holds exactly the writes of the files before it. The turn's pending bytes go to the
   * old file first, with a sync, and the old file is closed once its requests completed.
   */
  switchIncrement(switched: IncrementSwitch): void {
    if (this.mode !== 'on') {
      this.switchUnlisted(switched);
      return;
    }
    const last = this.manifest.incremental[this.manifest.incremental.length - 1];
    const info: AofFileInfo = {
      name: incrementalFileName(this.options.aofName, last.seq + 1),
      seq: last.seq + 1,
      type: 'i',
    };
    const path = join(this.options.directory, info.name);
    let id: number;
    try {
      id = this.transport.openFile(path, FileMode.truncate, (tag, result) =>
        this.fileDone(file, tag, result),
      );
    } catch (error) {
      switched(`Can't open the append-only file ${info.name}: ${(error as Error).message}`);
      return;
    }
    const file = new LogFile(id, info, 0, 0);
    const manifest = { ...this.manifest, incremental: [...this.manifest.incremental, info] };
    this.manifestFile.write(manifest, (error) => {
      if (error !== null) {
        this.transport.native.closeFile(id);
        removeFile(path);
        switched(`Can't persist the AOF manifest: ${error}`);
        return;
      }
      this.manifest = manifest;
      if (this.mode !== 'on') {
        // Turned off meanwhile: the listed file stays empty, the log where it was stopped.
        this.transport.native.closeFile(id);
        switched('the append-only log was turned off');
        return;
      }
      this.lastIncrSeq = info.seq;
      this.endTurn();
      const old = this.current;
      // The old file's last sync: its requests are durable once it completes, and it closes.
      this.request(new Uint8Array(0), 0, FileSync.data);
      this.older.push(old);
      this.otherFilesBytes += old.openedBytes + this.loggedBytes;
      file.durable = this.seq;
      file.lastSeq = this.seq;
      this.current = file;
      this.loggedBytes = 0;
      this.unsyncedBytes = 0;
      this.log.writer.startFile();
      this.report(`Creating AOF incr file ${info.name} on background rewrite`);
      this.settle();
      switched(null);
    });
  }

  /**
   * The rewrite's base is in the log's directory (synced): the manifest now names it as the base,
   * the files before the current incremental one as history; once that is in place they are
   * removed and the manifest written again without them (Redis's backgroundRewriteDoneHandler and
   * aofDelHistoryFiles). `done` gets null, or the error (the old manifest then stays, and is whole).
   */
  rewriteDone(baseName: string, baseSeq: number, done: (error: string | null) => void): void {
    const base: AofFileInfo = { name: baseName, seq: baseSeq, type: 'b' };
    // On: the current file stays. Waiting: the temp file becomes the next incremental file (Redis
    // renames temp-<name>.incr). Off: no incremental file; every file before becomes history.
    const waiting = this.mode === 'waiting';
    const file = this.current;
    let listed: AofFileInfo[] = this.mode === 'on' ? [this.current.info] : [];
    if (waiting) {
      const renamed = this.listTempIncrement();
      if (typeof renamed === 'string') {
        done(renamed);
        return;
      }
      listed = [renamed];
    }
    const history = [
      ...(this.manifest.base === null ? [] : [this.manifest.base]),
      ...this.manifest.history,
      ...this.manifest.incremental.filter((f) => !listed.some((l) => l.seq === f.seq)),
    ].map((f) => ({ ...f, type: 'h' as const }));
    const manifest: AofManifest = { base, history, incremental: listed };
    const olderAtDone = [...this.older];
    this.manifestFile.write(manifest, (error) => {
      if (error !== null) {
        done(`Can't persist the AOF manifest: ${error}`);
        return;
      }
      this.manifest = manifest;
      if (listed.length > 0) this.lastIncrSeq = Math.max(this.lastIncrSeq, listed[0].seq);
      if (waiting && this.mode === 'waiting' && this.current === file) {
        // The manifest lists the file the writes since appendonly yes went to: they are durable now.
        this.mode = 'on';
        this.unlistedAfter = -1;
        this.report(`The append-only log is on: ${listed[0].name}`);
      }
      // The writes of the files before are all in the base now.
      for (const file of olderAtDone) file.covered = true;
      this.settle();
      const baseBytes = statSync(join(this.options.directory, baseName)).size;
      if (this.mode === 'on') {
        this.otherFilesBytes = baseBytes;
        this.baseSizeBytes = this.currentSizeBytes;
      }
      // The rewrite is over once the history files are gone and the manifest without them is in place.
      let pending = history.length + 1;
      const oneDone = () => {
        if (--pending === 0) done(null);
      };
      for (const file of history) this.removeHistoryFileInBackground(file, oneDone);
      const clean: AofManifest = { base, history: [], incremental: listed };
      this.manifestFile.write(clean, (cleanError) => {
        // The rewrite worked either way: history lines only name files to remove, which start-up does.
        if (cleanError !== null)
          this.report(`Can't persist the AOF manifest without its history: ${cleanError}`);
        else if (this.manifest === manifest) this.manifest = clean;
        oneDone();
      });
    });
  }

  /** The sequence number of the next base (Redis's curr_base_file_seq + 1). */
  get nextBaseSeq(): number {
    return (this.manifest.base?.seq ?? 0) + 1;
  }

  /** At shutdown: the last writes out, synced, before the process exits. */
  async close(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.endTurn();
    for (const file of [...this.older, this.current]) {
      if (file.retryTimer !== null) clearTimeout(file.retryTimer);
    }
    if (this.log.refusal !== null) return;
    const seq = this.current.id < 0 ? this.seq : this.request(new Uint8Array(0), 0, FileSync.data);
    const deadline = Date.now() + 5000;
    while (this.durableSeq < seq && this.log.refusal === null && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /**
   * With appendonly no at start-up: the manifest on disk (Redis reads it at start-up whatever
   * appendonly says), which a rewrite with the log off, or a later appendonly yes, goes on from.
   */
  adopt(manifest: AofManifest | null): void {
    if (manifest === null) return;
    this.manifest = manifest;
    for (const file of manifest.incremental) this.lastIncrSeq = Math.max(this.lastIncrSeq, file.seq);
  }

  /**
   * appendonly yes at run time (Redis's startAppendOnly): the log waits for a rewrite, whose start
   * (switchIncrement) opens the temp incremental file. An earlier write error is forgotten, as Redis.
   */
  waitForRewrite(): void {
    if (this.mode !== 'off') return;
    this.mode = 'waiting';
    this.log.refusal = null;
  }

  /**
   * appendonly no (Redis's stopAppendOnly): the turn's logged writes go out with a sync, the file
   * closes once its requests completed, and nothing more is written. Under always, the replies of
   * this turn wait for that sync. Writes to a temp file no manifest lists (the first rewrite had
   * not ended) are given up with it, and its replies go: with the log off nothing is promised.
   */
  stop(): void {
    if (this.mode === 'off') return;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    if (this.current.id >= 0) {
      const writer = this.log.writer;
      const bytes = writer.pendingBytes;
      const seq = this.request(writer.pending(), bytes, FileSync.data);
      writer.clear();
      if (this.always) this.stopSeq = seq;
      this.older.push(this.current);
      if (this.mode === 'waiting') {
        this.current.covered = true;
        removeFile(join(this.options.directory, tempIncrementalName(this.options.aofName)));
      }
    }
    for (const file of this.older) if (file.failing) file.covered = true; // never retried now
    this.current = new LogFile(-1, this.current.info, 0, this.seq);
    this.unlistedAfter = -1;
    this.log.refusal = null;
    this.mode = 'off';
    this.loggedBytes = 0;
    this.unsyncedBytes = 0;
    this.settle();
  }

  /** endTurn with nothing logged: the sync of a stop made this turn, if any, is what replies wait for. */
  private stoppedTurn(): number {
    if (this.mode === 'off') this.log.writer.clear();
    const seq = this.stopSeq;
    this.stopSeq = 0;
    return seq;
  }

  /**
   * A rewrite starts while the log is not on. Off (BGREWRITEAOF with appendonly no): only the
   * directory is made. Waiting: the writes from now on go to a new temp incremental file (a file
   * of an earlier, failed try is left: the new base holds its writes), so that the snapshot
   * starting in this turn and that file hold every write between them.
   */
  private switchUnlisted(switched: IncrementSwitch): void {
    const dir = this.options.directory;
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      switched(`Can't open or create append-only dir ${dir}: ${(error as Error).message}`);
      return;
    }
    if (this.mode === 'off') {
      switched(null);
      return;
    }
    const name = tempIncrementalName(this.options.aofName);
    const path = join(dir, name);
    const previous = this.current;
    if (previous.id >= 0) this.endTurn();
    else this.log.writer.clear();
    // A new file, not the old one truncated: the earlier try's queued writes still land in that one.
    removeFile(path);
    let file: LogFile | null = null;
    let id: number;
    try {
      id = this.transport.openFile(path, FileMode.truncate, (tag, result) =>
        this.fileDone(file!, tag, result),
      );
    } catch (error) {
      switched(`Can't open the append-only file ${name}: ${(error as Error).message}`);
      return;
    }
    file = new LogFile(id, { name, seq: 0, type: 'i' }, 0, this.seq);
    if (previous.id >= 0) {
      previous.covered = true;
      this.older.push(previous);
    }
    if (this.unlistedAfter < 0) this.unlistedAfter = this.seq;
    this.current = file;
    this.otherFilesBytes = 0;
    this.loggedBytes = 0;
    this.unsyncedBytes = 0;
    this.log.writer.startFile();
    if (this.timer === null) this.startTimer();
    if (previous.id < 0) this.attach();
    this.report(`Creating AOF incr file ${name} on background rewrite`);
    this.settle();
    switched(null);
  }

  /** The temp incremental file renamed to the next incremental file's name (not yet in the manifest). */
  private listTempIncrement(): AofFileInfo | string {
    const seq = this.lastIncrSeq + 1;
    const info: AofFileInfo = { name: incrementalFileName(this.options.aofName, seq), seq, type: 'i' };
    const temp = tempIncrementalName(this.options.aofName);
    try {
      renameSync(join(this.options.directory, temp), join(this.options.directory, info.name));
    } catch (error) {
      return `Error trying to rename the temporary AOF incr file ${temp} into ${info.name}: ${(error as Error).message}`;
    }
    this.report(`Successfully renamed the temporary AOF incr file ${temp} into ${info.name}`);
    this.current.info = info;
    return info;
  }

  /** One request to the current file; returns its sequence number. */
  private request(bytes: Uint8Array, length: number, sync: number): number {
    const seq = ++this.seq;
    const file = this.current;
    if (!this.transport.native.writeFile(file.id, bytes, 0, length, sync, seq & tagMask)) {
      // Over the addon's queue limit: the disk has failed for long and writes were turned away,
      // yet deletions (expiry, FLUSHALL in a transaction...) went on. Nothing else can keep them.
      this.report('The append-only log cannot keep up with a failing disk (1 GiB queued). Exiting.');
      process.exit(1);
    }
    file.lastSeq = seq;
    return seq;
  }

  private openIncrement(info: AofFileInfo, mode: number): LogFile {
    const path = join(this.options.directory, info.name);
    let file: LogFile | null = null;
    const id = this.transport.openFile(path, mode, (tag, result) => this.fileDone(file!, tag, result));
    file = new LogFile(id, info, this.transport.native.fileSize(id), this.seq);
    this.log.writer.startFile();
    return file;
  }

  /** The sequence number a tag was made from: the latest one given with those low 30 bits. */
  private fullSeq(tag: number): number {
    return this.seq - ((this.seq - tag) & tagMask);
  }

  private syncEverySecond(): void {
    this.endTurn();
    if (this.unsyncedBytes === 0 || this.log.refusal !== null) return;
    this.unsyncedBytes = 0;
    this.everysecSyncSeq = this.request(new Uint8Array(0), 0, FileSync.data);
  }

  private fileDone(file: LogFile, tag: number, result: number): void {
    if (file.covered) return; // a base holds its writes: its outcome no longer matters
    if (result === 0) {
      // Records come in request order and a request's success means every byte before it is
      // on the file (a failed one was written again first): the prefix up to it is durable. The
      // retry wrote the failed operation again, which held every request up to failedSeq.
      const seq = tag === retryTag ? file.failedSeq : this.fullSeq(tag);
      if (seq > file.durable) file.durable = seq;
      if (tag === retryTag) {
        file.failing = false;
        this.updateRefusal();
      }
      this.settle();
      return;
    }
    if (tag !== retryTag) file.failedSeq = Math.max(file.failedSeq, this.fullSeq(tag));
    const name = getSystemErrorName(result);
    if (this.log.refusal === null) {
      this.report(
        `Error writing to the AOF file: ${errorText(name)} (${name}); writes are refused until it works again`,
      );
    }
    file.failing = true;
    this.log.refusal = `MISCONF Errors writing to the AOF file: ${errorText(name)}`;
    if (file.retryTimer === null && !file.covered) {
      file.retryTimer = setTimeout(() => {
        file.retryTimer = null;
        if (!file.covered) this.transport.native.retryFile(file.id, retryTag);
      }, aofRetryMs);
    }
  }

  /** No file fails any more: writes are taken again. */
  private updateRefusal(): void {
    if (this.log.refusal === null || this.current.failing || this.older.some((f) => f.failing)) return;
    this.report('AOF write error looks solved. fkvs can write again.');
    this.log.refusal = null;
  }

  /**
   * Older files whose requests all completed (or whose writes a base holds) are closed, and the
   * durable sequence moves up to what every file has completed: an older file's incomplete
   * requests come before any of the current file's.
   */
  private settle(): void {
    let kept = 0;
    let durable = this.current.durable;
    for (const file of this.older) {
      if (file.settled) {
        if (file.retryTimer !== null) clearTimeout(file.retryTimer);
        file.retryTimer = null;
        // A covered file that failed gives up its kept bytes: the base has them.
        file.failing = false;
        this.transport.native.closeFile(file.id);
      } else {
        durable = Math.min(durable, file.durable);
        this.older[kept++] = file;
      }
    }
    this.older.length = kept;
    if (this.unlistedAfter >= 0 && durable > this.unlistedAfter) durable = this.unlistedAfter;
    this.updateRefusal();
    if (durable > this.durableSeq) this.durableSeq = durable;
  }

  private removeHistoryFile(file: AofFileInfo): void {
    this.report(`Removing the history file ${file.name}`);
    removeFile(join(this.options.directory, file.name));
  }

  /**
   * Unlinking a large file frees its blocks in the call (176 ms for a 520 MB log here, stopping
   * the loop): on libuv's pool instead, as Redis's bg_unlink on its bio thread. Gone already is fine.
   */
  private removeHistoryFileInBackground(file: AofFileInfo, removed: () => void): void {
    this.report(`Removing the history file ${file.name}`);
    unlink(join(this.options.directory, file.name), () => removed());
  }

  /**
   * Redis 7's layout for a log that starts now: base seq 1 (a snapshot of the stores), an empty
   * incremental file seq 1, the manifest written to a temp file, synced and renamed, the directory
   * synced. Synchronous: it runs at start-up, before the server serves.
   */
  private createLayout(previous: AofManifest | null, databases: Databases): AofManifest {
    const dir = this.options.directory;
    const name = this.options.aofName;
    mkdirSync(dir, { recursive: true });
    let manifest: AofManifest;
    if (previous === null) {
      const base = { name: baseFileName(name, 1, true), seq: 1, type: 'b' as const };
      writeBase(join(dir, base.name), databases);
      manifest = {
        base,
        history: [],
        incremental: [{ name: incrementalFileName(name, 1), seq: 1, type: 'i' }],
      };
      this.report(`Creating AOF base file ${base.name} on server start`);
    } else {
      const seq = Math.max(previous.base?.seq ?? 0, ...previous.history.map((f) => f.seq)) + 1;
      manifest = { ...previous, incremental: [{ name: incrementalFileName(name, seq), seq, type: 'i' }] };
    }
    const incremental = join(dir, manifest.incremental[0].name);
    if (!existsSync(incremental)) closeSync(openSync(incremental, 'w'));
    this.report(`Creating AOF incr file ${manifest.incremental[0].name} on server start`);
    writeDurably(join(dir, manifestFileName(name)), manifest);
    return manifest;
  }
}

/** Removes a file; one already gone is no error. */
function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already
  }
}

/** The base snapshot of every database (aof-base 1), written and synced. */
function writeBase(path: string, databases: Databases): void {
  const fd = openSync(path, 'w');
  try {
    const writer = new RdbWriter((chunk) => writeSync(fd, chunk), {
      redisVersion: rdbRedisVersion,
      ctimeSeconds: Date.now() / 1000,
      usedMemoryBytes: databases.reservedBytes(),
      aofBase: true,
    });
    for (let db = 0; db < databases.count; db++) {
      const store = databases.existing(db);
      if (store !== null) writeStoreSnapshot(writer, db, store);
    }
    writer.finish();
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a manifest as a whole or not at all, blocking (start-up only): a temp file, synced,
 * renamed over, the directory synced.
 */
function writeDurably(path: string, manifest: AofManifest): void {
  const bytes = Buffer.from(formatManifest(manifest), 'latin1');
  const temp = join(path, '..', `temp-${basename(path)}`);
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  const dir = openSync(join(path, '..'), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/** glibc's strerror of the errors a disk gives (what Redis's MISCONF line quotes). */
function errorText(name: string): string {
  switch (name) {
    case 'ENOSPC':
      return 'No space left on device';
    case 'EIO':
      return 'Input/output error';
    case 'EDQUOT':
      return 'Disk quota exceeded';
    case 'EROFS':
      return 'Read-only file system';
    case 'EFBIG':
      return 'File too large';
    default:
      return name;
  }
}
