// The rows of the end-to-end bench beyond the FKVS protocol, each with the same client for both
// servers: the Redis front against redis-server (redis-benchmark and fkvs-benchmark --resp), GET of
// large values, the append-only log against Redis's, and eviction (allkeys-lru) against Redis's.
import { type LoadTool, requestsFor, runTool, valueBytes } from './e2e-load.js';
import type { Row, Variant } from './e2e-measure.js';
import type { BenchServer } from './e2e-servers.js';

export interface RowOptions {
  scale: number;
  clients: number;
  pipelines: number[];
  loadCores: string;
  fkvsBenchmark: string;
  /** Another built checkout whose Redis front joins the large-value rows (e.g. one that copies replies). */
  copyTree?: string;
}

/** One test of a load tool: its flags, and those of its warm-up (GET reads what a SET wrote). */
interface Test {
  name: string;
  args: string[];
  warmupArgs: string[];
  growsData: boolean;
}

/** Keys of redis-benchmark's -r in the RESP and eviction rows (10M, as the figures). */
const respKeyspace = '10000000';
/** Value of the large-value rows: 64 KiB, far past the size where replies leave without a copy. */
export const largeValueBytes = 65536;
/** Requests of one large-value run: 100k x 64 KiB is 6.5 GB through loopback, 1-3 s here. */
const largeRequests = 100_000;
/** Requests of one run of the log rows: SET P128 with everysec, and P16 with always (each fsyncs). */
const everysecRequests = 2_000_000;
const alwaysRequests = 300_000;
/** maxmemory of the eviction rows: below it (no eviction happens) and one a warm-up fills (evicting). */
const roomyMaxmemory = '2gb';
const evictingMaxmemory = '32mb';
/** Random keys that fill more than evictingMaxmemory on either server (about 60-80 bytes a key). */
const evictingWarmupRequests = 1_000_000;

function redisBenchmarkTest(name: string, random: boolean, size = valueBytes): Test {
  const test = ['-t', name];
  const sizeArgs = ['-d', String(size)];
  const keys = random ? ['-r', respKeyspace] : [];
  return {
    name: random ? `${name}-random` : name,
    args: [...test, ...sizeArgs, ...keys],
    warmupArgs: [...(name === 'get' ? ['-t', 'set'] : test), ...sizeArgs, ...keys],
    growsData: random,
  };
}

/** fkvs-benchmark --resp: GET's key is written before its timing starts; -r is a fresh key per request. */
function batchingTest(name: string, random: boolean): Test {
  const args = ['-t', name, ...(random ? ['-r'] : [])];
  return { name: random ? `${name}-random` : name, args, warmupArgs: args, growsData: random };
}

function row(
  o: RowOptions,
  group: string,
  tool: LoadTool,
  test: Test,
  pipeline: number,
  requests: number,
  variants: Variant[],
): Row {
  const load = (args: string[]) => (server: BenchServer, n: number) =>
    runTool({
      tool,
      port: server.respPort,
      args,
      pipeline,
      clients: o.clients,
      requests: n,
      cores: o.loadCores,
      fkvsBenchmark: o.fkvsBenchmark,
    });
  return {
    group,
    client: tool,
    workload: test.name,
    pipeline,
    clients: o.clients,
    requests,
    variants,
    growsData: test.growsData,
    warmup: load(test.warmupArgs),
    load: load(test.args),
  };
}

const fkvsResp = (label: string, args: string[], compare?: Variant['compare']): Variant => ({
  label,
  kind: 'io_uring',
  options: { resp: true, args },
  compare,
});
const redis = (label = 'redis', args: string[] = []): Variant => ({
  label,
  kind: 'redis',
  options: { args },
});

/** SET, GET, INCR at each depth and SET of random keys at -P 128, from each of the two clients. */
export function respRows(o: RowOptions): Row[] {
  const rows: Row[] = [];
  const variants = [fkvsResp('io_uring', [], { redis: 'redis' }), redis()];
  for (const tool of ['redis-benchmark', 'fkvs-benchmark --resp'] as const) {
    const test = tool === 'redis-benchmark' ? redisBenchmarkTest : batchingTest;
    for (const pipeline of o.pipelines) {
      const requests = requestsFor(pipeline, o.scale);
      for (const name of ['set', 'get', 'incr'])
        rows.push(row(o, 'resp', tool, test(name, false), pipeline, requests, variants));
      if (pipeline === 128) rows.push(row(o, 'resp', tool, test('set', true), pipeline, requests, variants));
    }
  }
  return rows;
}

