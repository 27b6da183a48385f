import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Commands } from '../commands/commands.js';
import { dataCommands } from '../commands/data-commands.js';
import { Databases } from '../commands/databases.js';
import { addon } from '../io/native.js';
import { Transport } from '../io/transport.js';
import {
  expireCycleMs,
  idleCheckMs,
  maxPendingOutputBytes,
  memoryReleaseCheckMs,
  shutdownTimeoutMs,
} from '../limits.js';
import type { AofManifest } from '../persistence/aof-manifest.js';
import { AppendLog } from '../persistence/append-log.js';
import { Dispatcher } from '../protocol/fkvs/dispatcher.js';
import { FkvsSessionFactory } from '../protocol/fkvs/session.js';
import { RespServer } from '../protocol/resp/server.js';
import type { ShutdownOptions } from '../protocol/resp/shutdown-command.js';
import { newServerInfo } from '../server-info.js';
import { entryUnknown } from '../write-log.js';
import { AofRewrite } from './aof-rewrite.js';
import { AppendOnly } from './append-only.js';
import { AppendOnlySwitch, readManifest } from './append-only-switch.js';
import { ConfigError, parseServerArgs, type ServerConfig } from './config.js';
import { fallbackFacts, fallbackMessage } from './fallback-message.js';
import { log } from './log.js';
import { MemoryRelease } from './memory-release.js';
import { Snapshots } from './snapshots.js';
import { loadAtStartup } from './startup-load.js';
import { raiseInliningBudget } from './v8-inlining.js';
import { ServerWriteGate } from './write-gate.js';

/** Set in a daemonized child so it does not daemonize again. */
const daemonChildEnv = 'FKVS_DAEMON_CHILD';

function main(argv: string[]): void {
  let config: ServerConfig;
  try {
    const args = parseServerArgs(argv);
    if (args.kind !== 'run') {
      process.stdout.write(`${args.text}\n`);
      return;
    }
    config = args.config;
    for (const warning of args.warnings) log(warning);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`fkvs-server: ${error.message}\n`);
    process.exit(1);
  }
  if (config.daemonize && process.env[daemonChildEnv] === undefined) {
    // Node cannot fork: start a detached copy of this command and leave.
    const child = spawn(process.execPath, process.argv.slice(1), {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, [daemonChildEnv]: '1' },
    });
    child.unref();
    return;
  }
  serve(config);
}

