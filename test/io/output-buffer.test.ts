import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteArrayPool } from '../../src/io/byte-array-pool.js';
import { OutputBuffer } from '../../src/io/output-buffer.js';
import { maxPendingOutputBytes } from '../../src/limits.js';
import { pendingOutput } from '../support/pending-output.js';

test('reserve grows the buffer and keeps pending bytes in order', () => {
  const out = new OutputBuffer(maxPendingOutputBytes, 8);
  for (let i = 0; i < 100; i++) out.bytes[out.reserve(1)] = i;
  assert.equal(out.pendingBytes, 100);
  out.consume(40);
  assert.deepEqual([...out.bytes.subarray(out.start, out.start + 3)], [40, 41, 42]);
  const p = out.reserve(2000);
  assert.equal(out.bytes[out.start], 40, 'growth keeps the unsent bytes');
  assert.equal(p - out.start, 60);
});

test('reserve refuses past the pending-output limit and leaves the buffer as it was', () => {
  const out = new OutputBuffer(maxPendingOutputBytes);
  assert.notEqual(out.reserve(maxPendingOutputBytes), -1);
  assert.equal(out.reserve(1), -1);
  assert.equal(out.pendingBytes, maxPendingOutputBytes);
  out.consume(10);
  assert.notEqual(out.reserve(10), -1, 'room comes back once bytes are sent');
});

test('consume of more than is pending throws', () => {
  const out = new OutputBuffer(maxPendingOutputBytes);
  out.reserve(3);
  assert.throws(() => out.consume(4), RangeError);
});

test('a fully drained buffer starts again at offset 0', () => {
  const out = new OutputBuffer(maxPendingOutputBytes, 16);
  out.reserve(10);
  out.consume(10);
  assert.equal(out.reserve(4), 0);
});

test('drop gives a grown buffer back; the next reserve starts again from the initial size', () => {
  const out = new OutputBuffer(maxPendingOutputBytes, 16);
  out.reserve(100_000);
  assert.ok(out.bytes.length >= 100_000);
  out.drop();
  assert.equal(out.bytes.length, 0);
  assert.equal(out.pendingBytes, 0);
  const at = out.reserve(5);
  assert.equal(at, 0);
  assert.equal(out.bytes.length, 16);
  out.bytes.set([1, 2, 3, 4, 5], at);
  assert.deepEqual([...out.bytes.subarray(out.start, out.end)], [1, 2, 3, 4, 5]);
});

test('pinned pieces keep their place among the bytes, count toward the limit and go with consume', () => {
  const out = new OutputBuffer(100, 8);
  const value = Uint8Array.from({ length: 40 }, (_, i) => i);
  const append = (...bytes: number[]) => {
    const at = out.reserve(bytes.length); // before out.bytes is read: reserve may grow it
    out.bytes.set(bytes, at);
  };
  append(1, 2);
  assert.ok(out.pin(value, 10, 30));
  append(3);
  assert.ok(out.pin(value, 0, 5));
  for (let i = 0; i < 20; i++) append(100 + i); // grows and moves the bytes
  assert.equal(out.pendingBytes, 2 + 30 + 1 + 5 + 20);
  assert.deepEqual(
    [...pendingOutput(out)],
    [
      1,
      2,
      ...value.subarray(10, 40),
      3,
      ...value.subarray(0, 5),
      ...Array.from({ length: 20 }, (_, i) => 100 + i),
    ],
  );
  assert.equal(out.pin(value, 0, 43), false, 'past the limit with the pinned bytes counted');
  assert.equal(out.reserve(43), -1);
  assert.throws(() => out.release(21), RangeError, 'a release does not reach back over a pinned piece');
  assert.throws(() => out.consume(3), RangeError, 'with pinned pieces, all or nothing');
  out.consume(out.pendingBytes);
  assert.equal(out.pendingBytes, 0);
  assert.equal(out.pinnedCount, 0);
  assert.equal(out.reserve(100), 0, 'the whole limit is free again');
});

test('with a pool: no array until the first reserve, taken from the pool, given back at drop', () => {
  const pool = new ByteArrayPool(64, 2);
  const kept = pool.take();
  pool.give(kept);
  const out = new OutputBuffer(maxPendingOutputBytes, 64, pool);
  assert.equal(out.bytes.length, 0, 'a new buffer allocates nothing');
  out.reserve(10);
  assert.equal(out.bytes, kept, 'the first reserve takes the pooled array');
  assert.equal(pool.size, 0);
  out.drop();
  assert.equal(pool.size, 1, 'drop gives it back');
  const other = new OutputBuffer(maxPendingOutputBytes, 64, pool);
  other.reserve(64);
  assert.equal(other.bytes, kept, 'another buffer takes it again');
  other.reserve(1);
  assert.equal(other.bytes.length, 128);
  other.drop();
  assert.equal(pool.size, 0, 'a grown array is not kept');
});

test('a pool keeps at most maxArrays arrays, of its own size only', () => {
  const pool = new ByteArrayPool(32, 2);
  for (let i = 0; i < 4; i++) pool.give(new Uint8Array(32));
  assert.equal(pool.size, 2);
  pool.take();
  pool.give(new Uint8Array(64));
  assert.equal(pool.size, 1);
  assert.throws(() => new OutputBuffer(maxPendingOutputBytes, 16, pool), RangeError);
});
