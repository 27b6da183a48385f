import type { BenchmarkOptions } from './args.js';
import type { LatencySummary } from './open-model.js';
import type { RunResult } from './runner.js';

/**
 * printf's %.<digits>f: like toFixed, except that an exact tie rounds to the even digit (glibc)
 * where toFixed rounds up. A tie is exact only when value * 2^(digits+1) is an odd integer.
 */
export function printfFixed(value: number, digits: number): string {
  const text = value.toFixed(digits);
  const tie = Number.isInteger(value * 2 ** (digits + 1)) && !Number.isInteger(value * 2 ** digits);
  const last = text.charCodeAt(text.length - 1) - 0x30;
  if (!tie || last % 2 === 0) return text;
  return text.slice(0, -1) + String(last - 1);
}

export function failedRequests(result: RunResult): number {
  return result.wrong + result.missing;
}

function throughput(result: RunResult): number {
  return result.elapsedSeconds > 0 ? result.completed / result.elapsedSeconds : 0;
}

/** The original's three lines (spec 6.4), then with -R its latency block. */
export function formatSummary(result: RunResult): string {
  let text =
    `Clients: ${result.clients}  Total requests: ${result.requests}  Pipeline: ${result.pipeline}\n` +
    `Completed: ${result.completed}  Failed: ${failedRequests(result)}\n` +
    `Elapsed: ${printfFixed(result.elapsedSeconds, 6)} s  Throughput: ${printfFixed(throughput(result), 2)} req/s\n`;
  if (result.latency !== null) text += formatLatency(result.latency, throughput(result));
  return text;
}

function formatLatency(latency: LatencySummary, achieved: number): string {
  const row = (label: string, us: number) => `  ${label.padEnd(12)}: ${printfFixed(us, 1).padStart(9)} us\n`;
  return (
    '\nOpen-model latency (coordinated-omission corrected):\n' +
    `  ${'Target rate'.padEnd(12)}: ${printfFixed(latency.targetRate, 0)} req/s   Achieved: ${printfFixed(achieved, 0)} req/s\n` +
    `  ${'Samples'.padEnd(12)}: ${latency.samples}${latency.calibrationMs > 0 ? ` (after a calibration of ${latency.calibrationMs} ms)` : ''}\n` +
    row('min', latency.minUs) +
    row('p50', latency.p50Us) +
    row('p90', latency.p90Us) +
    row('p99', latency.p99Us) +
    row('p99.9', latency.p999Us) +
    row('p99.99', latency.p9999Us) +
    row('max', latency.maxUs) +
    row('mean', latency.meanUs)
  );
}

/** Flat name/value pairs for --json and --csv. */
function fields(
  result: RunResult,
  options: BenchmarkOptions,
  driver: string,
): Record<string, string | number | boolean> {
  const record: Record<string, string | number | boolean> = {
    workload: options.mix.map((m) => (m.weight === 1 ? m.operation : `${m.operation}:${m.weight}`)).join(','),
    randomKeys: options.randomKeys,
    wire: options.wire,
    transport: options.unixPath === null ? 'tcp' : 'unix',
    driver,
    clients: result.clients,
    requests: result.requests,
    pipeline: result.pipeline,
    completed: result.completed,
    failed: failedRequests(result),
    wrongReplies: result.wrong,
    missingReplies: result.missing,
    elapsedSeconds: result.elapsedSeconds,
    requestsPerSecond: throughput(result),
    cpuUs: result.cpuUs,
  };
  if (result.latency !== null) {
    const l = result.latency;
    Object.assign(record, {
      targetRate: l.targetRate,
      calibrationMs: l.calibrationMs,
      latencySamples: l.samples,
      minUs: l.minUs,
      p50Us: l.p50Us,
      p90Us: l.p90Us,
      p99Us: l.p99Us,
      p999Us: l.p999Us,
      p9999Us: l.p9999Us,
      maxUs: l.maxUs,
      meanUs: l.meanUs,
    });
  }
  return record;
}

export function formatJson(result: RunResult, options: BenchmarkOptions, driver: string): string {
  return `${JSON.stringify(fields(result, options, driver))}\n`;
}

export function formatCsv(result: RunResult, options: BenchmarkOptions, driver: string): string {
  const record = fields(result, options, driver);
  const cell = (value: string | number | boolean) =>
    typeof value === 'string' && /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : String(value);
  return `${Object.keys(record).join(',')}\n${Object.values(record).map(cell).join(',')}\n`;
}

/** Why the exit status is not 0, for stderr. */
export function formatFailures(result: RunResult): string {
  return (
    `fkvs-benchmark: ${failedRequests(result)} of ${result.requests} requests failed: ` +
    `${result.wrong} got a wrong reply (error frames included), ${result.missing} got no reply (timeout or connection closed)\n`
  );
}
