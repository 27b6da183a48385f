import type { ChildProcess } from 'node:child_process';
import { scaledMs } from './time-scale.js';

/**
 * How long a server may take to exit after SIGTERM before the test kills it and fails. A server may
 * refuse to exit (as Redis, when the final save of its save rules fails): without a bound the test
 * would wait for run-tests' limit and fail without saying why.
 */
export const stopTimeoutMs = scaledMs(20_000);
/** How many of the server's last log lines a failed stop shows. */
const shownLogLines = 15;

/**
 * SIGTERM, then the exit code (null when a signal ended it); after timeoutMs, SIGKILL and an error
 * naming the server's last log lines.
 */
export async function stopProcess(
  child: ChildProcess,
  name: string,
  output: () => string,
  timeoutMs = stopTimeoutMs,
): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const first = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  if (first !== 'timeout') return first;
  child.kill('SIGKILL');
  await exited;
  const last = output().trimEnd().split('\n').slice(-shownLogLines).join('\n');
  throw new Error(
    `${name} (pid ${child.pid}) did not exit within ${timeoutMs} ms of SIGTERM and was killed; its last log lines:\n${last}`,
  );
}
