// What the end-to-end bench records and how it prints it: medians of the runs of each cell, and
// ratios of ours against the reference measured in the same run.
import type { ServerKind } from './e2e-servers.js';

export interface RunSample {
  requestsPerSecond: number;
  cpuMicrosPerRequest: number;
  /** Mean time in flight of a request by Little's law: requests in flight (clients x pipeline) / rate. */
  meanMicros: number;
  p50Micros: number | null;
  p99Micros: number | null;
}

export interface Cell {
  server: ServerKind;
  workload: string;
  pipeline: number;
  clients: number;
  requests: number;
  runs: RunSample[];
  median: RunSample;
}

export interface MemorySample {
  server: ServerKind;
  keys: number;
  keyBytes: number;
  valueBytes: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  bytesPerKey: number;
  /** bytesPerKey minus key and value bytes. */
  overheadBytesPerKey: number;
}

export interface Report {
  machine: Record<string, string | number>;
  options: Record<string, unknown>;
  cells: Cell[];
  memory: MemorySample[];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function medianOrNull(values: Array<number | null>): number | null {
  return values.some((v) => v === null) ? null : median(values as number[]);
}

export function medianSample(runs: RunSample[]): RunSample {
  return {
    requestsPerSecond: median(runs.map((r) => r.requestsPerSecond)),
    cpuMicrosPerRequest: median(runs.map((r) => r.cpuMicrosPerRequest)),
    meanMicros: median(runs.map((r) => r.meanMicros)),
    p50Micros: medianOrNull(runs.map((r) => r.p50Micros)),
    p99Micros: medianOrNull(runs.map((r) => r.p99Micros)),
  };
}

const ratio = (ours: number | undefined, reference: number | undefined) =>
  ours === undefined || reference === undefined || reference === 0 ? '' : `${(ours / reference).toFixed(2)}x`;

/** The table of every cell: req/s, CPU per request, latencies, and ours against Redis and epoll. */
export function formatCells(cells: Cell[]): string {
  const header = [
    'workload',
    'P',
    'server',
    'req/s',
    'cpu us/req',
    'mean us',
    'p50 us',
    'p99 us',
    'req/s vs redis',
    'cpu vs redis',
    'cpu vs epoll',
  ];
  const rows: string[][] = [];
  const find = (c: Cell, server: ServerKind) =>
    cells.find((o) => o.server === server && o.workload === c.workload && o.pipeline === c.pipeline)?.median;
  for (const c of cells) {
    const m = c.median;
    const redis = c.server === 'redis' ? undefined : find(c, 'redis');
    const epoll = c.server === 'io_uring' ? find(c, 'epoll') : undefined;
    rows.push([
      c.workload,
      String(c.pipeline),
      c.server,
      Math.round(m.requestsPerSecond).toLocaleString('en-US'),
      m.cpuMicrosPerRequest.toFixed(3),
      m.meanMicros.toFixed(0),
      m.p50Micros?.toFixed(0) ?? '-',
      m.p99Micros?.toFixed(0) ?? '-',
      ratio(m.requestsPerSecond, redis?.requestsPerSecond),
      ratio(m.cpuMicrosPerRequest, redis?.cpuMicrosPerRequest),
      ratio(m.cpuMicrosPerRequest, epoll?.cpuMicrosPerRequest),
    ]);
  }
  return formatTable(header, rows);
}

export function formatMemory(samples: MemorySample[]): string {
  const header = ['server', 'keys', 'key+value B', 'RSS growth B/key', 'beyond key+value B/key'];
  const rows = samples.map((s) => [
    s.server,
    s.keys.toLocaleString('en-US'),
    String(s.keyBytes + s.valueBytes),
    s.bytesPerKey.toFixed(1),
    s.overheadBytesPerKey.toFixed(1),
  ]);
  return formatTable(header, rows);
}

function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Merges the reports of several invocations (a long sweep split into short ones). */
export function mergeReports(reports: Report[]): Report {
  return {
    machine: reports[0]?.machine ?? {},
    options: { mergedFrom: reports.length },
    cells: reports.flatMap((r) => r.cells),
    memory: reports.flatMap((r) => r.memory),
  };
}
