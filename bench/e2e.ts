// End-to-end bench: our server (io_uring and epoll backends) against redis-server, same workloads,
// runs in alternation, server and load pinned to different cores: the FKVS protocol's rows, and
// rows with the same client for both (RESP, large values, the append-only log, eviction). Prints a
// table of medians and ratios and writes a JSON report under bench-out/. `--help` for the options.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { parseArgs } from 'node:util';
import { type LoadSpec, randomKeyBytes, requestsFor, runLoad, valueBytes, workload } from './e2e-load.js';
import { measureRow, type Row } from './e2e-measure.js';
import { formatCells, formatMemory, type MemorySample, mergeReports, type Report } from './e2e-report.js';
import { evictionRows, largeRows, persistenceRows, type RowOptions, respRows } from './e2e-rows.js';
import { hasRedis, redisVersion, type ServerKind, startServer } from './e2e-servers.js';

const usage = `usage: npm run bench:e2e -- [options]
  --rows <list>         fkvs,resp,large,persistence,eviction (default all): fkvs is the FKVS
                        protocol's workloads below; resp: redis-benchmark and fkvs-benchmark --resp
                        against both servers; large: GET of 64 KiB; persistence: appendonly
                        everysec and always; eviction: allkeys-lru below maxmemory and evicting
  --workloads <list>    ping,set,get,set-random,incr (default all; "none" for memory only)
  --pipelines <list>    pipeline depths of the fkvs and resp rows (default 1,16,128)
  --clients <n>         connections (default 50)
  --runs <n>            measured runs per server and cell, alternating servers (default 3)
  --scale <f>           multiplies the request counts (default 1)
  --servers <list>      io_uring,epoll,redis (default all; redis is skipped when not installed)
  --memory <list>       key counts for RSS per key (default 1000000,10000000; "none" to skip)
  --quick               one run, a tenth of the requests, no memory test: a smoke run
  --server-cores <c>    taskset list for servers (default 0)
  --load-cores <c>      taskset list for load tools (default 1)
  --fkvs-benchmark <p>  our load tool (default bin/fkvs-benchmark)
  --copy-tree <dir>     another built checkout whose server joins the large rows (the copy path)
  --out <file>          JSON report (default bench-out/e2e-<time>.json)
  --report <files...>   print the tables of earlier JSON reports, merged, and measure nothing`;

/** Pipeline depth and connections that load the memory test's keys. */
const memoryLoadPipeline = 128;
const memoryLoadClients = 50;
/** Time a freshly started server gets to settle before its baseline RSS is read. */
const settleMs = 500;

