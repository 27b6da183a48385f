// The servers the end-to-end bench drives: ours (io_uring or epoll backend) and redis-server as the
// reference, each pinned to the server cores, with their CPU time and RSS read from /proc.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/support/server-process.js';

export type ServerKind = 'io_uring' | 'epoll' | 'redis';

/** How long a server may take to say it is ready. */
const startTimeoutMs = 15_000;
/** How long a server may take to exit after SIGTERM before it is killed. */
const stopTimeoutMs = 5_000;
/** Kernel clock ticks per second: the unit of utime and stime in /proc/<pid>/stat. */
const clockTicksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

export interface BenchServer {
  readonly kind: ServerKind;
  readonly port: number;
  /** Where Redis clients connect: redis-server's port, or our Redis front's (0: not listening). */
  readonly respPort: number;
  readonly pid: number;
  /** utime + stime of the whole process (every thread), in microseconds. */
  cpuMicros(): number;
  rssBytes(): number;
  keyCount(): Promise<number>;
  /** SIGSTOP / SIGCONT: a paused server runs no timers (Redis's cron rehashes and expires keys). */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

export function hasRedis(): boolean {
  return onPath('redis-server') && onPath('redis-benchmark');
}

export function redisVersion(): string {
  return execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim();
}

function onPath(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * `--resp-port 0` for a build that has the Redis front: its default port (6379) would be shared by
 * the servers of a run. A build from before it (an A/B against an old checkout) knows no such flag.
 */
function respPortOff(checkout: string): string[] {
  const config = readFileSync(join(checkout, 'dist/src/server/config.js'), 'utf8');
  const flags = config.includes("'resp-port'") ? ['--resp-port', '0'] : [];
  // Snapshots off, as redis-server's --save '' below: a build with save rules would save at each stop.
  return config.includes("key: 'save'") ? [...flags, '--save', ''] : flags;
}

/** What a bench row asks of a server beyond its kind. */
export interface ServerOptions {
  /** Ours: listen for Redis clients too (a free port, as BenchServer.respPort). */
  resp?: boolean;
  /** Flags after the defaults, for either server (Redis's names: both take --appendonly yes ...). */
  args?: string[];
  /** A fresh temporary --dir (the append-only log's), removed at stop. */
  dataDir?: boolean;
}

/**
 * Starts a server pinned to `cores` (a taskset list) and resolves once it is ready. Ours runs
 * `checkout`/bin/fkvs-server: this checkout by default, another built one for an A/B (bench/ab.ts).
 */
export async function startServer(
  kind: ServerKind,
  cores: string,
  nodeFlags: string[] = [],
  checkout = '.',
  options: ServerOptions = {},
): Promise<BenchServer> {
  const port = await freePort();
  const args = options.args ?? [];
  const dir = options.dataDir ? mkdtempSync(join(tmpdir(), 'fkvs-bench-')) : null;
  const dirArgs = dir === null ? [] : ['--dir', dir];
  let respPort = kind === 'redis' ? port : 0;
  let command: string[];
  if (kind === 'redis') {
    // Persistence off unless the row's flags turn it on (a later flag wins in redis-server).
    command = ['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', ''];
    command.push('--appendonly', 'no', '--protected-mode', 'no', '--daemonize', 'no', ...dirArgs, ...args);
  } else {
    let front = respPortOff(checkout);
    if (options.resp) {
      respPort = await freePort();
      front = front.map((flag, i) => (i > 0 && front[i - 1] === '--resp-port' ? String(respPort) : flag));
    }
    command = [process.execPath, ...nodeFlags, join(checkout, 'bin/fkvs-server'), '--port', String(port)];
    command.push('--use-io-uring', String(kind === 'io_uring'), ...front, ...dirArgs, ...args);
  }
  const child = spawn('taskset', ['-c', cores, ...command], { stdio: ['ignore', 'pipe', 'pipe'] });
  const removeDir = () => {
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
  };
  const ready = kind === 'redis' ? 'Ready to accept connections' : 'allocator: ';
  const output = await waitFor(child, ready).catch((error: Error) => {
    removeDir();
    throw error;
  });
  if (kind !== 'redis' && !output.includes(`event-loop-kind: ${kind}`)) {
    child.kill('SIGKILL');
    removeDir();
    throw new Error(`asked for the ${kind} backend, the server says otherwise:\n${output}`);
  }
  const pid = child.pid!;
  return {
    kind,
    port,
    respPort,
    pid,
    cpuMicros: () => processCpuMicros(pid),
    rssBytes: () => processRssBytes(pid),
    keyCount: () => (kind === 'redis' ? redisKeyCount(port) : fkvsKeyCount(port)),
    pause: () => process.kill(pid, 'SIGSTOP'),
    resume: () => process.kill(pid, 'SIGCONT'),
    stop: () => stopChild(child).finally(removeDir),
  };
}

function waitFor(child: ChildProcess, marker: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server not ready after ${startTimeoutMs} ms:\n${output}`));
    }, startTimeoutMs);
    const onData = (data: Buffer) => {
      output += data;
      if (output.includes(marker)) {
        clearTimeout(timer);
        resolve(output);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`server exited during start-up:\n${output}`));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export function processCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // The command name (field 2) may hold spaces; count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime: fields 14 and 15
  return (ticks * 1e6) / clockTicksPerSecond;
}

/** utime + stime of each thread of a process by its name (io_uring's iou-wrk-*, V8's workers...), in microseconds. */
export function threadCpuMicros(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
    } catch {
      continue; // the thread ended meanwhile
    }
    const name = tid === String(pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const micros = ((Number(fields[11]) + Number(fields[12])) * 1e6) / clockTicksPerSecond;
    byName.set(name, (byName.get(name) ?? 0) + micros);
  }
  return byName;
}

export function processRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'latin1');
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (match === null) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

async function redisKeyCount(port: number): Promise<number> {
  const text = execFileSync('redis-cli', ['-p', String(port), 'DBSIZE'], { encoding: 'utf8' });
  return Number(text.trim());
}

/** The `keys:` line of our INFO reply (one INFO frame, `00 01 07`). */
async function fkvsKeyCount(port: number): Promise<number> {
  const socket = net.connect(port, '127.0.0.1');
  let reply = Buffer.alloc(0);
  const text = await new Promise<string>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('connect', () => socket.write(Buffer.from([0, 1, 7])));
    socket.on('data', (chunk) => {
      reply = Buffer.concat([reply, chunk]);
      if (reply.length >= 2 && reply.length >= 2 + reply.readUInt16BE(0))
        resolve(reply.toString('latin1', 5));
    });
  });
  socket.destroy();
  const match = /^keys: (\d+)/m.exec(text);
  if (match === null) throw new Error(`INFO has no keys line:\n${text}`);
  return Number(match[1]);
}
