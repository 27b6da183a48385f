import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { endsWithTests } from './child-processes.js';

/** A process's resident set size, from /proc. */
export function rssBytes(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

/**
 * Starts test/support/slow-readers.js: `count` connections to 127.0.0.1:port that each write
 * `request` and never read, in a process of their own that keeps them until killed. Resolves once
 * every connection has written (the child's first line); rejects after timeoutMs.
 */
export async function startSlowReaders(
  port: number,
  count: number,
  request: Buffer,
  timeoutMs: number,
): Promise<ChildProcess> {
  const script = fileURLToPath(new URL('./slow-readers.js', import.meta.url));
  const child = endsWithTests(
    spawn(process.execPath, [script, '127.0.0.1', String(port), String(count), request.toString('hex')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`slow readers not done: ${output}`)), timeoutMs);
    child.stdout!.on('data', (data) => {
      output += data;
      if (output.includes('\n')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return child;
}
