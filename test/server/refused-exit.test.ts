import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { RedisServer, requireRedisTools, tempDir } from '../support/redis-server.js';
import { serverBackends, startServer } from '../support/server-process.js';
import { scaledMs } from '../support/time-scale.js';

// A server whose final save fails stays up after SIGTERM (as Redis): the harness's stop must not wait
// for it without bound, but kill it and fail with what the server said.

/** The stop's bound in these tests: short, the refusal being certain. */
const shortStopMs = scaledMs(2000);
/** Longer than the bound and far shorter than run-tests' limit: an unbounded stop fails here. */
const testTimeoutMs = scaledMs(20_000);

/**
 * Fails the final save of the server running in dir (a directory on its temp file's path: the tests
 * run as root, whom permissions do not stop), then asserts that `stop` kills it and names its log.
 */
async function refuseAndStop(
  dir: string,
  child: ChildProcess,
  name: string,
  stop: () => Promise<unknown>,
): Promise<void> {
  mkdirSync(join(dir, `temp-${child.pid}.rdb`));
  await assert.rejects(stop(), (error: Error) => {
    assert.match(error.message, new RegExp(`${name} \\(pid \\d+\\) did not exit within \\d+ ms of SIGTERM`));
    assert.match(error.message, /Error trying to save the DB, can't exit/);
    return true;
  });
  assert.equal(child.signalCode, 'SIGKILL');
}

for (const [backend, flags] of serverBackends) {
  test(`${backend}: stop() of a server refusing to exit (final save fails) kills it and names its last log lines`, {
    timeout: testTimeoutMs,
  }, async () => {
    const dir = tempDir('refused-exit');
    const server = await startServer([...flags, '--dir', dir, '--save', '3600 1']);
    await refuseAndStop(dir, server.process, 'fkvs-server', () => server.stop(shortStopMs));
  });
}

test('redis-server refusing to exit (final save fails) is killed by stop() with its last log lines', {
  timeout: testTimeoutMs,
}, async () => {
  requireRedisTools();
  const dir = tempDir('refused-exit-redis');
  const server = await RedisServer.start(dir, ['--save', '3600 1']);
  await refuseAndStop(dir, server.process, 'redis-server', () => server.stop(shortStopMs));
});
