// How the end-to-end bench measures one row: fresh servers (its variants), a warm-up on each, then
// runs that visit the servers in turn while the others wait stopped, server CPU per request from
// /proc/<pid>/stat before and after each run. Every group of rows (FKVS, RESP, large values,
// persistence, eviction) is a list of these.
import type { LoadResult } from './e2e-load.js';
import { type Cell, medianSample, type RunSample } from './e2e-report.js';
import { type BenchServer, type ServerKind, type ServerOptions, startServer } from './e2e-servers.js';

/** One server of a row: its label in the table, its kind and what it is started with. */
export interface Variant {
  label: string;
  kind: ServerKind;
  options?: ServerOptions;
  /** Ours from another built checkout (default this one). */
  checkout?: string;
  /** Labels of the variants it is compared with (the table's `vs redis` and `vs base` columns). */
  compare?: { redis?: string; base?: string };
}

export interface Row {
  /** Absent for the FKVS-protocol rows, whose reports predate groups. */
  group?: string;
  /** Absent for the FKVS-protocol rows: each server's own tool. */
  client?: string;
  workload: string;
  pipeline: number;
  clients: number;
  /** Requests of one measured run. */
  requests: number;
  variants: Variant[];
  /** Each run adds data (new keys): every round gets fresh servers and its own warm-up. */
  growsData: boolean;
  /** Warm-up requests on each server before its runs: a fifth of a run unless set. */
  warmupRequests?: number;
  warmup(server: BenchServer, requests: number): Promise<unknown>;
  load(server: BenchServer, requests: number): Promise<LoadResult>;
}

/** Warm-up requests: a fifth of a run, enough to load the GET key and let V8 optimize. */
const warmupShare = 0.2;

/** Medians of `runs` runs of each variant of the row, the variants visited in turn. */
export async function measureRow(row: Row, runs: number, serverCores: string): Promise<Cell[]> {
  const samples: RunSample[][] = row.variants.map(() => []);
  for (let set = 0; set < (row.growsData ? runs : 1); set++) {
    await measureRounds(row, row.growsData ? 1 : runs, serverCores, samples);
  }
  return row.variants.map((variant, i) => ({
    server: variant.label,
    ...(row.group === undefined ? {} : { group: row.group }),
    ...(row.client === undefined ? {} : { client: row.client }),
    ...(variant.compare === undefined ? {} : { compare: variant.compare }),
    workload: row.workload,
    pipeline: row.pipeline,
    clients: row.clients,
    requests: row.requests,
    runs: samples[i],
    median: medianSample(samples[i]),
  }));
}

/** Starts the row's servers, warms each up, and adds `rounds` runs of each to `samples`. */
async function measureRounds(
  row: Row,
  rounds: number,
  serverCores: string,
  samples: RunSample[][],
): Promise<void> {
  const servers: BenchServer[] = [];
  try {
    for (const v of row.variants)
      servers.push(await startServer(v.kind, serverCores, [], v.checkout, v.options));
    const warmup = row.warmupRequests ?? Math.round(row.requests * warmupShare);
    for (const server of servers) await row.warmup(server, warmup);
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < servers.length; i++) {
        const server = servers[i];
        // The servers share their core: the others wait stopped, so that no timer of theirs (Redis's
        // cron rehashes its growing table) takes the core or the caches from the one measured.
        const others = servers.filter((s) => s !== server);
        for (const other of others) other.pause();
        const cpuBefore = server.cpuMicros();
        const result = await row.load(server, row.requests).finally(() => {
          for (const other of others) other.resume();
        });
        const cpu = server.cpuMicros() - cpuBefore;
        samples[i].push({
          ...result,
          cpuMicrosPerRequest: cpu / row.requests,
          meanMicros: ((row.clients * row.pipeline) / result.requestsPerSecond) * 1e6,
        });
      }
    }
  } finally {
    for (const server of servers) await server.stop();
  }
}
