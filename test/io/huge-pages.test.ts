import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { addon } from '../../src/io/native.js';

const mib = 1 << 20;
const thpMode = /\[(\w+)\]/.exec(readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8'))?.[1];

/** AnonHugePages of this process, in bytes (/proc/self/smaps_rollup). */
function anonHugePageBytes(): number {
  const line = /AnonHugePages:\s+(\d+) kB/.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'));
  assert.ok(line, 'smaps_rollup lists AnonHugePages');
  return Number(line[1]) * 1024;
}

test('adviseHugePages: the whole pages of a buffer, refused for anything but an ArrayBuffer', () => {
  const buffer = new ArrayBuffer(4 * mib);
  const advised = addon.adviseHugePages(buffer);
  assert.ok(advised > 4 * mib - 8192 && advised <= 4 * mib, `advised ${advised} bytes`);
  assert.equal(addon.adviseHugePages(new ArrayBuffer(16)), 0, 'no whole page');
  assert.throws(() => addon.adviseHugePages(new Uint8Array(8) as unknown as ArrayBuffer), TypeError);
  assert.throws(() => (addon.adviseHugePages as (...args: unknown[]) => number)(), TypeError);
});

test('an advised buffer is backed by huge pages once touched (THP madvise or always)', {
  skip: thpMode === 'never' ? 'transparent huge pages are off on this kernel' : false,
}, () => {
  const before = anonHugePageBytes();
  const buffer = new ArrayBuffer(16 * mib);
  addon.adviseHugePages(buffer);
  new Uint8Array(buffer).fill(1); // first touch
  const grown = anonHugePageBytes() - before;
  assert.ok(grown >= 8 * mib, `AnonHugePages grew by ${grown} bytes`);
});
