import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Arena, chunkBytes, classSizes, maxEntryBytes, sizeClassOf } from '../../src/store/arena.js';

test('size classes cover every entry size with at most 25% rounding above 256 bytes', () => {
  for (let n = 1; n <= maxEntryBytes; n++) {
    const size = classSizes[sizeClassOf(n)];
    assert.ok(size >= n, `class of ${n} holds it`);
    if (n > 8) assert.ok(size < n + 8 || size <= n * 1.25, `class of ${n} is ${size}`);
  }
  assert.ok(classSizes.length < 256, 'a class index fits a byte');
});

test('freed entries are reused by their class, and address 0 is never handed out', () => {
  const arena = new Arena(() => true);
  const c = sizeClassOf(40);
  const a = arena.allocate(c);
  const b = arena.allocate(c);
  assert.notEqual(a, 0);
  assert.equal(arena.bytesUsed, 2 * classSizes[c]);
  arena.free(a, c);
  assert.equal(arena.bytesFree, classSizes[c]);
  assert.equal(arena.allocate(c), a, 'free list first');
  assert.notEqual(arena.allocate(c), b);
});

test('a new chunk is taken only when the limit allows it', () => {
  let allowed = 1;
  const arena = new Arena(() => allowed-- > 0);
  const c = sizeClassOf(65536);
  const perChunk = Math.floor(chunkBytes / classSizes[c]);
  for (let i = 0; i < perChunk - 1; i++) assert.notEqual(arena.allocate(c), 0);
  assert.equal(arena.allocate(c), 0, 'second chunk refused');
  assert.equal(arena.bytesReserved, chunkBytes);
});

test('entries round-trip key and value, and values are rewritten in place', () => {
  const arena = new Arena(() => true);
  const key = new TextEncoder().encode('xkey');
  const value = new Uint8Array(300).map((_, i) => i);
  const a = arena.allocate(sizeClassOf(8 + 3 + 300));
  arena.write(a, key, 1, 3, value, 0, 300, 7);
  assert.equal(arena.keyLength(a), 3);
  assert.equal(arena.valueLength(a), 300);
  assert.equal(arena.expirySlot(a), 7);
  assert.ok(arena.keyEquals(a, key, 1, 3));
  assert.ok(!arena.keyEquals(a, key, 0, 3));
  const o = arena.offsetOf(a) + 8 + 3;
  assert.deepEqual(arena.chunkOf(a).subarray(o, o + 300), value);
  arena.writeValue(a, value, 10, 5);
  assert.equal(arena.valueLength(a), 5);
  assert.deepEqual([...arena.chunkOf(a).subarray(o, o + 5)], [10, 11, 12, 13, 14]);
});
