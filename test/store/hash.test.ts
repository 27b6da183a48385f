import assert from 'node:assert/strict';
import { test } from 'node:test';
import xxhash from 'xxhash-wasm';
import { keyHashDropBits, xxh32 } from '../../src/store/hash.js';
import { seededRandom } from '../support/random.js';

test('xxh32 matches xxhash-wasm (the oracle) for every length 0..600 and several seeds', async () => {
  const oracle = await xxhash();
  const random = seededRandom('xxh32 data');
  const data = random.bytes(700);
  for (const seed of [0, 1, 0x9e3779b1, 0xffffffff, 123456789]) {
    for (let length = 0; length <= 600; length++) {
      const offset = length % 7;
      const expected = oracle.h32Raw(data.subarray(offset, offset + length), seed);
      assert.equal(xxh32(data, offset, length, seed), expected, random.at(`length ${length} seed ${seed}`));
      assert.equal(xxh32(data, offset, length, seed, keyHashDropBits), expected >>> keyHashDropBits);
    }
  }
});

test('xxh32 of the empty input with seed 0 is the published constant', () => {
  assert.equal(xxh32(new Uint8Array(0), 0, 0, 0), 0x02cc5d05);
});
