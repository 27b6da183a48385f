import { wrongArityError } from '../../commands/redis-arguments.js';
import type { Arguments, CommandContext } from '../../commands/redis-command.js';
import type { OutputBuffer } from '../../io/output-buffer.js';
import { type ProtocolSession, SessionStatus } from '../../io/session.js';
import { maxQueuedBytes, maxQueuedCommands, maxWatchedKeys } from '../../limits.js';
import { entryUnknown } from '../../write-log.js';
import { arityFits, type CommandEntry, CommandRole } from './command-table.js';
import { commandError } from './errors.js';
import type { RespVersion } from './reply-writer.js';
import { ParseStatus, RequestParser } from './request-parser.js';
import type { RespServer } from './server.js';
import { subcommandError } from './subcommands.js';
import type { Watcher } from './watches.js';

/** Redis 7's reply to a client refused by protected mode (it sends it on accept; we on its first bytes). */
const protectedModeError =
  "DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.";

/** 127.0.0.0/8, ::1 and IPv4-mapped 127.x: Redis's loopback clients. */
export function isLoopbackPeer(peer: string): boolean {
  const host = peer.slice(0, peer.lastIndexOf(':'));
  return host.startsWith('127.') || host === '::1' || host.startsWith('::ffff:127.');
}

/** A key watched by this connection, and its deadline at WATCH time (EXEC aborts once it passed). */
interface WatchedKey {
  db: number;
  key: string;
  deadlineMs: number;
}

/**
 * One Redis connection: its parser, protocol version, selected database, authentication, name and
 * transaction state. Runs each parsed command through the server's table and writes its reply with
 * the server's RespWriter into the connection's output buffer. Implements the CommandContext the
 * data commands run against.
 */
export class RespSession implements ProtocolSession, CommandContext, Watcher {
  readonly parser: RequestParser;
  version: RespVersion = 2;
  db = 0;
  store: CommandContext['store'];
  nowMs = 0;
  authenticated: boolean;
  name = '';
  libName = '';
  libVersion = '';
  readonly createdMs: number;
  /**
   * When the last command ran, in whole seconds since the server started (CLIENT LIST idle=): a
   * small integer, because storing a double per command allocates a HeapNumber each time.
   */
  lastCommandSecond = 0;
  /** The second of the bytes being fed, set once per feed. */
  private feedSecond = 0;
  /** Name of the last command run (CLIENT LIST cmd=). */
  lastCommand = 'NULL';
  /** Set by QUIT and CLIENT KILL: the session stops after the current reply. */
  closing = false;
  watchDirty = false;
  /** Checked by protected mode on the first bytes. */
  private admitted = false;
  readonly watched: WatchedKey[] = [];
  /** MULTI state: queued commands' arguments copied into queueBytes, their ranges, their entries. */
  inMulti = false;
  multiFailed = false;
  private queueBytes: Uint8Array | null = null;
  private queueBytesUsed = 0;
  private queueOffsets = new Int32Array(0);
  private queueLengths = new Int32Array(0);
  private queueArguments = 0;
  private readonly queued: CommandEntry[] = [];
  /** The argument count of each queued command. */
  private readonly queuedCounts: number[] = [];
  private readonly execArgs: Arguments = {
    bytes: new Uint8Array(0),
    offsets: new Int32Array(0),
    lengths: new Int32Array(0),
    count: 0,
  };
  private out: OutputBuffer | null = null;

  constructor(
    readonly server: RespServer,
    readonly connectionId: number,
    readonly clientId: number,
    /** "ip:port" of a TCP peer, "" on a unix socket. */
    readonly peer: string,
    /** "ip:port" or "path:0" of the local end; "" when not known. */
    readonly local: string,
    nowMs: number,
  ) {
    this.parser = new RequestParser(server.settings);
    this.store = server.databases.get(0);
    this.authenticated = server.settings.requirepass === '';
    this.parser.authenticated = this.authenticated;
    this.createdMs = nowMs;
    this.lastCommandSecond = server.secondOf(nowMs);
  }

  /** Redis's protected mode: no password, and a client from elsewhere than this host. */
  private refusedByProtectedMode(): boolean {
    const settings = this.server.settings;
    return (
      settings.protectedMode && settings.requirepass === '' && this.peer !== '' && !isLoopbackPeer(this.peer)
    );
  }

