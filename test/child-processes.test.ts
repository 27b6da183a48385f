import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from './support/redis-server.js';

/** Long enough for the file to start its server on a loaded machine; the runner then stops it. */
const fileTimeoutMs = 10_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('a test file stopped by --test-timeout leaves no server running', async () => {
  const pidFile = join(tempDir('hang'), 'pid');
  // A runner of its own, as scripts/run-tests.mjs starts one (NODE_TEST_CONTEXT would make it a child of this one).
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const run = spawnSync(
    process.execPath,
    ['--test', `--test-timeout=${fileTimeoutMs}`, 'dist/test/support/hanging-test.js'],
    { env: { ...env, FKVS_PID_FILE: pidFile }, encoding: 'utf8', timeout: 4 * fileTimeoutMs },
  );
  assert.ok(existsSync(pidFile), `the hanging test started its server:\n${run.stdout}${run.stderr}`);
  assert.match(run.stdout, /# cancelled 1/, 'the runner stopped the file');
  const pid = Number(readFileSync(pidFile, 'utf8'));
  const deadline = Date.now() + 5000;
  while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(!alive(pid), `server ${pid} still running after its test file was stopped`);
});
