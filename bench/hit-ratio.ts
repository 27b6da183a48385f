// Cache hit ratio of fkvs's eviction against redis-server's, side by side (issue 16): a seeded Zipf
// (s = 0.99) trace of GETs over `keys` keys, each miss followed by a SET of the key (a cache in
// front of a database), replayed over RESP against both servers with memory for `share` of the
// keys, under allkeys-lru and allkeys-lfu.
//
// Calibration: each server's maxmemory is chosen so that it holds the same number of keys (share x
// keys): a server is filled with distinct keys under allkeys-lru until it evicts steadily, and
// its key count read (DBSIZE); bisection on maxmemory brings the count within 0.5% of the target
// or as close as 10 fills get (the run prints the keys each server holds after each replay too).
//
// Usage (after a build; servers pinned to core 0, this client to core 1):
//   taskset -c 1 node dist/bench/hit-ratio.js [requests=10000000] [keys=5000000] [share=0.1] [seed=16]
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { minMaxMemoryBytes } from '../src/limits.js';
import { freePort } from '../test/support/server-process.js';

const requests = Number(process.argv[2] ?? 10_000_000);
const keyCount = Number(process.argv[3] ?? 5_000_000);
const share = Number(process.argv[4] ?? 0.1);
const seed = Number(process.argv[5] ?? 16);
const zipfExponent = 0.99;
const valueBytes = 32;
/** GETs in flight per round trip. */
const window = 512;
const serverCore = '0';
const targetKeys = Math.round(keyCount * share);
const value = Buffer.alloc(valueBytes, 'v');

type Kind = 'fkvs' | 'redis';

/** mulberry32: the trace is the same for every server and every run of one seed. */
function prng(state: number): () => number {
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Key ranks drawn from Zipf(s) over [0, n), by binary search in the cumulative weights. */
function zipfTrace(n: number, count: number, s: number, random: () => number): Int32Array {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let r = 0; r < n; r++) {
    sum += 1 / (r + 1) ** s;
    cdf[r] = sum;
  }
  const trace = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const u = random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    // Spread the ranks over the key space, so that hot keys are not neighbours.
    trace[i] = Number((BigInt(lo) * 2654435761n) % BigInt(n));
  }
  return trace;
}

interface Server {
  port: number;
  child: ChildProcess;
}