  feed(bytes: Uint8Array, offset: number, length: number, out: OutputBuffer, nowMs: number): number {
    this.nowMs = nowMs;
    this.store.nowMs = nowMs;
    this.feedSecond = this.server.secondOf(nowMs);
    this.out = out;
    this.server.writer.begin(out, this.version);
    if (!this.admitted) {
      this.admitted = !this.refusedByProtectedMode();
      if (!this.admitted) {
        this.server.writer.error(protectedModeError);
        return SessionStatus.closeAfterReplies;
      }
    }
    this.server.lookAhead.begin(bytes, offset, length, this.store);
    const status = this.parser.feed(bytes, offset, length, this);
    this.server.lookAhead.end();
    if (status === ParseStatus.protocolError) {
      this.server.writer.error(this.parser.errorText);
      return this.server.writer.overflowed ? SessionStatus.closeNow : SessionStatus.closeAfterReplies;
    }
    if (status === ParseStatus.queryBufferLimit) return SessionStatus.closeNow;
    return status;
  }

  closed(): void {
    this.unwatchAll();
    this.discardQueue();
    this.parser.reset();
    this.server.sessions.delete(this.connectionId);
  }

  database(index: number): CommandContext['store'] {
    return this.server.databases.get(index);
  }

  written(bytes: Uint8Array, offset: number, length: number, db: number, entry = entryUnknown): void {
    this.server.watches.touch(db, bytes, offset, length);
    this.server.writeLog.keyWritten(db, bytes, offset, length, entry);
  }

  /** One parsed command: look-up, arity, authentication, MULTI's refusals and queueing, then its handler. */
  onCommand(args: Arguments): number {
    const server = this.server;
    const out = server.writer;
    server.lookAhead.before(args.bytes, this.parser.commandStart);
    const entry = server.table.find(args.bytes, args.offsets[0], args.lengths[0]);
    server.stats.commandsProcessed++;
    this.lastCommandSecond = this.feedSecond;
    if (entry === undefined) {
      this.multiFailed = this.inMulti;
      out.error(commandError.unknownCommand(args));
    } else if (!arityFits(entry.arity, args.count)) {
      this.multiFailed = this.inMulti;
      out.error(wrongArityError(entry.name));
    } else if (entry.subcommands.length > 0 && subcommandError(entry, args) !== null) {
      this.multiFailed = this.inMulti;
      out.error(subcommandError(entry, args)!);
    } else if (!this.authenticated && entry.role !== CommandRole.noAuth) {
      this.multiFailed = this.inMulti;
      out.error('NOAUTH Authentication required.');
    } else if (this.inMulti && entry.flags.includes('no_multi')) {
      this.multiFailed = true; // SAVE, SHUTDOWN: as Redis's processCommand
      out.error('ERR Command not allowed inside a transaction');
    } else if (
      server.writeGate.refusal !== null &&
      (entry.flags.includes('write') || entry.name === 'ping') // PING too: Redis's processCommand
    ) {
      this.multiFailed = this.inMulti; // as Redis's flagTransaction
      out.error(server.writeGate.refusal);
    } else if (this.inMulti && entry.role === CommandRole.normal) {
      this.queue(entry, args);
    } else {
      this.lastCommand = entry.name;
      entry.run(this, args, out);
    }
    if (out.overflowed) return SessionStatus.closeNow;
    return this.closing ? SessionStatus.closeAfterReplies : SessionStatus.ok;
  }

  /** SELECT and HELLO's effects on later commands. */
  selectDatabase(db: number): void {
    this.db = db;
    this.store = this.server.databases.get(db);
    this.store.nowMs = this.nowMs;
  }

  setAuthenticated(): void {
    this.authenticated = true;
    this.parser.authenticated = true;
  }

  /** Switches the encoding of this and later replies (HELLO). */
  setVersion(version: RespVersion): void {
    this.version = version;
    this.server.writer.version = version;
  }

  watch(key: string, deadlineMs: number): boolean {
    if (this.watched.some((w) => w.db === this.db && w.key === key)) return true;
    if (this.watched.length >= maxWatchedKeys) return false;
    this.watched.push({ db: this.db, key, deadlineMs });
    this.server.watches.add(this.db, key, this);
    return true;
  }

