// A/B of two builds of fkvs-server: fresh servers from two checkouts (each built), the same load
// against each in alternation (A, B, A, B, ...), server and load pinned to different cores. Prints
// every run's req/s and server CPU per request, then medians and the ratios B/A: the way to show
// what a change did, with its reference measured in the same run.
//   git worktree add ../fkvs-before HEAD~1 && (cd ../fkvs-before && ./scripts/setup.sh)
//   node dist/bench/ab.js --a ../fkvs-before --b . --workload set-random --pipeline 128
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type LoadSpec, runLoad, workload } from './e2e-load.js';
import { median } from './e2e-report.js';
import { startServer } from './e2e-servers.js';

/** Warm-up requests on each fresh server, as a share of a run: loads GET's key, lets V8 optimize. */
const warmupShare = 0.2;

const usage = `usage: node dist/bench/ab.js --a <checkout> --b <checkout> [options]
  --workload <name>     ping, set, get, set-random, incr (default set-random)
  --pipeline <n>        pipeline depth (default 128)
  --clients <n>         connections (default 50)
  --requests <n>        requests per measured run (default 5000000)
  --runs <n>            runs per build, alternating, each on a fresh server (default 3)
  --backend <b>         io_uring or epoll (default io_uring)
  --server-cores <c>    taskset list for the servers (default 0)
  --load-cores <c>      taskset list for the load tool, this checkout's bin/fkvs-benchmark (default 1)
  --b-args <args>       extra fkvs-server flags for B, space-separated (e.g. "--maxmemory-policy allkeys-lru")`;

interface Sample {
  requestsPerSecond: number;
  cpuMicrosPerRequest: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      a: { type: 'string' },
      b: { type: 'string' },
      workload: { type: 'string', default: 'set-random' },
      pipeline: { type: 'string', default: '128' },
      clients: { type: 'string', default: '50' },
      requests: { type: 'string', default: '5000000' },
      runs: { type: 'string', default: '3' },
      backend: { type: 'string', default: 'io_uring' },
      'server-cores': { type: 'string', default: '0' },
      'load-cores': { type: 'string', default: '1' },
      'b-args': { type: 'string', default: '' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || values.a === undefined || values.b === undefined) {
    console.log(usage);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const backend = values.backend;
  if (backend !== 'io_uring' && backend !== 'epoll') throw new Error(`unknown backend ${backend}`);
  const builds = { A: values.a, B: values.b };
  for (const checkout of Object.values(builds)) {
    if (!existsSync(join(checkout, 'dist/src/server/main.js'))) throw new Error(`${checkout} is not built`);
  }
  const spec: LoadSpec = {
    workload: workload(values.workload),
    pipeline: Number(values.pipeline),
    clients: Number(values.clients),
    requests: Number(values.requests),
    cores: values['load-cores'],
    fkvsBenchmark: 'bin/fkvs-benchmark',
  };
  const warmup: LoadSpec = {
    ...spec,
    workload: workload(spec.workload.warmup),
    requests: Math.round(spec.requests * warmupShare),
  };
  console.log(
    `${spec.workload.name} P${spec.pipeline}, ${spec.clients} clients, ${spec.requests} requests a run, ${backend}; A = ${builds.A}, B = ${builds.B}`,
  );
  const samples: Record<'A' | 'B', Sample[]> = { A: [], B: [] };
  for (let run = 1; run <= Number(values.runs); run++) {
    for (const name of ['A', 'B'] as const) {
      const extra = name === 'B' && values['b-args'] !== '' ? values['b-args'].split(' ') : [];
      const server = await startServer(backend, values['server-cores'], [], builds[name], { args: extra });
      try {
        await runLoad(server, warmup);
        const cpuBefore = server.cpuMicros();
        const result = await runLoad(server, spec);
        const sample = {
          requestsPerSecond: result.requestsPerSecond,
          cpuMicrosPerRequest: (server.cpuMicros() - cpuBefore) / spec.requests,
        };
        samples[name].push(sample);
        console.log(
          `run ${run} ${name}: ${Math.round(sample.requestsPerSecond)} req/s, ${sample.cpuMicrosPerRequest.toFixed(3)} us/request`,
        );
      } finally {
        await server.stop();
      }
    }
  }
  const rate = (name: 'A' | 'B') => median(samples[name].map((s) => s.requestsPerSecond));
  const cpu = (name: 'A' | 'B') => median(samples[name].map((s) => s.cpuMicrosPerRequest));
  for (const name of ['A', 'B'] as const) {
    console.log(`median ${name}: ${Math.round(rate(name))} req/s, ${cpu(name).toFixed(3)} us/request`);
  }
  console.log(
    `B/A: ${(rate('B') / rate('A')).toFixed(2)}x req/s, ${(cpu('B') / cpu('A')).toFixed(2)}x CPU per request`,
  );
}

await main();
