// A snapshot of N keys (default 10M) under a concurrent P1 client: fkvs's BGSAVE (sliced, point in
// time) beside redis-server 7.0's BGSAVE (fork) and SAVE of the same keys, in the same run; then each
// server restarted on its dump, timed to ready (load keys/s). Mode `rewrite`: both servers with
// `appendonly yes` (everysec, no automatic rewrite), filled through the log, then BGREWRITEAOF
// under the same P1 client, and each restarted on its rewritten log. Servers pinned to core 0,
// this process (the load) should be pinned to core 1:
//   taskset -c 1 node dist/bench/snapshot.js [keys] [fkvs|redis|both] [bgsave|rewrite]
// (under /work/wt/cpu-exclusive here). Prints the time, bytes, fkvs's slices (its log: how many,
// how many over 1 ms, the longest), and the P1 client's p50/p99/max.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { processCpuMicros, threadCpuMicros } from './e2e-servers.js';

const keys = Number(process.argv[2] ?? 10_000_000);
const valueBytes = 16;
const fillBatch = 10_000;
const startTimeoutMs = 120_000;

interface Server {
  child: ChildProcess;
  socket: string;
  log: () => string;
}

type Kind = 'fkvs' | 'redis';
type Mode = 'bgsave' | 'rewrite';

/** The log's settings of the rewrite mode, the same for both servers. */
const logArgs = ['--appendonly', 'yes', '--appendfsync', 'everysec', '--auto-aof-rewrite-percentage', '0'];

function start(kind: Kind, dir: string, mode: Mode): Promise<Server> {
  const socket = join(dir, `${kind}.sock`);
  const command =
    kind === 'fkvs'
      ? [process.execPath, 'bin/fkvs-server', '--resp-port', '0', '--unixsocket', join(dir, 'f.sock')]
      : ['redis-server', '--port', '0', '--unixsocket', socket, '--daemonize', 'no'];
  const persistence = mode === 'rewrite' ? logArgs : kind === 'redis' ? ['--appendonly', 'no'] : [];
  const args =
    kind === 'fkvs'
      ? [
          ...command,
          '--resp-unixsocket',
          socket,
          '--dir',
          dir,
          '--save',
          '',
          '--maxmemory',
          '8gb',
          ...persistence,
        ]
      : [...command, '--dir', dir, '--save', '', ...persistence];
  const child = spawn('taskset', ['-c', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d) => {
    log += d;
  });
  child.stderr!.on('data', (d) => {
    log += d;
  });
  // Redis 7.0 on a unix socket alone says "The server is now ready to accept connections at <path>".
  const ready = kind === 'fkvs' ? /allocator: / : /ready to accept connections/i;
  return new Promise((resolve, reject) => {
    // Start-up loads the dump or the log: 10M keys take seconds, not minutes.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${kind} not ready after ${startTimeoutMs} ms:\n${log}`));
    }, startTimeoutMs);
    const check = () => {
      if (!ready.test(log)) return;
      clearTimeout(timer);
      resolve({ child, socket, log: () => log });
    };
    child.stdout!.on('data', check);
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`${kind} exited:\n${log}`));
    });
  });
}

async function stop(server: Server): Promise<void> {
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGKILL');
  await exited;
}

/** A connection that sends raw bytes and counts whole replies (+, -, :, $ replies; no arrays). */
class Connection {
  private pending = Buffer.alloc(0);
  private wanted = 0;
  private got = 0;
  private wake: (() => void) | null = null;
  last = '';

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.pending = this.pending.length === 0 ? d : Buffer.concat([this.pending, d]);
      this.count();
    });
  }

  static async open(path: string): Promise<Connection> {
    const socket = net.connect({ path });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new Connection(socket);
  }

  /** Sends bytes holding `replies` commands; resolves when their replies are in. */
  send(bytes: Buffer, replies: number): Promise<void> {
    this.wanted += replies;
    this.socket.write(bytes);
    return new Promise((resolve) => {
      this.wake = resolve;
      this.count();
    });
  }

  command(...args: string[]): Promise<void> {
    return this.send(encode(args), 1);
  }

  close(): void {
    this.socket.destroy();
  }

  private count(): void {
    let at = 0;
    const b = this.pending;
    for (;;) {
      const end = b.indexOf('\r\n', at);
      if (end < 0) break;
      let next = end + 2;
      if (b[at] === 0x24) {
        const n = Number(b.toString('latin1', at + 1, end));
        if (n >= 0) {
          if (b.length < next + n + 2) break;
          next += n + 2;
        }
      }
      this.last = b.toString('latin1', at, next);
      this.got++;
      at = next;
    }
    this.pending = b.subarray(at);
    if (this.got >= this.wanted && this.wake !== null) {
      const wake = this.wake;
      this.wake = null;
      wake();
    }
  }
}

function encode(args: string[]): Buffer {
  return Buffer.from(
    `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`,
  );
}

async function fill(connection: Connection): Promise<number> {
  const started = performance.now();
  const value = 'v'.repeat(valueBytes);
  for (let from = 0; from < keys; from += fillBatch) {
    let text = '';
    const to = Math.min(keys, from + fillBatch);
    for (let i = from; i < to; i++) {
      const key = `key:${String(i).padStart(12, '0')}`;
      text += `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${valueBytes}\r\n${value}\r\n`;
    }
    await connection.send(Buffer.from(text, 'latin1'), to - from);
  }
  return performance.now() - started;
}