  unwatchAll(): void {
    for (const w of this.watched) this.server.watches.remove(w.db, w.key, this);
    this.watched.length = 0;
    this.watchDirty = false;
  }

  /** Whether EXEC must abort: a watched key was written, or its deadline passed, since WATCH. */
  watchBroken(): boolean {
    if (this.watchDirty) return true;
    for (const w of this.watched) if (w.deadlineMs !== 0 && w.deadlineMs <= this.nowMs) return true;
    return false;
  }

  beginMulti(): void {
    this.inMulti = true;
    this.multiFailed = false;
  }

  /** Runs the queued commands (EXEC), their replies in one array; the queue is emptied. */
  runQueued(): void {
    const out = this.server.writer;
    const count = this.queued.length;
    out.array(count);
    const args = this.execArgs;
    args.bytes = this.queueBytes ?? args.bytes;
    let first = 0;
    for (let i = 0; i < count; i++) {
      const n = this.queuedCounts[i];
      if (args.offsets.length < n) {
        args.offsets = new Int32Array(n);
        args.lengths = new Int32Array(n);
      }
      for (let j = 0; j < n; j++) {
        args.offsets[j] = this.queueOffsets[first + j];
        args.lengths[j] = this.queueLengths[first + j];
      }
      args.count = n;
      first += n;
      this.lastCommand = this.queued[i].name;
      this.queued[i].run(this, args, out);
    }
    this.discardQueue();
  }

  discardQueue(): void {
    this.inMulti = false;
    this.multiFailed = false;
    this.queued.length = 0;
    this.queuedCounts.length = 0;
    this.queueArguments = 0;
    this.queueBytesUsed = 0;
    if (this.queueBytes !== null && this.queueBytes.length > 64 * 1024) this.queueBytes = null;
  }

  /** Copies the command out of the receive buffer into the queue (the buffer is reused after this read). */
  private queue(entry: CommandEntry, args: Arguments): void {
    const out = this.server.writer;
    let bytes = 0;
    for (let i = 0; i < args.count; i++) bytes += args.lengths[i];
    if (this.queued.length >= maxQueuedCommands || this.queueBytesUsed + bytes > maxQueuedBytes) {
      this.multiFailed = true;
      out.error(`ERR MULTI queue over its limit (${maxQueuedCommands} commands, ${maxQueuedBytes} bytes)`);
      return;
    }
    this.reserveQueue(bytes, args.count);
    const queueBytes = this.queueBytes!;
    for (let i = 0; i < args.count; i++) {
      const offset = args.offsets[i];
      const length = args.lengths[i];
      queueBytes.set(args.bytes.subarray(offset, offset + length), this.queueBytesUsed);
      this.queueOffsets[this.queueArguments] = this.queueBytesUsed;
      this.queueLengths[this.queueArguments] = length;
      this.queueArguments++;
      this.queueBytesUsed += length;
    }
    this.queued.push(entry);
    this.queuedCounts.push(args.count);
    out.status('QUEUED');
  }

  private reserveQueue(bytes: number, count: number): void {
    const neededBytes = this.queueBytesUsed + bytes;
    if (this.queueBytes === null || this.queueBytes.length < neededBytes) {
      const grown = new Uint8Array(Math.max(1024, 2 * neededBytes));
      if (this.queueBytes !== null) grown.set(this.queueBytes.subarray(0, this.queueBytesUsed));
      this.queueBytes = grown;
    }
    const neededArguments = this.queueArguments + count;
    if (this.queueOffsets.length < neededArguments) {
      const size = Math.max(64, 2 * neededArguments);
      const offsets = new Int32Array(size);
      const lengths = new Int32Array(size);
      offsets.set(this.queueOffsets.subarray(0, this.queueArguments));
      lengths.set(this.queueLengths.subarray(0, this.queueArguments));
      this.queueOffsets = offsets;
      this.queueLengths = lengths;
    }
  }

  /** The connection's pending output (CLIENT LIST omem). */
  get pendingOutputBytes(): number {
    return this.out === null ? 0 : this.out.pendingBytes;
  }

  get queuedCount(): number {
    return this.queued.length;
  }
}
