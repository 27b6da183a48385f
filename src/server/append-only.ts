import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { getSystemErrorName } from 'node:util';
import type { Databases } from '../commands/databases.js';
import { FileMode, FileSync } from '../io/native.js';
import type { Transport, TurnEnd } from '../io/transport.js';
import { aofRetryMs, everysecSyncMs } from '../limits.js';
import {
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

/**
 * The append-only log on disk, Redis 7's multi-part layout: the incremental file the log goes to,
 * written through the transport's ring once per loop turn (TurnEnd). `always`: each turn's write
 * is linked to its fdatasync and the turn's replies wait for it (one sync for every client's writes
 * of the turn, and of the turns queued behind it); `everysec`: an fdatasync once a second that
 * never stops the loop; `no`: the kernel decides. A failed write or sync (ENOSPC, EIO) turns writes
 * away with Redis's MISCONF error until a retry (every second) gets the kept bytes on disk.
 */
export class AppendOnly implements TurnEnd {
  durableSeq = 0;
  /** The last sequence number given to a request. */
  private seq = 0;
  private file = -1;
  private readonly always: boolean;
  private baseBytes = 0;
  private incrementalAtOpenBytes = 0;
  /** Bytes handed to writeFile since the file was opened. */
  private loggedBytes = 0;
  /** Bytes written since the last sync was asked for (everysec). */
  private unsyncedBytes = 0;
  private lastWriteOk = true;
  /** The highest sequence number of a failed request: on disk once the retry succeeds. */
  private failedSeq = 0;
  private timer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly transport: Transport,
    private readonly log: AppendLog,
    private readonly options: AppendOnlyOptions,
    private readonly report: (line: string) => void,
  ) {
    this.always = options.fsync === 'always';
  }

  /**
   * Opens the incremental file named by the manifest (start-up has loaded it, and truncated a cut
   * tail); when there is no log yet, creates the layout first: a base snapshot of what the stores
   * hold (a dump.rdb loaded, or nothing), an empty incremental file, the manifest.
   */
  open(manifest: AofManifest | null, databases: Databases): void {
    const dir = this.options.directory;
    let current = manifest;
    if (current === null || current.incremental.length === 0) current = this.createLayout(current, databases);
    const incremental = current.incremental[current.incremental.length - 1];
    if (current.base !== null) this.baseBytes = statSync(join(dir, current.base.name)).size;
    const path = join(dir, incremental.name);
    this.file = this.transport.openFile(path, FileMode.append, (tag, result) => this.fileDone(tag, result));
    this.incrementalAtOpenBytes = this.transport.native.fileSize(this.file);
    this.log.writer.startFile();
    if (this.options.fsync === 'everysec')
      this.timer = setInterval(() => this.syncEverySecond(), everysecSyncMs);
    else this.timer = setInterval(() => this.endTurn(), everysecSyncMs); // writes of timers (expiry) go out too
  }

  /** Writes out what the turn logged; under `always` returns the sequence number its replies wait for. */
  endTurn(): number {
    const writer = this.log.writer;
    const bytes = writer.pendingBytes;
    if (bytes === 0) return 0;
    const seq = ++this.seq;
    const queued = this.transport.native.writeFile(
      this.file,
      writer.pending(),
      0,
      bytes,
      this.always ? FileSync.data : FileSync.none,
      seq & tagMask,
    );
    if (!queued) {
      // Over the addon's queue limit: the disk has failed for long and writes were turned away,
      // yet deletions (expiry, FLUSHALL in a transaction...) went on. Nothing else can keep them.
      this.report('The append-only log cannot keep up with a failing disk (1 GiB queued). Exiting.');
      process.exit(1);
    }
    writer.clear();
    this.loggedBytes += bytes;
    this.unsyncedBytes += bytes;
    return this.always ? seq : 0;
  }

  /** What INFO persistence reports. */
  status(): AofStatus {
    const incremental = this.file < 0 ? 0 : this.transport.native.fileSize(this.file);
    return {
      enabled: true,
      lastWriteOk: this.lastWriteOk,
      currentSizeBytes: this.baseBytes + incremental,
      baseSizeBytes: this.baseBytes,
      bufferedBytes:
        this.loggedBytes - (incremental - this.incrementalAtOpenBytes) + this.log.writer.pendingBytes,
    };
  }

  /** At shutdown: the last writes out, synced, before the process exits. */
  async close(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.endTurn();
    if (!this.lastWriteOk) return;
    const seq = ++this.seq;
    this.transport.native.writeFile(this.file, new Uint8Array(0), 0, 0, FileSync.data, seq & tagMask);
    const deadline = Date.now() + 5000;
    while (this.durableSeq < seq && this.lastWriteOk && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** The sequence number a tag was made from: the latest one given with those low 30 bits. */
  private fullSeq(tag: number): number {
    return this.seq - ((this.seq - tag) & tagMask);
  }

  private syncEverySecond(): void {
    this.endTurn();
    if (this.unsyncedBytes === 0 || !this.lastWriteOk) return;
    this.unsyncedBytes = 0;
    const seq = ++this.seq;
    this.transport.native.writeFile(this.file, new Uint8Array(0), 0, 0, FileSync.data, seq & tagMask);
  }

  private fileDone(tag: number, result: number): void {
    if (result === 0) {
      // Records come in request order and a request's success means every byte before it is
      // on the file (a failed one was written again first): the prefix up to it is durable. The
      // retry wrote the failed operation again, which held every request up to failedSeq.
      const seq = tag === retryTag ? this.failedSeq : this.fullSeq(tag);
      if (seq > this.durableSeq) this.durableSeq = seq;
      if (tag === retryTag) {
        this.report('AOF write error looks solved. fkvs can write again.');
        this.lastWriteOk = true;
        this.log.refusal = null;
      }
      return;
    }
    if (tag !== retryTag) this.failedSeq = Math.max(this.failedSeq, this.fullSeq(tag));
    const name = getSystemErrorName(result);
    if (this.lastWriteOk) {
      this.report(
        `Error writing to the AOF file: ${errorText(name)} (${name}); writes are refused until it works again`,
      );
    }
    this.lastWriteOk = false;
    this.log.refusal = `MISCONF Errors writing to the AOF file: ${errorText(name)}`;
    if (this.retryTimer === null) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.transport.native.retryFile(this.file, retryTag);
      }, aofRetryMs);
    }
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
    const path = join(dir, manifestFileName(name));
    writeDurably(path, Buffer.from(formatManifest(manifest), 'latin1'));
    return manifest;
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

/** Writes a file as a whole or not at all: a temp file, synced, renamed over, the directory synced. */
function writeDurably(path: string, bytes: Uint8Array): void {
  const temp = `${path}.tmp`;
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
