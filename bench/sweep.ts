// Throughput sweep: pipeline depths x client counts x backends of our server, medians of N runs,
// server and load pinned to different cores. Appends rows to a CSV and redraws its SVG plot, so a
// long sweep can be split into short calls. Run it through scripts/bench-sweep.sh.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { requestsFor, runLoad, workload } from './e2e-load.js';
import { median } from './e2e-report.js';
import { startServer } from './e2e-servers.js';
import { plotSweep, type SweepRow } from './sweep-plot.js';

const csvHeader =
  'backend,workload,clients,pipeline,runs,rps_median,rps_min,rps_max,cpu_us_per_request_median';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      depths: { type: 'string', default: '1,2,4,8,16,32,64,128,256' },
      clients: { type: 'string', default: '1,10,50' },
      backends: { type: 'string', default: 'io_uring,epoll' },
      workload: { type: 'string', default: 'set' },
      runs: { type: 'string', default: '3' },
      scale: { type: 'string', default: '0.5' },
      'server-cores': { type: 'string', default: '0' },
      'load-cores': { type: 'string', default: '1' },
      out: { type: 'string', default: 'bench-out/sweep.csv' },
      'plot-only': { type: 'boolean', default: false },
    },
  });
  const out = values.out;
  if (!values['plot-only']) {
    if (!existsSync(out)) writeFileSync(out, `${csvHeader}\n`);
    const w = workload(values.workload);
    const runs = Number(values.runs);
    for (const backend of values.backends.split(',')) {
      if (backend !== 'io_uring' && backend !== 'epoll') throw new Error(`unknown backend ${backend}`);
      for (const clients of values.clients.split(',').map(Number)) {
        const server = await startServer(backend, values['server-cores']);
        try {
          for (const pipeline of values.depths.split(',').map(Number)) {
            const spec = {
              workload: w,
              pipeline,
              clients,
              requests: requestsFor(pipeline, Number(values.scale)),
              cores: values['load-cores'],
              fkvsBenchmark: 'bin/fkvs-benchmark',
            };
            await runLoad(server, { ...spec, requests: Math.round(spec.requests / 5) }); // warm-up
            const rps: number[] = [];
            const cpu: number[] = [];
            for (let run = 0; run < runs; run++) {
              const before = server.cpuMicros();
              rps.push((await runLoad(server, spec)).requestsPerSecond);
              cpu.push((server.cpuMicros() - before) / spec.requests);
            }
            const row = [
              backend,
              w.name,
              clients,
              pipeline,
              runs,
              median(rps),
              Math.min(...rps),
              Math.max(...rps),
            ];
            const line = `${[...row.map((v) => (typeof v === 'number' ? Math.round(v) : v)), median(cpu).toFixed(3)].join(',')}`;
            appendFileSync(out, `${line}\n`);
            console.log(line);
          }
        } finally {
          await server.stop();
        }
      }
    }
  }
  const svg = out.replace(/\.csv$/, '.svg');
  writeFileSync(svg, plotSweep(readRows(out)));
  console.log(`CSV: ${out}\nSVG: ${svg}`);
}

function readRows(file: string): SweepRow[] {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const names = header.split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    const cell = (name: string) => cells[names.indexOf(name)];
    return {
      series: `${cell('backend')} ${cell('workload')} c${cell('clients')}`,
      pipeline: Number(cell('pipeline')),
      requestsPerSecond: Number(cell('rps_median')),
    };
  });
}

main().catch((error: Error) => {
  console.error(`bench-sweep: ${error.message}`);
  process.exit(1);
});
