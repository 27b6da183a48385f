import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copyToView } from '../src/bytes.js';

test('copyToView copies any length between any offsets, touching nothing around the range', () => {
  const from = new Uint8Array(80).map((_, i) => (i * 37 + 200) & 255); // high bits set in many bytes
  for (let length = 0; length <= 40; length++) {
    for (const [fromOffset, toOffset] of [
      [0, 0],
      [1, 3],
      [7, 2],
      [13, 17],
    ]) {
      const to = new Uint8Array(64);
      copyToView(from, fromOffset, new DataView(to.buffer), toOffset, length);
      const expected = new Uint8Array(64);
      expected.set(from.subarray(fromOffset, fromOffset + length), toOffset);
      assert.deepEqual(to, expected, `${length} bytes from ${fromOffset} to ${toOffset}`);
    }
  }
});
