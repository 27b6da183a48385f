import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type ProgramRun, runProgram } from './run-program.js';

/** A run that takes longer than this is a hang. */
const runLimitMs = 20_000;

/** The client drivers of fkvs-benchmark: the addon's two backends and node:net. */
export const benchmarkDrivers = ['io_uring', 'epoll', 'net'];

/** Runs bin/fkvs-benchmark of the repository at root; a hang is killed and rejected. */
export function runBenchmark(args: string[], root = '.'): Promise<ProgramRun> {
  // Another tree loads its own addon (or none), not the coverage build FKVS_NATIVE_ADDON names.
  const env = { ...process.env };
  if (root !== '.') delete env.FKVS_NATIVE_ADDON;
  return runProgram(process.execPath, [join(root, 'bin/fkvs-benchmark'), ...args], {
    timeoutMs: runLimitMs,
    env,
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
export function assertClean(run: ProgramRun, expected: RegExp): void {
  assert.equal(run.stderr, '', 'silent stderr when stderr is not a terminal');
  assert.match(run.stdout, expected);
  assert.equal(run.code, 0);
}
