import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** A run that takes longer than this is a hang. */
const runLimitMs = 20_000;

/** The client drivers of fkvs-benchmark: the addon's two backends and node:net. */
export const benchmarkDrivers = ['io_uring', 'epoll', 'net'];

export interface BenchmarkRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs bin/fkvs-benchmark of the repository at root; kills it after runLimitMs. */
export function runBenchmark(args: string[], root = '.'): Promise<BenchmarkRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'bin/fkvs-benchmark'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), runLimitMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The original's three summary lines, with these counts. */
export function summary(
  clients: number,
  requests: number,
  pipeline: number,
  completed: number,
  failed: number,
): RegExp {
  return new RegExp(
    `^Clients: ${clients}  Total requests: ${requests}  Pipeline: ${pipeline}\\n` +
      `Completed: ${completed}  Failed: ${failed}\\n` +
      'Elapsed: \\d+\\.\\d{6} s  Throughput: \\d+\\.\\d{2} req/s\\n$',
  );
}

/** Exit 0, the expected summary, and nothing on stderr (it is not a terminal). */
export function assertClean(run: BenchmarkRun, expected: RegExp): void {
  assert.equal(run.stderr, '', 'silent stderr when stderr is not a terminal');
  assert.match(run.stdout, expected);
  assert.equal(run.code, 0);
}