function serve(config: ServerConfig): void {
  raiseInliningBudget();
  if (config.showLogo) {
    if (existsSync('logo.txt')) process.stdout.write(readFileSync('logo.txt', 'utf8'));
    else log('show-logo: logo.txt not found in the working directory');
  }
  const info = newServerInfo();
  info.port = config.unixSocket === null ? config.port : 0;
  info.configFile = config.configFile ?? '(embedded default)';
  info.eventLoopMaxEvents = config.eventLoopMaxEvents;
  // Database 0 is FKVS's store; the Redis front's 15 others share the same maxmemory. Values as
  // large as a Redis bulk may be are stored (FKVS GET of one over its frame gets the ERROR frame).
  const databases = new Databases({
    maxMemoryBytes: config.maxMemoryBytes,
    maxValueBytes: config.protoMaxBulkLenBytes,
    eviction: config.eviction,
    // Huge pages for the arena and the table: one fault per 2 MiB of new keys, not per 4 KiB.
    adviseMemory: (buffer) => addon.adviseHugePages(buffer),
  });
  const store = databases.get(0);
  const commands = new Commands(store, info);
  const fkvs = new FkvsSessionFactory(new Dispatcher(commands), log);
  log('Server starting');
  // Each listener sets its connections' queue limit from its factory; this one is for none.
  const transport = new Transport({ ...config, maxQueuedOutputBytes: maxPendingOutputBytes }, info);
  const resp = new RespServer(
    databases,
    {
      requirepass: config.requirepass,
      protectedMode: config.protectedMode,
      maxBulkBytes: config.protoMaxBulkLenBytes,
      maxQueryBufferBytes: config.clientQueryBufferLimitBytes,
      port: config.respPort,
      bind: config.bind,
      unixSocket: config.respUnixSocket ?? '',
      maxClients: config.maxClients,
      maxMemoryBytes: config.maxMemoryBytes,
      eviction: config.eviction,
      saveRules: config.saveRules,
      stopWritesOnBgsaveError: config.stopWritesOnBgsaveError,
      enableProtectedConfigs: config.enableProtectedConfigs,
      dir: resolve(config.dir),
      dbFilename: config.dbFilename,
      autoAofRewritePercentage: config.autoAofRewritePercentage,
      autoAofRewriteMinBytes: config.autoAofRewriteMinBytes,
      appendonly: config.appendonly,
      persistence: new Map([
        ['appendfsync', config.appendfsync],
        ['appendfilename', config.appendfilename],
        ['appenddirname', config.appenddirname],
        ['aof-load-truncated', config.aofLoadTruncated ? 'yes' : 'no'],
      ]),
    },
    info,
    dataCommands,
    (id) => transport.native.close(id, true),
    (id) => transport.native.peerAddress(id),
    (id) => transport.native.localAddress(id),
  );
  // Before the log is attached, so that the replay is not logged again.
  let manifest: AofManifest | null;
  try {
    manifest = loadAtStartup(
      {
        appendonly: config.appendonly,
        directory: config.dir,
        aofDirName: config.appenddirname,
        aofName: config.appendfilename,
        loadTruncated: config.aofLoadTruncated,
        skipOtherTypes: config.loadSkipOtherTypes,
        dbFilename: config.dbFilename,
      },
      databases,
      resp,
      log,
    );
  } catch (error) {
    log(`Fatal error loading the data at start-up: ${(error as Error).message}`);
    transport.native.destroy();
    process.exit(1);
  }
  // After the load: what it set is not a change to save (Redis's dirty starts at 0).
  const snapshots = new Snapshots(databases, resp.settings, transport, log, info.startedAtMs);
  resp.snapshots = snapshots;
  // An evicted key is a change, told as a delete's is: the transactions that WATCH it abort (as in
  // Redis), and the append-only log (once open) records a DEL, else a replay would bring it back.
  databases.evictor.evicted = (db, bytes, offset, length) => {
    resp.watches.touch(db, bytes, offset, length);
    resp.writeLog.keyWritten(db, bytes, offset, length, entryUnknown);
  };
  // The log exists whether appendonly is on or not: CONFIG SET appendonly turns it on and off, and
  // BGREWRITEAOF with it off writes a base and a manifest (as Redis 7.0).
  const appendLog = new AppendLog((db) => databases.existing(db));
  // As Redis: a failed snapshot's refusal first, then the log's.
  const writeGate = new ServerWriteGate(snapshots, appendLog);
  resp.writeGate = writeGate;
  commands.writeGate = writeGate;
  const aofDirectory = join(config.dir, config.appenddirname);
  const appendOnly = new AppendOnly(
    transport,
    appendLog,
    { directory: aofDirectory, aofName: config.appendfilename, fsync: config.appendfsync },
    log,
  );
  try {
    if (config.appendonly) appendOnly.open(manifest, databases);
    else appendOnly.adopt(readManifest(aofDirectory, config.appendfilename));
  } catch (error) {
    log(`Cannot open the append-only log: ${(error as Error).message}. Exiting.`);
    transport.native.destroy();
    process.exit(1);
  }
  resp.aofStatus = () => appendOnly.status();
  const rewrite = new AofRewrite(
    databases,
    transport,
    resp.settings,
    appendOnly,
    snapshots,
    aofDirectory,
    config.appendfilename,
    log,
  );
  resp.rewrite = rewrite;
  snapshots.otherJob = () => rewrite.inProgress;
  const logSwitch = new AppendOnlySwitch(
    appendOnly,
    appendLog,
    rewrite,
    resp,
    commands,
    transport,
    config.appendfsync === 'always',
    log,
  );
  resp.appendonlyChanged = (on) => logSwitch.set(on);
  if (config.appendonly) logSwitch.attach();
  // FKVS writes to database 0 abort the transactions that watch their keys, as RESP writes do,
  // and go to the append-only log. The size test keeps touch() (which names the key) out of the
  // SET path V8 inlines while nobody watches.
  const watches = resp.watches;
  commands.written = (bytes, offset, length, entry) => {
    if (watches.size !== 0) watches.touch(0, bytes, offset, length);
    resp.writeLog.keyWritten(0, bytes, offset, length, entry);
  };
  if (transport.fallbackReason !== null) log(fallbackMessage(fallbackFacts(transport.fallbackReason)));
  info.backend = transport.native.backend;
  info.backendFeatures = transport.native.features;
  try {
    if (config.unixSocket !== null) transport.listenUnix(config.unixSocket, fkvs);
    else transport.listenTcp(config.bind, config.port, fkvs);
  } catch (error) {
    log(`Failed to start the server: ${(error as Error).message}. Exiting.`);
    transport.native.destroy();
    process.exit(1);
  }
  try {
    if (config.respPort !== 0) transport.listenTcp(config.bind, config.respPort, resp);
  } catch (error) {
    log(
      `Failed to listen for the Redis protocol on ${config.bind}:${config.respPort}: ${(error as Error).message}. ` +
        'Set resp-port to a free port, or to 0 to turn the Redis protocol off. Exiting.',
    );
    transport.native.destroy();
    process.exit(1);
  }
  try {
    if (config.respUnixSocket !== null) transport.listenUnix(config.respUnixSocket, resp);
  } catch (error) {
    log(
      `Failed to listen for the Redis protocol on resp-unixsocket ${config.respUnixSocket}: ${(error as Error).message}. Exiting.`,
    );
    transport.native.destroy();
    process.exit(1);
  }
  // Handlers before the ready lines: a client that reacts to them at once may also stop us at once.
  const expiry = setInterval(() => {
    const now = Date.now();
    for (let db = 0; db < databases.count; db++) databases.existing(db)?.expireCycle(now);
  }, expireCycleMs);
  const idleMs = config.idleTimeoutSeconds * 1000;
  const idleCheck =
    idleMs > 0 ? setInterval(() => transport.closeIdle(Date.now(), idleMs), idleCheckMs) : null;
  const memory = new MemoryRelease(info, () => transport.native.releaseMemory());
  const memoryCheck = setInterval(() => memory.check(), memoryReleaseCheckMs);
  let stopping = false;
  const exit = async () => {
    clearInterval(expiry);
    if (idleCheck !== null) clearInterval(idleCheck);
    clearInterval(memoryCheck);
    // The addon's totals (syscalls, batches, events, sends...): what docs/transport.md measures.
    log(`transport counters: ${JSON.stringify(transport.native.counters())}`);
    // Stops listening first: the addon removes the unix socket file then, if it is still ours.
    // After the last replies, the log's last bytes are written and synced before the backend goes.
    await transport.shutdown(shutdownTimeoutMs, () => appendOnly.close());
    process.exit(0);
  };
  /** Stops as Redis's prepareForShutdown; false when the server stays up (the reason logged). */
  const stop = (reason: string, options: ShutdownOptions): boolean => {
    if (stopping) return true;
    log(reason);
    // As Redis: a rewrite is given up; the dump is saved first (with save rules set, or SHUTDOWN
    // SAVE); if that fails the server stays up, unless forced.
    const refused = () => {
      log('Errors trying to shut down the server. Check the logs for more information.');
      return false;
    };
    if (logSwitch.writingInitialLog) {
      // As Redis: the log's first base is not written yet; stopping now would leave no log.
      if (!options.force) {
        log("Writing initial AOF, can't exit.");
        return refused();
      }
      log('Writing initial AOF. Exit anyway.');
    }
    rewrite.shutdown();
    if (!snapshots.shutdown(options)) return refused();
    stopping = true;
    void exit();
    return true;
  };
  const bySignal = { save: 'rules', force: false } as const;
  process.on('SIGINT', () => stop('SIGINT received: closing connections and exiting', bySignal));
  process.on('SIGTERM', () => stop('SIGTERM received: closing connections and exiting', bySignal));
  resp.shutdown = (options) => stop('User requested shutdown...', options);
  if (config.unixSocket === null && !isLoopback(config.bind)) {
    log(
      `WARNING: bind ${config.bind} is not a loopback address and FKVS has no authentication: ` +
        `anyone who reaches port ${config.port} can read and change every key`,
    );
  }
  log(
    `Ready to accept connections via ${config.unixSocket === null ? `tcp on ${config.bind}:${config.port}` : `unix domain socket ${config.unixSocket}`}`,
  );
  if (config.respPort !== 0) log(`Redis protocol (RESP) on tcp ${config.bind}:${config.respPort}`);
  if (config.respUnixSocket !== null)
    log(`Redis protocol (RESP) on unix domain socket ${config.respUnixSocket}`);
  log(`event-loop-kind: ${info.backend}`);
  if (info.backendFeatures !== '') log(`io_uring features: ${info.backendFeatures}`);
  log('allocator: v8');
}

/** 127.0.0.0/8, ::1 and IPv4-mapped 127.x: only this machine can connect. */
function isLoopback(address: string): boolean {
  return /^(::ffff:)?127\./i.test(address) || address === '::1';
}

main(process.argv.slice(2));