/** GET of one 64 KiB value at P1 and P16 (redis-benchmark), ours (and a copy tree's) against Redis. */
export function largeRows(o: RowOptions): Row[] {
  const variants = [fkvsResp('io_uring', [], { redis: 'redis' })];
  if (o.copyTree !== undefined) {
    const copy = fkvsResp(`io_uring@${o.copyTree}`, [], { redis: 'redis', base: 'io_uring' });
    variants.push({ ...copy, checkout: o.copyTree });
  }
  variants.push(redis());
  return [1, 16].map((pipeline) => ({
    ...row(
      o,
      'large',
      'redis-benchmark',
      redisBenchmarkTest('get', false, largeValueBytes),
      pipeline,
      0,
      variants,
    ),
    workload: 'get-64k',
    requests: Math.round(largeRequests * o.scale),
  }));
}

/** SET with the log: everysec at P128 beside ours without it, always at P16; Redis the same. */
export function persistenceRows(o: RowOptions): Row[] {
  // The same settings for both: neither rewrites its log as it grows (at 47 bytes a SET, the
  // default 64mb minimum is passed every ~1.4M SETs; rewrites are measured apart, bench/snapshot.ts).
  const log = (fsync: string) => [
    '--appendonly',
    'yes',
    '--appendfsync',
    fsync,
    '--auto-aof-rewrite-percentage',
    '0',
  ];
  const ours = (fsync: string, base?: string): Variant => ({
    label: `io_uring ${fsync}`,
    kind: 'io_uring',
    options: { resp: true, dataDir: true, args: log(fsync) },
    compare: { redis: `redis ${fsync}`, base },
  });
  const theirs = (fsync: string): Variant => ({
    label: `redis ${fsync}`,
    kind: 'redis',
    options: { dataDir: true, args: log(fsync) },
  });
  const set = redisBenchmarkTest('set', false);
  const everysec = [ours('everysec', 'io_uring no log'), fkvsResp('io_uring no log', []), theirs('everysec')];
  const always = [ours('always'), theirs('always')];
  return [
    row(o, 'persistence', 'redis-benchmark', set, 128, Math.round(everysecRequests * o.scale), everysec),
    row(o, 'persistence', 'redis-benchmark', set, 16, Math.round(alwaysRequests * o.scale), always),
  ];
}

/**
 * SET at P128 with allkeys-lru, below maxmemory (fixed and random keys, beside ours without
 * eviction) and with a maxmemory the warm-up fills (random keys: every run evicts). The flags are
 * Redis's; a build of ours without eviction refuses them at start-up (the caller skips the rows).
 */
export function evictionRows(o: RowOptions): Row[] {
  const lru = (maxmemory: string) => ['--maxmemory', maxmemory, '--maxmemory-policy', 'allkeys-lru'];
  const below: Variant[] = [
    fkvsResp('io_uring noeviction', ['--maxmemory', roomyMaxmemory]),
    fkvsResp('io_uring lru', lru(roomyMaxmemory), { redis: 'redis lru', base: 'io_uring noeviction' }),
    redis('redis lru', lru(roomyMaxmemory)),
  ];
  const evicting: Variant[] = [
    fkvsResp('io_uring lru evicting', lru(evictingMaxmemory), {
      redis: 'redis lru evicting',
      base: 'io_uring lru',
    }),
    redis('redis lru evicting', lru(evictingMaxmemory)),
  ];
  const requests = requestsFor(128, o.scale);
  const random = row(o, 'eviction', 'redis-benchmark', redisBenchmarkTest('set', true), 128, requests, [
    ...below,
    ...evicting,
  ]);
  return [
    row(o, 'eviction', 'redis-benchmark', redisBenchmarkTest('set', false), 128, requests, below),
    { ...random, warmupRequests: Math.max(evictingWarmupRequests, Math.round(requests * 0.2)) },
  ];
}
