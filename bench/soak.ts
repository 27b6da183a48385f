// RSS under a long mixed workload at a constant key count: one fkvs-server (pinned), back-to-back
// fkvs-benchmark runs of SET/GET/INCR on fixed keys (each run reconnects its 50 clients), RSS read
// from /proc between runs. Prints the samples and the growth from the first minute's peak to the
// last minute's peak. `node dist/bench/soak.js [--minutes 10] [--backend io_uring|epoll]`.
import { parseArgs } from 'node:util';
import { runLoad } from './e2e-load.js';
import { startServer } from './e2e-servers.js';

/** Requests per load run: a run lasts about a second, so connections churn once a second. */
const requestsPerRun = 1_000_000;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '10' },
      backend: { type: 'string', default: 'io_uring' },
      'server-cores': { type: 'string', default: '0' },
      'load-cores': { type: 'string', default: '1' },
    },
  });
  const backend = values.backend;
  if (backend !== 'io_uring' && backend !== 'epoll') throw new Error(`unknown backend ${backend}`);
  const durationMs = Number(values.minutes) * 60_000;
  const mix = {
    name: 'mix',
    fkvsArgs: ['-t', 'set:1,get:8,incr:1'],
    redisArgs: [],
    warmup: 'mix',
    growsData: false,
  };
  const server = await startServer(backend, values['server-cores']);
  const samples: Array<{ seconds: number; rssBytes: number; keys: number }> = [];
  try {
    const started = Date.now();
    while (Date.now() - started < durationMs) {
      await runLoad(server, {
        workload: mix,
        pipeline: 16,
        clients: 50,
        requests: requestsPerRun,
        cores: values['load-cores'],
        fkvsBenchmark: 'bin/fkvs-benchmark',
      });
      const sample = {
        seconds: (Date.now() - started) / 1000,
        rssBytes: server.rssBytes(),
        keys: await server.keyCount(),
      };
      samples.push(sample);
      console.log(
        `${sample.seconds.toFixed(0)} s: RSS ${(sample.rssBytes / 2 ** 20).toFixed(1)} MiB, ${sample.keys} keys`,
      );
    }
  } finally {
    await server.stop();
  }
  const peak = (from: number, to: number) =>
    Math.max(...samples.filter((s) => s.seconds >= from && s.seconds < to).map((s) => s.rssBytes));
  const last = samples[samples.length - 1].seconds;
  const first = peak(0, Math.min(60, last / 4));
  const end = peak(last - Math.min(60, last / 4), last + 1);
  console.log(
    `${samples.length} runs of ${requestsPerRun} requests over ${last.toFixed(0)} s: peak RSS ` +
      `${(first / 2 ** 20).toFixed(1)} MiB early, ${(end / 2 ** 20).toFixed(1)} MiB late ` +
      `(${(((end - first) / first) * 100).toFixed(1)}%)`,
  );
}

main().catch((error: Error) => {
  console.error(`soak: ${error.message}`);
  process.exit(1);
});
