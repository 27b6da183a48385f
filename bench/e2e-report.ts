// What the end-to-end bench records and how it prints it: medians of the runs of each cell, and
// ratios of ours against the reference measured in the same run.
import type { ServerKind } from './e2e-servers.js';

/** redis-benchmark at this share of its core or more measures itself rather than the server. */
export const saturatedLoadCpuPercent = 90;

export interface RunSample {
  requestsPerSecond: number;
  cpuMicrosPerRequest: number;
  /** Mean time in flight of a request by Little's law: requests in flight (clients x pipeline) / rate. */
  meanMicros: number;
  p50Micros: number | null;
  p99Micros: number | null;
  /** The load tool's CPU use, % of one core (absent in reports from before it was recorded). */
  loadCpuPercent?: number | null;
}

export interface Cell {
  /** A server kind, or for the other rows a label such as `fkvs everysec` or `redis lru`. */
  server: string;
  /** The rows it belongs to (absent: the FKVS-protocol rows): resp, large, persistence, eviction. */
  group?: string;
  /** The load tool (absent: fkvs-benchmark for ours, redis-benchmark for Redis). */
  client?: string;
  /** Labels of the cells of the same workload, depth and client it is compared with. */
  compare?: { redis?: string; base?: string };
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
    loadCpuPercent: medianOrNull(runs.map((r) => r.loadCpuPercent ?? null)),
  };
}

const ratio = (ours: number | undefined, reference: number | undefined) =>
  ours === undefined || reference === undefined || reference === 0 ? '' : `${(ours / reference).toFixed(2)}x`;

/** Default comparisons of the FKVS-protocol rows: ours against Redis, io_uring against epoll. */
function comparisons(c: Cell): { redis?: string; base?: string } {
  if (c.compare !== undefined) return c.compare;
  return {
    redis: c.server === 'redis' ? undefined : 'redis',
    base: c.server === 'io_uring' ? 'epoll' : undefined,
  };
}

const defaultClient = (c: Cell) => c.client ?? (c.server === 'redis' ? 'redis-benchmark' : 'fkvs-benchmark');

/**
 * The table of every cell: req/s, CPU per request, latencies, the load tool's CPU use, and ratios
 * against Redis and against the cell's base (epoll for io_uring, fkvs without the log for fkvs
 * with it, ...; named in the lines under the table).
 */
export function formatCells(cells: Cell[]): string {
  const header = ['workload', 'P', 'server', 'client', 'req/s', 'cpu us/req', 'mean us', 'p50 us', 'p99 us'];
  header.push('load cpu%', 'req/s vs redis', 'cpu vs redis', 'req/s vs base', 'cpu vs base');
  const rows: string[][] = [];
  const bases = new Set<string>();
  const find = (c: Cell, server: string | undefined) =>
    server === undefined
      ? undefined
      : cells.find(
          (o) =>
            o.server === server &&
            o.group === c.group &&
            o.workload === c.workload &&
            o.pipeline === c.pipeline &&
            (o.client === undefined || c.client === undefined || o.client === c.client),
        )?.median;
  for (const c of cells) {
    const m = c.median;
    const compare = comparisons(c);
    const redis = find(c, compare.redis);
    const base = find(c, compare.base);
    if (base !== undefined) bases.add(`${c.server} against ${compare.base}`);
    rows.push([
      c.workload,
      String(c.pipeline),
      c.server,
      defaultClient(c),
      Math.round(m.requestsPerSecond).toLocaleString('en-US'),
      m.cpuMicrosPerRequest.toFixed(3),
      m.meanMicros.toFixed(0),
      m.p50Micros?.toFixed(0) ?? '-',
      m.p99Micros?.toFixed(0) ?? '-',
      m.loadCpuPercent?.toFixed(0) ?? '-',
      ratio(m.requestsPerSecond, redis?.requestsPerSecond),
      ratio(m.cpuMicrosPerRequest, redis?.cpuMicrosPerRequest),
      ratio(m.requestsPerSecond, base?.requestsPerSecond),
      ratio(m.cpuMicrosPerRequest, base?.cpuMicrosPerRequest),
    ]);
  }
  const notes = bases.size === 0 ? [] : [`base: ${[...bases].join('; ')}`];
  const saturated = cells.filter(
    (c) =>
      defaultClient(c) === 'redis-benchmark' && (c.median.loadCpuPercent ?? 0) >= saturatedLoadCpuPercent,
  );
  if (saturated.length > 0) {
    const where = saturated.map((c) => `${c.workload} P${c.pipeline} ${c.server}`);
    notes.push(
      `redis-benchmark used ${saturatedLoadCpuPercent}% of its core or more (it measures itself there): ${where.join(', ')}`,
    );
  }
  return [formatTable(header, rows, 4), ...notes].join('\n');
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
  return formatTable(header, rows, 3);
}

/** Columns before `textColumns` are left-aligned text, the rest right-aligned figures. */
function formatTable(header: string[], rows: string[][], textColumns: number): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < textColumns ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
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
