import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  maxLoadStringBytes,
  maxLogCommandArguments,
  maxLogLineBytes,
  maxLogTransactionBytes,
  maxManifestBytes,
} from '../limits.js';
import { type AofManifest, AofManifestError, manifestFileName, parseManifest } from './aof-manifest.js';
import { rdbMagic } from './rdb-format.js';
import { loadRdb, RdbLoadError, type RdbLoadOptions, type RdbLoadResult } from './rdb-reader.js';
import { FileSource, ReadWindow } from './read-window.js';

/**
 * One command read from the log, argv[0] being its name: each argument a byte range of bytes.
 * The shape of the Redis front's Arguments, so a sink can run it as it is. Valid only during the
 * sink call; reused for every command.
 */
export interface LoggedCommand {
  bytes: Uint8Array;
  offsets: Int32Array;
  lengths: Int32Array;
  count: number;
}

/** Runs one logged command (the Redis front's commands, in the context of a client that gets no replies). */
export type CommandSink = (command: LoggedCommand) => void;

export interface AofFileLoadOptions {
  /** The file's name, for messages. */
  fileName: string;
  /** What an error tells the operator to run, e.g. "redis-check-aof --fix appendonlydir/appendonly.aof.manifest". */
  checkCommand: string;
  sink: CommandSink;
  /**
   * Where an RDB part (a .base.rdb file, or an RDB preamble) loads. It keeps its expired keys, as
   * Redis loads a base: the commands after it may touch them (an INCR logged while the key lived).
   * For the same reason nothing may expire while the commands replay: the stores' nowMs stays 0
   * until the load ends (Redis's expireIfNeeded does nothing while loading).
   */
  rdb: Omit<RdbLoadOptions, 'fileName' | 'nowMs'>;
  /** aof-load-truncated yes: a file that ends inside a command loads up to the last whole one. */
  loadTruncated: boolean;
}

export interface AofFileLoadResult {
  fileName: string;
  /** Commands handed to the sink. */
  commands: number;
  /** The RDB part the file began with, if any. */
  rdb: RdbLoadResult | null;
  /** Bytes up to the end of the last whole command (or transaction): where the next write must go. */
  validBytes: number;
  /** Bytes after validBytes, left out as a truncated tail (0 when the file ended cleanly). */
  truncatedBytes: number;
  /** Whether the tail left out was an unfinished MULTI ... EXEC. */
  revertedTransaction: boolean;
}

/** A log that cannot be loaded: the file, the offset and the command to check (and fix) it with. */
export class AofLoadError extends Error {
  constructor(
    readonly fileName: string,
    readonly offset: number,
    readonly reason: string,
    readonly checkCommand: string,
  ) {
    super(
      `Cannot load the append only file ${fileName}: ${reason} at offset ${offset}. ` +
        `Make a backup of the file, then check it with: ${checkCommand}`,
    );
    this.name = 'AofLoadError';
  }
}

const maxCommandCount = maxLogCommandArguments;

/**
 * Replays one append-only file: an RDB part first when the file starts with "REDIS" (a base
 * snapshot, or an old-style preamble), then RESP commands, each handed to the sink; "#" lines
 * (annotations such as #TS:) are skipped. A transaction is handed over only once its EXEC is read,
 * without the MULTI and the EXEC (at load time nothing runs in between), so a transaction cut by
 * the end of the file is left out whole, as Redis reverts it. A file that ends inside a command
 * loads up to the last whole one when loadTruncated is set, and says how many bytes it left out:
 * the caller truncates the file there before appending to it. Any other malformation throws an
 * AofLoadError naming the file, the offset and the check command.
 */
export function loadAofFile(window: ReadWindow, options: AofFileLoadOptions): AofFileLoadResult {
  return new AofReader(window, options).load();
}

class AofReader {
  private readonly command: LoggedCommand = {
    bytes: new Uint8Array(0),
    offsets: new Int32Array(16),
    lengths: new Int32Array(16),
    count: 0,
  };
  /** Argument offsets (from the mark) and lengths of the commands of the open transaction, and their argument counts. */
  private queuedOffsets: Int32Array = new Int32Array(64);
  private queuedLengths: Int32Array = new Int32Array(64);
  private queuedCounts: Int32Array = new Int32Array(16);
  private queuedArguments = 0;
  private queuedCommands = 0;
  private inTransaction = false;
  /** Arguments of the command being read: offsets from the mark, lengths. */
  private argumentOffsets = new Int32Array(16);
  private argumentLengths = new Int32Array(16);
  private validUpTo = 0;
  private validBeforeTransaction = 0;
  private readonly result: AofFileLoadResult;

