import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { Commands } from '../commands/commands.js';
import { dataCommands } from '../commands/data-commands.js';
import { Databases } from '../commands/databases.js';
import { Transport } from '../io/transport.js';
import {
  expireCycleMs,
  idleCheckMs,
  maxPendingOutputBytes,
  maxRespPendingOutputBytes,
  shutdownTimeoutMs,
} from '../limits.js';
import { Dispatcher } from '../protocol/fkvs/dispatcher.js';
import { FkvsSessionFactory } from '../protocol/fkvs/session.js';
import { RespServer } from '../protocol/resp/server.js';
import { newServerInfo } from '../server-info.js';
import { ConfigError, parseServerArgs, type ServerConfig } from './config.js';
import { fallbackFacts, fallbackMessage } from './fallback-message.js';
import { log } from './log.js';

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
  });
  const store = databases.get(0);
  const commands = new Commands(store, info);
  const fkvs = new FkvsSessionFactory(new Dispatcher(commands), log);
  const respOn = config.respPort !== 0 || config.respUnixSocket !== null;
  log('Server starting');
  // The addon's queue limit is one for all listeners: the Redis front's replies can be far larger.
  const maxQueuedOutputBytes = respOn ? maxRespPendingOutputBytes : maxPendingOutputBytes;
  const transport = new Transport({ ...config, maxQueuedOutputBytes }, info);
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
    },
    info,
    dataCommands,
    (id) => transport.native.close(id, true),
    (id) => transport.native.peerAddress(id),
  );
  // FKVS writes to database 0 abort the transactions that watch their keys, as RESP writes do.
  commands.written = (bytes, offset, length) => resp.watches.touch(0, bytes, offset, length);
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
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal} received: closing connections and exiting`);
    clearInterval(expiry);
    if (idleCheck !== null) clearInterval(idleCheck);
    // The addon's totals (syscalls, batches, events, sends...): what docs/transport.md measures.
    log(`transport counters: ${JSON.stringify(transport.native.counters())}`);
    // Stops listening first: the addon removes the unix socket file then, if it is still ours.
    await transport.shutdown(shutdownTimeoutMs);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
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
