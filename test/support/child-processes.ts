import type { ChildProcess } from 'node:child_process';

/** Children still running: SIGKILLed when this test process ends, however it ends. */
const running = new Set<ChildProcess>();
let listening = false;

function killRunning(): void {
  for (const child of running) child.kill('SIGKILL');
}

/**
 * Ties a child (a server, a peer, a helper) to this test process: it is killed when the process
 * exits, and when the test runner stops the process with SIGTERM (a file past --test-timeout),
 * which would otherwise leave it running for good. Returns the child.
 */
export function endsWithTests<T extends ChildProcess>(child: T): T {
  if (!listening) {
    listening = true;
    process.once('exit', killRunning);
    process.once('SIGTERM', () => {
      killRunning();
      process.exit(143); // what the signal's default action would report: 128 + 15
    });
  }
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}
