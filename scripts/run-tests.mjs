#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with node:test. Node 20's runner takes no
// globs, and given a folder it would also run the helpers under test/support as test files.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.js') ? [path] : [];
  });
}

const filter = process.argv.slice(2);
const files = testFiles('dist/test')
  .filter((f) => filter.length === 0 || filter.some((word) => f.includes(word)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
/** A test still running after this fails (a hang shows as a failure, not as a CI run out of time). */
const testTimeoutMs = 300_000;
const run = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=2', `--test-timeout=${testTimeoutMs}`, ...files],
  { stdio: 'inherit' },
);
process.exit(run.status ?? 1);