async function start(kind: Kind, maxMemoryBytes: number, policy: string): Promise<Server> {
  const port = await freePort();
  const command =
    kind === 'redis'
      ? ['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
      : [
          process.execPath,
          'bin/fkvs-server',
          '--port',
          String(await freePort()),
          '--resp-port',
          String(port),
        ];
  command.push('--maxmemory', String(maxMemoryBytes), '--maxmemory-policy', policy);
  const child = spawn('taskset', ['-c', serverCore, ...command], { stdio: 'ignore' });
  for (let tries = 0; ; tries++) {
    try {
      const client = await Client.connect(port);
      client.close();
      return { port, child };
    } catch (error) {
      if (tries > 200) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function stop(server: Server): Promise<void> {
  const exited = new Promise((resolve) => server.child.on('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
}

/** A pipelining RESP client for GET, SET and DBSIZE: counts replies, records which GETs missed. */
class Client {
  private pending = Buffer.alloc(0);
  private wake: (() => void) | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (data) => {
      this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
      this.wake?.();
    });
  }

  static connect(port: number): Promise<Client> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => resolve(new Client(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends the requests; resolves with each reply's first line ('$-1', '$32', '+OK', '-OOM ...'). */
  async send(requests: Buffer, count: number, firstLines: string[]): Promise<void> {
    this.socket.write(requests);
    firstLines.length = 0;
    while (firstLines.length < count) {
      const at = this.parse(firstLines, count);
      if (at < 0) await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  close(): void {
    this.socket.destroy();
  }

  /** Consumes complete replies; returns -1 when it needs more bytes. */
  private parse(firstLines: string[], count: number): number {
    let at = 0;
    const b = this.pending;
    while (firstLines.length < count) {
      const end = b.indexOf('\r\n', at);
      if (end < 0) break;
      const line = b.toString('latin1', at, end);
      let next = end + 2;
      if (line[0] === '$' && line !== '$-1') {
        next += Number(line.slice(1)) + 2;
        if (next > b.length) break;
      }
      firstLines.push(line);
      at = next;
    }
    this.pending = b.subarray(at);
    this.wake = null;
    return firstLines.length < count ? -1 : at;
  }
}

function encode(parts: Array<string | Buffer>): Buffer {
  const chunks: Buffer[] = [Buffer.from(`*${parts.length}\r\n`)];
  for (const p of parts) {
    const bytes = typeof p === 'string' ? Buffer.from(p) : p;
    chunks.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(chunks);
}

const keyName = (id: number) => `key:${id}`;

/**
 * The keys a server holds in steady state at this maxmemory: distinct keys are written under
 * allkeys-lru until half again as many as it holds have been written since it began to evict.
 */
async function capacity(kind: Kind, maxMemoryBytes: number): Promise<number> {
  const server = await start(kind, maxMemoryBytes, 'allkeys-lru');
  const client = await Client.connect(server.port);
  const lines: string[] = [];
  try {
    for (let id = 0; ; id += window) {
      const batch: Buffer[] = [];
      for (let j = 0; j < window; j++) batch.push(encode(['SET', keyName(keyCount + id + j), value]));
      await client.send(Buffer.concat(batch), window, lines);
      if ((id / window) % 64 !== 63) continue;
      await client.send(encode(['DBSIZE']), 1, lines);
      const held = Number(lines[0].slice(1));
      if (id + window >= 1.5 * held && held < id) return held;
    }
  } finally {
    client.close();
    await stop(server);
  }
}

/** The maxmemory at which the server holds about targetKeys keys: bisection, closest of up to 10 fills. */
async function calibrate(kind: Kind): Promise<number> {
  let lo = minMaxMemoryBytes;
  let hi = targetKeys * 400;
  let best = { memory: 0, keys: 0 };
  for (let step = 0; step < 10; step++) {
    const memory = Math.round((lo + hi) / 2);
    const keys = await capacity(kind, memory);
    if (Math.abs(keys - targetKeys) < Math.abs(best.keys - targetKeys)) best = { memory, keys };
    if (Math.abs(keys - targetKeys) <= targetKeys * 0.005) break;
    if (keys < targetKeys) lo = memory;
    else hi = memory;
  }
  console.log(`${kind}: maxmemory ${best.memory} holds ${best.keys} keys (target ${targetKeys})`);
  return best.memory;
}

async function replay(kind: Kind, maxMemoryBytes: number, policy: string, trace: Int32Array) {
  const server = await start(kind, maxMemoryBytes, policy);
  const client = await Client.connect(server.port);
  const lines: string[] = [];
  let hits = 0;
  let errors = 0;
  const started = performance.now();
  try {
    for (let i = 0; i < trace.length; i += window) {
      const n = Math.min(window, trace.length - i);
      const gets: Buffer[] = [];
      for (let j = 0; j < n; j++) gets.push(encode(['GET', keyName(trace[i + j])]));
      await client.send(Buffer.concat(gets), n, lines);
      const sets: Buffer[] = [];
      for (let j = 0; j < n; j++) {
        if (lines[j] === '$-1') sets.push(encode(['SET', keyName(trace[i + j]), value]));
        else hits++;
      }
      if (sets.length > 0) {
        await client.send(Buffer.concat(sets), sets.length, lines);
        errors += lines.filter((l) => l !== '+OK').length;
      }
    }
    const seconds = (performance.now() - started) / 1000;
    await client.send(encode(['DBSIZE']), 1, lines);
    return { hitRatio: hits / trace.length, keys: Number(lines[0].slice(1)), errors, seconds };
  } finally {
    client.close();
    await stop(server);
  }
}

const traceStarted = performance.now();
const trace = zipfTrace(keyCount, requests, zipfExponent, prng(seed));
console.log(
  `trace: ${requests} GETs over ${keyCount} keys, Zipf s=${zipfExponent}, seed ${seed} ` +
    `(${((performance.now() - traceStarted) / 1000).toFixed(1)} s); memory for ${targetKeys} keys ` +
    `of ${keyName(keyCount).length} + ${valueBytes} bytes`,
);
const memory = { fkvs: await calibrate('fkvs'), redis: await calibrate('redis') };
console.log('| policy | server | maxmemory | hit ratio | keys held at the end | refused SETs | seconds |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const policy of ['allkeys-lru', 'allkeys-lfu']) {
  for (const kind of ['redis', 'fkvs'] as const) {
    const r = await replay(kind, memory[kind], policy, trace);
    console.log(
      `| ${policy} | ${kind} | ${memory[kind]} | ${(100 * r.hitRatio).toFixed(2)}% | ${r.keys} | ${r.errors} | ${r.seconds.toFixed(1)} |`,
    );
  }
}