  constructor(
    private readonly window: ReadWindow,
    private readonly options: AofFileLoadOptions,
  ) {
    this.result = {
      fileName: options.fileName,
      commands: 0,
      rdb: null,
      validBytes: 0,
      truncatedBytes: 0,
      revertedTransaction: false,
    };
  }

  load(): AofFileLoadResult {
    const w = this.window;
    const start = w.offset();
    if (
      w.ensure(rdbMagic.length) &&
      Buffer.from(w.bytes.subarray(w.pos, w.pos + 5)).toString('latin1') === rdbMagic
    ) {
      try {
        this.result.rdb = loadRdb(w, {
          ...this.options.rdb,
          fileName: this.options.fileName,
          nowMs: Number.NEGATIVE_INFINITY,
        });
      } catch (error) {
        if (error instanceof RdbLoadError && error.constructor === RdbLoadError) {
          throw new AofLoadError(
            this.options.fileName,
            error.offset,
            error.reason,
            this.options.checkCommand,
          );
        }
        throw error;
      }
    }
    this.validUpTo = w.offset();
    for (;;) {
      w.mark = this.inTransaction ? w.mark : w.pos;
      if (!w.ensure(1)) break;
      const first = w.bytes[w.pos];
      if (first === 0x23) {
        if (!this.skipLine()) return this.truncated(start);
        if (!this.inTransaction) this.validUpTo = w.offset();
        continue;
      }
      if (first !== 0x2a)
        this.formatError(w.offset(), `expected '*' to start a command, found ${describe(first)}`);
      const commandStart = w.pos;
      const argc = this.number(0x2a);
      if (argc === -2) return this.truncated(start);
      if (argc < 1 || argc > maxCommandCount) {
        this.formatError(
          w.offsetOf(commandStart),
          `a command of ${argc} arguments (1 to ${maxCommandCount})`,
        );
      }
      if (this.argumentOffsets.length < argc) {
        this.argumentOffsets = new Int32Array(Math.max(argc, this.argumentOffsets.length * 2));
        this.argumentLengths = new Int32Array(this.argumentOffsets.length);
      }
      for (let i = 0; i < argc; i++) {
        const headerAt = w.offset();
        if (!w.ensure(1)) return this.truncated(start);
        if (w.bytes[w.pos] !== 0x24)
          this.formatError(headerAt, `expected '$' before an argument, found ${describe(w.bytes[w.pos])}`);
        const length = this.number(0x24);
        if (length === -2) return this.truncated(start);
        if (length < 0 || length > maxLoadStringBytes) {
          this.formatError(headerAt, `an argument of ${length} bytes (0 to ${maxLoadStringBytes})`);
        }
        if (!w.ensure(length + 2)) return this.truncated(start);
        if (w.bytes[w.pos + length] !== 0x0d || w.bytes[w.pos + length + 1] !== 0x0a) {
          this.formatError(w.offset() + length, 'expected \\r\\n after an argument');
        }
        this.argumentOffsets[i] = w.pos - w.mark;
        this.argumentLengths[i] = length;
        w.pos += length + 2;
        if (w.pos - w.mark > maxLogTransactionBytes) {
          this.formatError(w.offsetOf(w.mark), `a transaction over ${maxLogTransactionBytes} bytes`);
        }
      }
      this.complete(argc, commandStart);
    }
    if (this.inTransaction) return this.truncated(start);
    w.mark = -1;
    this.result.validBytes = this.validUpTo - start;
    return this.result;
  }

  /** A whole command was read: run it, or queue it in the open transaction. */
  private complete(argc: number, commandStart: number): void {
    const w = this.window;
    const name = this.nameIs(argc);
    if (name === 'multi') {
      if (this.inTransaction) this.formatError(w.offsetOf(commandStart), 'MULTI inside a transaction');
      this.inTransaction = true;
      this.validBeforeTransaction = this.validUpTo;
      this.queuedCommands = 0;
      this.queuedArguments = 0;
      return;
    }
    if (name === 'exec' && this.inTransaction) {
      this.runQueued();
      this.inTransaction = false;
      this.validUpTo = w.offset();
      return;
    }
    if (this.inTransaction) {
      this.queue(argc);
      return;
    }
    this.run(this.argumentOffsets, this.argumentLengths, 0, argc);
    this.validUpTo = w.offset();
  }

