import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadHistory, saveHistory } from '../../src/cli/history.js';
import { cliHistoryEntries, maxCliHistoryLineBytes } from '../../src/limits.js';

const dir = mkdtempSync(join(tmpdir(), 'fkvs-cli-history-'));

test('saved oldest first, loaded newest first, bounded, long lines left out', () => {
  const path = join(dir, 'h1');
  const newestFirst = Array.from({ length: cliHistoryEntries + 5 }, (_, i) => `GET k${i}`);
  newestFirst.splice(1, 0, 'x'.repeat(maxCliHistoryLineBytes + 1));
  saveHistory(path, newestFirst);
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  assert.equal(lines.length, cliHistoryEntries);
  assert.equal(lines.at(-1), 'GET k0');
  assert.equal(lines[0], `GET k${cliHistoryEntries - 1}`);
  assert.deepEqual(loadHistory(path), newestFirst.filter((l) => l.length < 100).slice(0, cliHistoryEntries));
});

test('a missing file is no history; an oversized one yields its last entries', () => {
  assert.deepEqual(loadHistory(join(dir, 'none')), []);
  const path = join(dir, 'h2');
  writeFileSync(path, `${'y'.repeat(10 * cliHistoryEntries * maxCliHistoryLineBytes)}\nPING\nINFO\n`);
  assert.deepEqual(loadHistory(path), ['INFO', 'PING']);
});
