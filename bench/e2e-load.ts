// The workloads of the end-to-end bench and the load tools that drive them: bin/fkvs-benchmark for
// our server, redis-benchmark for the reference. Both run pinned to the load cores.
import { runProgram } from '../test/support/run-program.js';
import type { BenchServer } from './e2e-servers.js';

export interface Workload {
  readonly name: string;
  readonly fkvsArgs: string[];
  readonly redisArgs: string[];
  /** Run before the measured runs: fills what the workload reads (GET) and warms the JIT. */
  readonly warmup: string;
  /** Each run adds data (new keys): repeat runs need fresh servers. */
  readonly growsData: boolean;
}

/** redis-benchmark draws keys from [0, keyspace): at 2e9 (its atoi limit) a run's keys are distinct. */
const redisKeyspace = '2000000000';
/** Value size of our bench's SET ("world"); redis-benchmark gets the same with -d. */
export const valueBytes = 5;
/** Key size of unique random keys: ours 32 hex characters (PROTOCOL.md 6.2), Redis "key:" + 12 digits. */
export const randomKeyBytes: Record<'fkvs' | 'redis', number> = { fkvs: 32, redis: 16 };

export const workloads: Workload[] = [
  {
    name: 'ping',
    fkvsArgs: ['-t', 'ping'],
    redisArgs: ['-t', 'ping_mbulk'],
    warmup: 'ping',
    growsData: false,
  },
  { name: 'set', fkvsArgs: ['-t', 'set'], redisArgs: ['-t', 'set'], warmup: 'set', growsData: false },
  { name: 'get', fkvsArgs: ['-t', 'get'], redisArgs: ['-t', 'get'], warmup: 'set', growsData: false },
  {
    name: 'set-random',
    fkvsArgs: ['-t', 'set', '-r'],
    redisArgs: ['-t', 'set', '-r', redisKeyspace],
    warmup: 'set-random',
    growsData: true,
  },
  { name: 'incr', fkvsArgs: ['-t', 'incr'], redisArgs: ['-t', 'incr'], warmup: 'incr', growsData: false },
];

export function workload(name: string): Workload {
  const found = workloads.find((w) => w.name === name);
  if (found === undefined)
    throw new Error(`unknown workload ${name} (${workloads.map((w) => w.name).join(', ')})`);
  return found;
}

/** Requests of one run at a pipeline depth: long enough (about 1-3 s here) for /proc CPU ticks of 10 ms. */
export function requestsFor(pipeline: number, scale: number): number {
  return Math.round(Math.min(5_000_000, Math.max(200_000, 100_000 * pipeline)) * scale);
}

export interface LoadResult {
  requestsPerSecond: number;
  /** Closed-loop latency percentiles, when the tool reports them (fkvs-benchmark only with -R). */
  p50Micros: number | null;
  p99Micros: number | null;
  /** The load tool's CPU use over its run, in % of one core: near 100 it measures itself. */
  loadCpuPercent: number | null;
}

export interface LoadSpec {
  workload: Workload;
  pipeline: number;
  clients: number;
  requests: number;
  cores: string;
  fkvsBenchmark: string;
}

/** The load tools: ours over FKVS, ours over RESP (its batching client), and Redis's. */
export type LoadTool = 'fkvs-benchmark' | 'fkvs-benchmark --resp' | 'redis-benchmark';

/** One run of a load tool: `args` name the test (-t ..., -r, -d), the rest is common. */
export interface ToolRun {
  tool: LoadTool;
  port: number;
  args: string[];
  pipeline: number;
  clients: number;
  requests: number;
  cores: string;
  fkvsBenchmark: string;
}

/** Runs one load of an FKVS-protocol row: fkvs-benchmark for ours, redis-benchmark for Redis. */
export function runLoad(server: BenchServer, spec: LoadSpec): Promise<LoadResult> {
  const redis = server.kind === 'redis';
  return runTool({
    ...spec,
    tool: redis ? 'redis-benchmark' : 'fkvs-benchmark',
    port: server.port,
    args: redis ? ['-d', String(valueBytes), ...spec.workload.redisArgs] : spec.workload.fkvsArgs,
  });
}

/** Runs the load tool pinned to run.cores against 127.0.0.1:run.port. */
export async function runTool(run: ToolRun): Promise<LoadResult> {
  const common = ['-h', '127.0.0.1', '-p', String(run.port), '-c', String(run.clients)];
  common.push('-n', String(run.requests), '-P', String(run.pipeline), ...run.args);
  if (run.tool === 'redis-benchmark') {
    // GNU time reports redis-benchmark's CPU use (fkvs-benchmark reports its own).
    const timed = ['/usr/bin/time', '-f', `${loadCpuMarker}%P`, 'redis-benchmark', ...common, '--csv'];
    const { stdout, stderr } = await pinned(run.cores, timed);
    return { ...parseRedisCsv(stdout), loadCpuPercent: parseLoadCpu(stderr) };
  }
  const resp = run.tool === 'fkvs-benchmark --resp' ? ['--resp'] : [];
  const args = [process.execPath, run.fkvsBenchmark, ...resp, ...common, '--json'];
  return parseFkvsJson((await pinned(run.cores, args)).stdout);
}

/** A load run that has not ended by then is taken as hung (the longest real runs take about a minute). */
const loadRunTimeoutMs = 15 * 60_000;
/** Starts GNU time's line on stderr, apart from the tool's own lines. */
const loadCpuMarker = 'load-cpu: ';

/** Runs the load tool pinned to `cores`; its output, or a rejection naming the exit code and output. */
async function pinned(cores: string, command: string[]): Promise<{ stdout: string; stderr: string }> {
  const result = await runProgram('taskset', ['-c', cores, ...command], { timeoutMs: loadRunTimeoutMs });
  if (result.code !== 0) {
    throw new Error(`${command.join(' ')} exited with ${result.code}:\n${result.stderr}${result.stdout}`);
  }
  return result;
}

function parseLoadCpu(stderr: string): number | null {
  const match = new RegExp(`${loadCpuMarker}(\\d+)%`).exec(stderr);
  return match === null ? null : Number(match[1]);
}

/** redis-benchmark --csv: a header line, then one line per test with latencies in milliseconds. */
export function parseRedisCsv(text: string): LoadResult {
  const lines = text.trim().split('\n');
  const header = lines[0].split(',').map((h) => h.replaceAll('"', ''));
  const values = lines[lines.length - 1].split(',').map((v) => Number(v.replaceAll('"', '')));
  const column = (name: string) => {
    const at = header.indexOf(name);
    if (at < 0) throw new Error(`redis-benchmark CSV lacks ${name}:\n${text}`);
    return values[at];
  };
  return {
    requestsPerSecond: column('rps'),
    p50Micros: column('p50_latency_ms') * 1000,
    p99Micros: column('p99_latency_ms') * 1000,
    loadCpuPercent: null,
  };
}

/** fkvs-benchmark --json: one object; it reports percentiles only in its open model (-R). */
export function parseFkvsJson(text: string): LoadResult {
  const result = JSON.parse(text);
  if (result.failed !== 0) throw new Error(`fkvs-benchmark: ${result.failed} requests failed:\n${text}`);
  return {
    requestsPerSecond: result.requestsPerSecond,
    p50Micros: result.p50Us ?? null,
    p99Micros: result.p99Us ?? null,
    loadCpuPercent: result.elapsedSeconds > 0 ? result.cpuUs / 1e4 / result.elapsedSeconds : null,
  };
}