async function infoField(connection: Connection, field: string): Promise<string> {
  await connection.command('INFO', 'persistence');
  const line = connection.last.split('\r\n').find((l) => l.startsWith(`${field}:`));
  return line === undefined ? '' : line.slice(field.length + 1);
}

/** What a mode runs in the background, and the INFO persistence field that is 1 while it runs. */
const job: Record<Mode, { command: string; inProgress: string }> = {
  bgsave: { command: 'BGSAVE', inProgress: 'rdb_bgsave_in_progress' },
  rewrite: { command: 'BGREWRITEAOF', inProgress: 'aof_rewrite_in_progress' },
};

/** BGSAVE or BGREWRITEAOF, with a P1 client's GETs timed until it is over: ms, and latencies sorted. */
async function timedBackgroundJob(server: Server, mode: Mode): Promise<{ ms: number; latencies: number[] }> {
  const control = await Connection.open(server.socket);
  const client = await Connection.open(server.socket);
  const started = performance.now();
  await control.command(job[mode].command);
  const latencies: number[] = [];
  let lastPoll = performance.now();
  for (;;) {
    const key = `key:${String(Math.floor(Math.random() * keys)).padStart(12, '0')}`;
    const t = performance.now();
    await client.command('GET', key);
    latencies.push(performance.now() - t);
    if (performance.now() - lastPoll > 20) {
      lastPoll = performance.now();
      if ((await infoField(control, job[mode].inProgress)) === '0') break;
    }
  }
  const ms = performance.now() - started;
  control.close();
  client.close();
  return { ms, latencies: latencies.sort((a, b) => a - b) };
}

function summary(latencies: number[]): string {
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))];
  return `P1 GET: ${latencies.length} requests, p50 ${at(0.5).toFixed(3)} ms, p99 ${at(0.99).toFixed(3)} ms, max ${latencies[latencies.length - 1].toFixed(3)} ms`;
}

async function restartTimed(kind: Kind, dir: string, mode: Mode): Promise<number> {
  const started = performance.now();
  const server = await start(kind, dir, mode);
  const ms = performance.now() - started;
  await stop(server);
  return ms;
}

/**
 * The server's CPU time over a job, by thread: the loop's, and the others sharing its core (io_uring's
 * workers copying the file into the page cache, V8's compiler and GC threads), where slices over 1 ms
 * that the loop did not run come from. Threads that ended meanwhile are counted together.
 */
function cpuUse(totalMicros: number, before: Map<string, number>, after: Map<string, number>): string {
  const parts: string[] = [];
  let named = 0;
  for (const [name, micros] of after) {
    const used = micros - (before.get(name) ?? 0);
    named += used;
    if (used >= 10_000) parts.push(`${name} ${(used / 1000).toFixed(0)} ms`);
  }
  if (totalMicros - named >= 10_000)
    parts.push(`ended threads ${((totalMicros - named) / 1000).toFixed(0)} ms`);
  return `${(totalMicros / 1000).toFixed(0)} ms (${parts.join(', ')})`;
}

/** Bytes of the dump, or of the rewritten log's files (base, incremental, manifest). */
function savedBytes(dir: string, mode: Mode): number {
  if (mode === 'bgsave') return statSync(join(dir, 'dump.rdb')).size;
  const logDir = join(dir, 'appendonlydir');
  return readdirSync(logDir).reduce((n, name) => n + statSync(join(logDir, name)).size, 0);
}

async function main(): Promise<void> {
  const which = process.argv[3] ?? 'both';
  const kinds: Kind[] = which === 'both' ? ['fkvs', 'redis'] : [which as Kind];
  const mode = (process.argv[4] ?? 'bgsave') as Mode;
  if (job[mode] === undefined) throw new Error(`mode: bgsave or rewrite, not ${mode}`);
  const name = job[mode].command;
  for (const kind of kinds) {
    const dir = mkdtempSync(join(tmpdir(), `fkvs-snapshot-bench-${kind}-`));
    try {
      const server = await start(kind, dir, mode);
      const connection = await Connection.open(server.socket);
      const fillMs = await fill(connection);
      console.log(`${kind}: ${keys} keys filled in ${(fillMs / 1000).toFixed(1)} s`);
      const pid = server.child.pid!;
      const [cpuBefore, threadsBefore] = [processCpuMicros(pid), threadCpuMicros(pid)];
      const { ms, latencies } = await timedBackgroundJob(server, mode);
      const cpu = cpuUse(processCpuMicros(pid) - cpuBefore, threadsBefore, threadCpuMicros(pid));
      const bytes = savedBytes(dir, mode);
      console.log(
        `${kind} ${name}: ${(ms / 1000).toFixed(2)} s, ${(bytes / 1e6).toFixed(1)} MB; ${summary(latencies)}`,
      );
      console.log(`  server CPU during ${name} (core 0): ${cpu}`);
      if (kind === 'fkvs')
        console.log(
          `  fkvs log: ${server.log().match(/(Background saving terminated|rewrite finished).*/)?.[0]}`,
        );
      if (mode === 'bgsave') {
        const t = performance.now();
        await connection.command('SAVE');
        console.log(`${kind} SAVE: ${((performance.now() - t) / 1000).toFixed(2)} s`);
      }
      connection.close();
      await stop(server);
      const loadMs = await restartTimed(kind, dir, mode);
      console.log(
        `${kind} start-up on the ${mode === 'bgsave' ? 'dump' : 'rewritten log'}: ${(loadMs / 1000).toFixed(2)} s, ${((keys / loadMs) * 1000).toFixed(0)} keys/s`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
