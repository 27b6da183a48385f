import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copyWords, LastView } from '../src/bytes.js';

test('copyWords copies any length between any offsets, touching nothing around the range', () => {
  const from = new Uint8Array(80).map((_, i) => i + 1);
  const views = new LastView();
  for (let length = 0; length <= 40; length++) {
    for (const [fromOffset, toOffset] of [
      [0, 0],
      [1, 3],
      [7, 2],
      [13, 17],
    ]) {
      const to = new Uint8Array(64);
      copyWords(views.of(from), fromOffset, new DataView(to.buffer), toOffset, length);
      const expected = new Uint8Array(64);
      expected.set(from.subarray(fromOffset, fromOffset + length), toOffset);
      assert.deepEqual(to, expected, `${length} bytes from ${fromOffset} to ${toOffset}`);
    }
  }
});

test('LastView makes a view only when the array changes, and views a subarray from its start', () => {
  const whole = new Uint8Array([9, 8, 7, 6, 5]);
  const part = whole.subarray(2);
  const views = new LastView();
  const first = views.of(whole);
  assert.equal(views.of(whole), first);
  const second = views.of(part);
  assert.notEqual(second, first);
  assert.equal(second.getUint8(0), 7);
  assert.equal(second.byteLength, 3);
});
