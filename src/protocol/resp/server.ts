import { randomBytes } from 'node:crypto';
import type { Databases } from '../../commands/databases.js';
import type { EvictionSettings } from '../../commands/eviction-policy.js';
import type { RedisCommand } from '../../commands/redis-command.js';
import type { SessionFactory } from '../../io/session.js';
import { maxRespPendingOutputBytes, respOutputPauseBytes } from '../../limits.js';
import type { ServerInfo } from '../../server-info.js';
import { type AofStatus, noWriteLog, openWriteGate, type WriteGate, type WriteLog } from '../../write-log.js';
import { type CommandEntry, CommandRole, CommandTable } from './command-table.js';
import { connectionCommands } from './connection-commands.js';
import { LookAhead } from './look-ahead.js';
import type { ProtectedAction } from './protected-action.js';
import { RespWriter } from './reply-writer.js';
import { RespSession } from './session.js';
import { type ShutdownOptions, shutdownCommand } from './shutdown-command.js';
import {
  type RewriteControl,
  type SaveRule,
  type SnapshotControl,
  snapshotCommands,
} from './snapshot-commands.js';
import { WatchRegistry } from './watches.js';

/** The Redis front's settings; CONFIG SET changes the mutable ones at run time. */
export interface RespSettings {
  /** requirepass; '' for none (every connection starts authenticated). */
  requirepass: string;
  protectedMode: boolean;
  /** proto-max-bulk-len */
  maxBulkBytes: number;
  /** client-query-buffer-limit */
  maxQueryBufferBytes: number;
  /** As reported by CONFIG GET and INFO. */
  readonly port: number;
  readonly bind: string;
  readonly unixSocket: string;
  readonly maxClients: number;
  readonly maxMemoryBytes: number;
  /** The evictor's settings (the same object): CONFIG SET changes them in place. */
  readonly eviction: EvictionSettings;
  /** save: the snapshot rules ([] for none), dir (absolute) and dbfilename. */
  saveRules: readonly SaveRule[];
  /** stop-writes-on-bgsave-error: a failed BGSAVE turns writes away while save rules are set. */
  stopWritesOnBgsaveError: boolean;
  dir: string;
  dbFilename: string;
  /** auto-aof-rewrite-percentage (0: no automatic rewrite) and auto-aof-rewrite-min-size. */
  autoAofRewritePercentage: number;
  autoAofRewriteMinBytes: number;
  /** enable-protected-configs: who may CONFIG SET dir and dbfilename; set at start-up. */
  readonly enableProtectedConfigs: ProtectedAction;
  /** appendonly: CONFIG SET changes it through RespServer.appendonlyChanged (absent: no). */
  appendonly?: boolean;
  /** The append-only log's settings CONFIG GET reports (appendonly, appendfsync, dir, ...), set at start-up. */
  readonly persistence?: ReadonlyMap<string, string>;
}

/** Shortest time between two samples of instantaneous_ops_per_sec (Redis's cron samples every 100 ms). */
const opsSampleMs = 100;

/** Counters of the Redis front for INFO. */
export interface RespStats {
  connectionsReceived: number;
  commandsProcessed: number;
}

/**
 * The Redis front of one server: the command table, the shared reply writer, the sessions (CLIENT
 * LIST, KILL), the WATCH registry and the settings. The transport asks it for a session per
 * connection its RESP listeners accept.
 */