  /** "multi" or "exec" when the command is one of them (any case, no arguments), else "". */
  private nameIs(argc: number): string {
    if (argc !== 1) return '';
    const w = this.window;
    const at = w.mark + this.argumentOffsets[0];
    const length = this.argumentLengths[0];
    if (length !== 4 && length !== 5) return '';
    const name = Buffer.from(w.bytes.subarray(at, at + length))
      .toString('latin1')
      .toLowerCase();
    return name === 'multi' || name === 'exec' ? name : '';
  }

  private queue(argc: number): void {
    if (this.queuedOffsets.length < this.queuedArguments + argc) {
      const size = Math.max(this.queuedArguments + argc, this.queuedOffsets.length * 2);
      this.queuedOffsets = grow(this.queuedOffsets, size);
      this.queuedLengths = grow(this.queuedLengths, size);
    }
    if (this.queuedCounts.length === this.queuedCommands) {
      this.queuedCounts = grow(this.queuedCounts, this.queuedCounts.length * 2);
    }
    this.queuedOffsets.set(this.argumentOffsets.subarray(0, argc), this.queuedArguments);
    this.queuedLengths.set(this.argumentLengths.subarray(0, argc), this.queuedArguments);
    this.queuedArguments += argc;
    this.queuedCounts[this.queuedCommands++] = argc;
  }

  private runQueued(): void {
    let first = 0;
    for (let i = 0; i < this.queuedCommands; i++) {
      const argc = this.queuedCounts[i];
      this.run(this.queuedOffsets, this.queuedLengths, first, argc);
      first += argc;
    }
  }

  /** Hands the sink the command whose arguments are offsets/lengths[first, first + argc) (offsets from the mark). */
  private run(offsets: Int32Array, lengths: Int32Array, first: number, argc: number): void {
    const command = this.command;
    if (command.offsets.length < argc) {
      command.offsets = new Int32Array(Math.max(argc, command.offsets.length * 2));
      command.lengths = new Int32Array(command.offsets.length);
    }
    const mark = this.window.mark;
    for (let i = 0; i < argc; i++) {
      command.offsets[i] = mark + offsets[first + i];
      command.lengths[i] = lengths[first + i];
    }
    command.bytes = this.window.bytes;
    command.count = argc;
    this.options.sink(command);
    this.result.commands++;
  }

  /**
   * Reads "<prefix><decimal>\r\n" at pos and returns the number; -2 when the file ends first. The
   * line may be at most maxLogLineBytes long (Redis reads it with fgets into a buffer of that size).
   */
  private number(prefix: number): number {
    const w = this.window;
    const lineAt = w.offset();
    const end = this.lineEnd();
    if (end === -2) return -2;
    if (end < 0) this.formatError(lineAt, `a line longer than ${maxLogLineBytes} bytes`);
    let value = 0;
    let digits = 0;
    let negative = false;
    for (let i = w.pos + 1; i < end - 1; i++) {
      const c = w.bytes[i];
      if (c === 0x2d && i === w.pos + 1) {
        negative = true;
        continue;
      }
      if (c < 0x30 || c > 0x39 || digits > 15) {
        this.formatError(lineAt, `a malformed ${prefix === 0x2a ? 'argument count' : 'argument length'}`);
      }
      value = value * 10 + (c - 0x30);
      digits++;
    }
    if (digits === 0 || w.bytes[end - 1] !== 0x0d) {
      this.formatError(lineAt, `a malformed ${prefix === 0x2a ? 'argument count' : 'argument length'}`);
    }
    w.pos = end + 1;
    return negative ? -value : value;
  }

  /** Skips an annotation line; false when the file ends inside it. */
  private skipLine(): boolean {
    const w = this.window;
    const lineAt = w.offset();
    const end = this.lineEnd();
    if (end === -2) return false;
    if (end < 0) this.formatError(lineAt, `an annotation longer than ${maxLogLineBytes} bytes`);
    w.pos = end + 1;
    return true;
  }