const list = (text: string) => (text === 'none' ? [] : text.split(',').filter((s) => s !== ''));

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      rows: { type: 'string', default: 'fkvs,resp,large,persistence,eviction' },
      workloads: { type: 'string', default: 'ping,set,get,set-random,incr' },
      pipelines: { type: 'string', default: '1,16,128' },
      clients: { type: 'string', default: '50' },
      runs: { type: 'string' },
      scale: { type: 'string' },
      servers: { type: 'string', default: 'io_uring,epoll,redis' },
      memory: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'server-cores': { type: 'string', default: '0' },
      'load-cores': { type: 'string', default: '1' },
      'fkvs-benchmark': { type: 'string', default: 'bin/fkvs-benchmark' },
      'copy-tree': { type: 'string' },
      out: { type: 'string' },
      report: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  if (values.report) {
    const report = mergeReports(positionals.map((file) => JSON.parse(readFileSync(file, 'utf8')) as Report));
    print(report);
    return;
  }
  const quick = values.quick;
  const runs = Number(values.runs ?? (quick ? 1 : 3));
  const scale = Number(values.scale ?? (quick ? 0.1 : 1));
  const memoryCounts = list(values.memory ?? (quick ? 'none' : '1000000,10000000')).map(Number);
  const clients = Number(values.clients);
  const pipelines = list(values.pipelines).map(Number);
  const rowGroups = list(values.rows);
  for (const g of rowGroups) {
    if (!(g in groups) && g !== 'fkvs')
      throw new Error(`unknown rows ${g} (fkvs, ${Object.keys(groups).join(', ')})`);
  }
  const chosen = rowGroups.includes('fkvs') ? list(values.workloads).map(workload) : [];
  let servers = list(values.servers) as ServerKind[];
  for (const s of servers) {
    if (s !== 'io_uring' && s !== 'epoll' && s !== 'redis') throw new Error(`unknown server ${s}`);
  }
  if (servers.includes('redis') && !hasRedis()) {
    console.log(
      'REFERENCE SKIPPED: redis-server or redis-benchmark is not installed (apt-get install redis-server redis-tools)',
    );
    servers = servers.filter((s) => s !== 'redis');
  }
  // The other groups run redis-benchmark against both servers, and redis-server as the reference.
  let sameClientRows = rowGroups.filter((g) => g !== 'fkvs');
  if (sameClientRows.length > 0 && !hasRedis()) {
    console.log(`SKIPPED ${sameClientRows.join(', ')}: redis-server or redis-benchmark is not installed`);
    sameClientRows = [];
  }
  const fkvsBenchmark = values['fkvs-benchmark'];
  if (servers.some((s) => s !== 'redis') && !existsSync(fkvsBenchmark)) {
    throw new Error(`our load tool ${fkvsBenchmark} is missing: build it, or pass --fkvs-benchmark <path>`);
  }
  const serverCores = values['server-cores'];
  const loadCores = values['load-cores'];
  const report: Report = {
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      kernel: release(),
      node: process.version,
      redis: servers.includes('redis') || sameClientRows.length > 0 ? redisVersion() : 'not run',
      date: new Date().toISOString(),
    },
    options: {
      rows: rowGroups,
      runs,
      scale,
      clients,
      pipelines,
      servers,
      serverCores,
      loadCores,
      memoryCounts,
    },
    cells: [],
    memory: [],
  };
  console.log(
    `rows ${rowGroups.join(', ')}; servers on cores ${serverCores} (fkvs rows: ${servers.join(', ')}); load on cores ${loadCores}; ${runs} run(s) per cell`,
  );

  const show = (cells: Report['cells']) => console.log(formatCells(cells).split('\n').slice(2).join('\n'));
  for (const w of chosen) {
    for (const pipeline of pipelines) {
      const spec: LoadSpec = {
        workload: w,
        pipeline,
        clients,
        requests: requestsFor(pipeline, scale),
        cores: loadCores,
        fkvsBenchmark,
      };
      const cells = await measureRow(fkvsRow(servers, spec), runs, serverCores);
      report.cells.push(...cells);
      show(cells);
    }
  }
  const rowOptions: RowOptions = {
    scale,
    clients,
    pipelines,
    loadCores,
    fkvsBenchmark,
    copyTree: values['copy-tree'],
  };
  for (const group of sameClientRows) {
    for (const row of groups[group](rowOptions)) {
      const cells = await measureRow(row, runs, serverCores).catch((error: Error) => {
        // A build without eviction refuses its flags at start-up: the rows wait for one with it.
        if (group === 'eviction' && /unknown option '--maxmemory-policy'/.test(error.message)) return null;
        throw error;
      });
      if (cells === null) {
        console.log(
          'EVICTION SKIPPED: this fkvs-server refuses --maxmemory-policy (a build without eviction)',
        );
        break;
      }
      report.cells.push(...cells);
      show(cells);
    }
  }
  for (const keys of memoryCounts) {
    for (const kind of servers.filter((s) => s !== 'epoll')) {
      const sample = await measureMemory(kind, keys, serverCores, loadCores, fkvsBenchmark);
      report.memory.push(sample);
      console.log(formatMemory([sample]).split('\n').slice(2).join('\n'));
    }
  }
  const out = values.out ?? `bench-out/e2e-${report.machine.date.toString().replaceAll(':', '-')}.json`;
  mkdirSync('bench-out', { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log();
  print(report);
  console.log(`\nJSON: ${out}`);
}

/** The groups of rows with the same client for both servers. */
const groups: Record<string, (o: RowOptions) => Row[]> = {
  resp: respRows,
  large: largeRows,
  persistence: persistenceRows,
  eviction: evictionRows,
};

/**
 * An FKVS-protocol row: ours with each backend (fkvs-benchmark) and Redis (redis-benchmark), the
 * reference between our two backends in every round. A workload whose data grows with every run
 * (set-random) gets fresh servers, and a warm-up, for each round, so that its runs repeat one
 * another rather than measure ever larger tables (the memory test covers large key counts).
 */
function fkvsRow(kinds: ServerKind[], spec: LoadSpec): Row {
  const order = (['io_uring', 'redis', 'epoll'] as ServerKind[]).filter((k) => kinds.includes(k));
  const warmup = workload(spec.workload.warmup);
  return {
    workload: spec.workload.name,
    pipeline: spec.pipeline,
    clients: spec.clients,
    requests: spec.requests,
    variants: order.map((kind) => ({ label: kind, kind })),
    growsData: spec.workload.growsData,
    warmup: (server, requests) => runLoad(server, { ...spec, workload: warmup, requests }),
    load: (server, requests) => runLoad(server, { ...spec, requests }),
  };
}

/** RSS growth per key of a fresh server after loading `keys` unique random keys. */
async function measureMemory(
  kind: ServerKind,
  keys: number,
  serverCores: string,
  loadCores: string,
  fkvsBenchmark: string,
): Promise<MemorySample> {
  const server = await startServer(kind, serverCores);
  try {
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    const rssBeforeBytes = server.rssBytes();
    await runLoad(server, {
      workload: workload('set-random'),
      pipeline: memoryLoadPipeline,
      clients: memoryLoadClients,
      requests: keys,
      cores: loadCores,
      fkvsBenchmark,
    });
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    const rssAfterBytes = server.rssBytes();
    const stored = await server.keyCount();
    const keyBytes = randomKeyBytes[kind === 'redis' ? 'redis' : 'fkvs'];
    const bytesPerKey = (rssAfterBytes - rssBeforeBytes) / stored;
    return {
      server: kind,
      keys: stored,
      keyBytes,
      valueBytes,
      rssBeforeBytes,
      rssAfterBytes,
      bytesPerKey,
      overheadBytesPerKey: bytesPerKey - keyBytes - valueBytes,
    };
  } finally {
    await server.stop();
  }
}

function print(report: Report): void {
  const m = report.machine;
  console.log(`machine: ${m.cpu}, ${m.cores} cores, kernel ${m.kernel}, node ${m.node}, ${m.redis}`);
  if (report.cells.length > 0) console.log(`\n${formatCells(report.cells)}`);
  if (report.memory.length > 0) console.log(`\n${formatMemory(report.memory)}`);
}

main().catch((error: Error) => {
  console.error(`bench:e2e: ${error.message}`);
  process.exit(1);
});