export class RespServer implements SessionFactory {
  readonly maxPendingOutputBytes = maxRespPendingOutputBytes;
  readonly outputPauseBytes = respOutputPauseBytes;
  readonly writer = new RespWriter();
  readonly watches = new WatchRegistry();
  readonly sessions = new Map<number, RespSession>();
  readonly table: CommandTable;
  readonly lookAhead: LookAhead;
  readonly stats: RespStats = { connectionsReceived: 0, commandsProcessed: 0 };
  /** Redis's run_id: 40 hex digits, new for every start. */
  readonly runId = randomBytes(20).toString('hex');
  /** SAVE, BGSAVE, LASTSAVE and INFO's snapshot fields; null where the program set up none (in-process tests). */
  snapshots: SnapshotControl | null = null;
  /** The append-only log every change goes to (written(), FLUSHDB). */
  writeLog: WriteLog = noWriteLog;
  /** Turns writes (and PING, as Redis) away while the server cannot persist (MISCONF). */
  writeGate: WriteGate = openWriteGate;
  /** BGREWRITEAOF and INFO's rewrite fields; null: no log to rewrite. */
  rewrite: RewriteControl | null = null;
  /** CONFIG SET appendonly turns the log on or off: null, or why it could not; null: not set up. */
  appendonlyChanged: ((on: boolean) => string | null) | null = null;
  /**
   * SHUTDOWN: stops the server as SIGTERM does, with the command's options; false when it stays up
   * (the reason logged). null: not set up (in-process tests).
   */
  shutdown: ((options: ShutdownOptions) => boolean) | null = null;
  /** What INFO persistence reports of that log; null: no log. */
  aofStatus: (() => AofStatus) | null = null;
  /** The highest used_memory INFO reported. */
  peakMemoryBytes = 0;
  /** instantaneous_ops_per_sec: the rate between two samples taken by INFO at least opsSampleMs apart. */
  private opsSampleMs = 0;
  private opsSampleCommands = 0;
  private opsRate = 0;
  private nextClientId = 1;

  constructor(
    /** The 16 databases; database 0 is the one FKVS serves. */
    readonly databases: Databases,
    readonly settings: RespSettings,
    readonly info: ServerInfo,
    dataCommands: readonly RedisCommand[],
    /** Closes another connection after its pending replies (CLIENT KILL). */
    readonly closeConnection: (connectionId: number) => void,
    /** "ip:port" of a connection's TCP peer, "" for a unix socket (protected mode, CLIENT LIST). */
    private readonly peerAddress: (connectionId: number) => string,
    /** The local end, "ip:port" or "path:0" (CLIENT LIST laddr); "" when not known. */
    private readonly localAddress: (connectionId: number) => string = () => '',
  ) {
    this.table = new CommandTable([
      ...connectionCommands,
      ...snapshotCommands,
      shutdownCommand,
      ...dataCommands.map(dataEntry),
    ]);
    this.lookAhead = new LookAhead(this.table);
  }

  /** Whole seconds from the server's start to nowMs: a small integer, for per-command bookkeeping. */
  secondOf(nowMs: number): number {
    return Math.floor((nowMs - this.info.startedAtMs) / 1000) | 0;
  }

  /**
   * Commands per second over the time since the last sample, taken when INFO asks at least
   * opsSampleMs after it: Redis samples every 100 ms from its cron; sampling on demand costs the
   * command path nothing. The first INFO reports the rate since start-up.
   */
  opsPerSecond(nowMs: number): number {
    const commands = this.stats.commandsProcessed;
    if (this.opsSampleMs === 0 || nowMs - this.opsSampleMs >= opsSampleMs) {
      const since = this.opsSampleMs === 0 ? this.info.startedAtMs : this.opsSampleMs;
      const elapsedMs = nowMs - since;
      this.opsRate = elapsedMs > 0 ? Math.round(((commands - this.opsSampleCommands) * 1000) / elapsedMs) : 0;
      this.opsSampleMs = nowMs;
      this.opsSampleCommands = commands;
    }
    return this.opsRate;
  }

  open(connectionId: number): RespSession {
    const session = new RespSession(
      this,
      connectionId,
      this.nextClientId++,
      this.peerAddress(connectionId),
      this.localAddress(connectionId),
      Date.now(),
    );
    this.sessions.set(connectionId, session);
    this.stats.connectionsReceived++;
    return session;
  }
}

/** A data command as a table entry: it runs against the session, its CommandContext. */
function dataEntry(command: RedisCommand): CommandEntry {
  return {
    name: command.name,
    arity: command.arity,
    flags: command.flags,
    firstKey: command.firstKey,
    lastKey: command.lastKey,
    keyStep: command.keyStep,
    role: CommandRole.normal,
    subcommands: [],
    run: (session, args, out) => command.run(session, args, out),
  };
}