  /** Index of the '\n' ending the line at pos; -1 when the line is too long, -2 when the file ends first. */
  private lineEnd(): number {
    const w = this.window;
    let scanned = 0;
    for (;;) {
      const limit = Math.min(w.end, w.pos + maxLogLineBytes);
      for (let i = w.pos + scanned; i < limit; i++) {
        if (w.bytes[i] === 0x0a) return i;
      }
      scanned = limit - w.pos;
      if (scanned >= maxLogLineBytes) return -1;
      if (!w.ensure(scanned + 1)) return -2;
    }
  }

  private truncated(start: number): AofFileLoadResult {
    const w = this.window;
    // Read the rest of the file, to count the bytes left out.
    w.mark = -1;
    while (w.ensure(1)) w.pos = w.end;
    const fileEnd = w.offset();
    const validUpTo = this.inTransaction ? this.validBeforeTransaction : this.validUpTo;
    if (!this.options.loadTruncated) {
      throw new AofLoadError(
        this.options.fileName,
        validUpTo,
        `unexpected end of file${this.inTransaction ? ' inside a MULTI/EXEC transaction' : ''} (aof-load-truncated is off)`,
        this.options.checkCommand,
      );
    }
    this.result.revertedTransaction = this.inTransaction;
    this.result.validBytes = validUpTo - start;
    this.result.truncatedBytes = fileEnd - validUpTo;
    return this.result;
  }

  private formatError(offset: number, reason: string): never {
    throw new AofLoadError(this.options.fileName, offset, reason, this.options.checkCommand);
  }
}

function grow(array: Int32Array, size: number): Int32Array {
  const grown = new Int32Array(size);
  grown.set(array);
  return grown;
}

function describe(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? `'${String.fromCharCode(byte)}'` : `byte 0x${byte.toString(16)}`;
}

export interface AofDirLoadOptions {
  /** The directory of the log (dir/appenddirname). */
  dir: string;
  /** appendfilename: the manifest is <aofName>.manifest. */
  aofName: string;
  sink: CommandSink;
  rdb: Omit<RdbLoadOptions, 'fileName' | 'nowMs'>;
  loadTruncated: boolean;
  /** Opens each file (default: a FileSource); start-up passes one that reports progress. */
  openSource?: (path: string) => FileSource;
}

export interface AofDirLoadResult {
  manifest: AofManifest;
  /** One result per file loaded, base first. */
  files: AofFileLoadResult[];
}

/**
 * Loads a multi-part log as Redis 7 does (loadAppendOnlyFiles): the manifest, then the base file,
 * then each incremental file in order. Only the last file may have a truncated tail; a truncated
 * earlier file is an error. Returns null when the directory has no manifest (no log to load).
 */
export function loadAofDir(options: AofDirLoadOptions): AofDirLoadResult | null {
  const manifestPath = join(options.dir, manifestFileName(options.aofName));
  if (!existsSync(manifestPath)) return null;
  if (statSync(manifestPath).size > maxManifestBytes) {
    throw new AofManifestError(manifestPath, 0, `over ${maxManifestBytes} bytes`);
  }
  const manifest = parseManifest(readFileSync(manifestPath).toString('latin1'), manifestPath);
  const checkCommand = `redis-check-aof --fix ${manifestPath}`;
  const files = [...(manifest.base ? [manifest.base] : []), ...manifest.incremental];
  const results: AofFileLoadResult[] = [];
  files.forEach((file, index) => {
    const path = join(options.dir, file.name);
    if (!existsSync(path)) {
      throw new AofLoadError(path, 0, 'the file the manifest lists does not exist', checkCommand);
    }
    const source = options.openSource?.(path) ?? new FileSource(path);
    try {
      const last = index === files.length - 1;
      const result = loadAofFile(new ReadWindow(source), {
        fileName: path,
        checkCommand,
        sink: options.sink,
        rdb: options.rdb,
        loadTruncated: true,
      });
      if (result.truncatedBytes > 0 && (!last || !options.loadTruncated)) {
        throw new AofLoadError(
          path,
          result.validBytes,
          last
            ? 'unexpected end of file (aof-load-truncated is off)'
            : 'unexpected end of a file that is not the last one',
          checkCommand,
        );
      }
      results.push(result);
    } finally {
      source.close();
    }
  });
  return { manifest, files: results };
}
