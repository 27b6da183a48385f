import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as limits from '../src/limits.js';

/** The rows of docs/limits.md: constant name -> the number in its value column. */
function documentedLimits(markdown: string): Map<string, number> {
  const rows = new Map<string, number>();
  for (const match of markdown.matchAll(/^\| `(\w+)` \| `([^`]+)` \|/gm)) {
    assert.ok(!rows.has(match[1]), `${match[1]} listed twice`);
    rows.set(match[1], Number(match[2]));
  }
  return rows;
}

/** Missing, unknown and differing entries between the constants and the table. */
function mismatches(constants: Record<string, unknown>, documented: Map<string, number>): string[] {
  const wrong: string[] = [];
  for (const [name, value] of Object.entries(constants)) {
    if (!documented.has(name)) wrong.push(`${name} = ${value} is not in docs/limits.md`);
    else if (documented.get(name) !== value)
      wrong.push(`${name} = ${value}, docs say ${documented.get(name)}`);
  }
  for (const name of documented.keys())
    if (!(name in constants)) wrong.push(`docs list ${name}, no such limit`);
  return wrong;
}

test('docs/limits.md lists every limit of src/limits.ts with its value, and nothing else', () => {
  const documented = documentedLimits(readFileSync('docs/limits.md', 'utf8'));
  assert.ok(documented.size >= 30, `${documented.size} rows read`);
  assert.deepEqual(mismatches(limits, documented), []);
});

test('the check reports a missing, a stale and a wrong row', () => {
  const documented = new Map([
    ['maxFrameBytes', 65535],
    ['maxGoneBytes', 1],
  ]);
  assert.deepEqual(mismatches({ maxFrameBytes: 65536, maxKeyBytes: 65531 }, documented), [
    'maxFrameBytes = 65536, docs say 65535',
    'maxKeyBytes = 65531 is not in docs/limits.md',
    'docs list maxGoneBytes, no such limit',
  ]);
});
