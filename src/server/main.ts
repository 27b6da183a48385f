import { spawn } from 'node:child_process';
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { Dispatcher } from '../commands/dispatcher.js';
import { Transport } from '../io/transport.js';
import { expireCycleMs } from '../limits.js';
import { ArenaStore } from '../store/arena-store.js';
import { ConfigError, parseServerArgs, type ServerConfig } from './config.js';
import { fallbackFacts, fallbackMessage } from './fallback-message.js';
import { log } from './log.js';
import { newServerInfo } from './server-info.js';

/** How long a graceful stop may take to flush replies before connections are cut. */
export const shutdownTimeoutMs = 5000;
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
  const dispatcher = new Dispatcher(store, info);
  log('Server starting');
  const transport = new Transport({ ...config, log }, dispatcher, info);
  if (transport.fallbackReason !== null) log(fallbackMessage(fallbackFacts(transport.fallbackReason)));
  info.backend = transport.native.backend;
  info.backendFeatures = transport.native.features;
  try {
    if (config.unixSocket !== null) transport.listenUnix(config.unixSocket);
    else transport.listenTcp(config.bind, config.port);
  } catch (error) {
    log(`Failed to start the server: ${(error as Error).message}. Exiting.`);
    transport.native.destroy();
    process.exit(1);
  }
  // Handlers before the ready lines: a client that reacts to them at once may also stop us at once.
  const expiry = setInterval(() => store.expireCycle(Date.now()), expireCycleMs);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal} received: closing connections and exiting`);
    clearInterval(expiry);
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
