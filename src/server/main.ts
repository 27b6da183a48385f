import { spawn } from 'node:child_process';
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { Commands } from '../commands/commands.js';
import { Transport } from '../io/transport.js';
import { expireCycleMs, idleCheckMs, maxPendingOutputBytes, shutdownTimeoutMs } from '../limits.js';
import { Dispatcher } from '../protocol/fkvs/dispatcher.js';
import { FkvsSessionFactory } from '../protocol/fkvs/session.js';
import { newServerInfo } from '../server-info.js';
import { ArenaStore } from '../store/arena-store.js';
import { ConfigError, parseServerArgs, type ServerConfig } from './config.js';
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
  const store = new ArenaStore({ maxMemoryBytes: config.maxMemoryBytes });
  const fkvs = new FkvsSessionFactory(new Dispatcher(new Commands(store, info)), log);
  log('Server starting');
  const transport = new Transport({ ...config, maxQueuedOutputBytes: maxPendingOutputBytes }, info);
  if (transport.fallbackReason !== null) {
    log(
      `io_uring unavailable (${transport.fallbackReason}); serving on epoll. ENOSYS/EPERM: blocked by a ` +
        "seccomp filter (Docker's and podman's default profiles) or by sysctl kernel.io_uring_disabled. " +
        'To use io_uring: docker/podman run --security-opt seccomp=deploy/seccomp-io-uring.json (in the ' +
        'fkvs repo), or on the host sysctl -w kernel.io_uring_disabled=0',
    );
  }
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
  // Handlers before the ready lines: a client that reacts to them at once may also stop us at once.
  const expiry = setInterval(() => store.expireCycle(Date.now()), expireCycleMs);
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
    await transport.shutdown(shutdownTimeoutMs);
    if (config.unixSocket !== null && existsSync(config.unixSocket)) unlinkSync(config.unixSocket);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  log(
    `Ready to accept connections via ${config.unixSocket === null ? `tcp on ${config.bind}:${config.port}` : `unix domain socket ${config.unixSocket}`}`,
  );
  log(`event-loop-kind: ${info.backend}`);
  if (info.backendFeatures !== '') log(`io_uring features: ${info.backendFeatures}`);
  log('allocator: v8');
}

main(process.argv.slice(2));
