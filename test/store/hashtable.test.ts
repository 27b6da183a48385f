import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Arena, sizeClassOf } from '../../src/store/arena.js';
import { HashTable, maxLoadFactor } from '../../src/store/hashtable.js';

/** Keys are 4-byte big-endian numbers; hashes are chosen by the test, so collisions are forced. */
function setup(initialSlots: number, mayGrow = () => true) {
  const arena = new Arena(() => true);
  const table = new HashTable(arena, mayGrow, initialSlots);
  const keyOf = (n: number) => new Uint8Array([n >>> 24, n >>> 16, n >>> 8, n]);
  const add = (n: number, hash: number) => {
    assert.ok(table.reserveOne());
    const address = arena.allocate(sizeClassOf(12));
    const key = keyOf(n);
    arena.write(address, key, 0, 4, key, 0, 0, 0);
    table.insert(hash, address);
    return address;
  };
  const find = (n: number, hash: number) => table.lookup(hash, keyOf(n), 0, 4);
  const remove = (n: number, hash: number) => table.remove(hash, keyOf(n), 0, 4);
  return { arena, table, add, find, remove };
}

test('colliding keys are all found, and deletes shift clusters back without tombstones', () => {
  const { table, add, find, remove } = setup(16);
  const hashOf = (n: number) => (n < 6 ? 3 : n); // keys 0..5 share home 3
  const addresses = new Map<number, number>();
  for (let n = 0; n < 10; n++) addresses.set(n, add(n, hashOf(n)));
  for (let n = 0; n < 10; n++) assert.equal(find(n, hashOf(n)), addresses.get(n));
  assert.equal(find(42, 3), 0);
  assert.equal(remove(2, 3), addresses.get(2));
  assert.equal(remove(2, 3), 0);
  for (const n of [0, 1, 3, 4, 5, 6, 7, 8, 9]) assert.equal(find(n, hashOf(n)), addresses.get(n), `key ${n}`);
  const byAddress = new Map([...addresses].map(([n, a]) => [a, hashOf(n)]));
  table.assertInvariants((a) => byAddress.get(a)!);
});

test('clusters that wrap past the end of the table survive deletes', () => {
  const { table, add, find, remove } = setup(8);
  const a = add(1, 6);
  const b = add(2, 6);
  const c = add(3, 7);
  const d = add(4, 0);
  assert.equal(remove(1, 6), a);
  assert.equal(find(2, 6), b);
  assert.equal(find(3, 7), c);
  assert.equal(find(4, 0), d);
  const hashes = new Map([
    [b, 6],
    [c, 7],
    [d, 0],
  ]);
  table.assertInvariants((x) => hashes.get(x)!);
});

test('a resize moves a bounded number of homes per write and keys stay reachable throughout', () => {
  const { table, add, find, remove } = setup(64);
  const hashOf = (n: number) => Math.imul(n, 0x9e3779b1) >>> 0;
  const live = new Map<number, number>();
  const limit = Math.floor(64 * maxLoadFactor);
  for (let n = 0; n < limit; n++) live.set(n, add(n, hashOf(n)));
  assert.equal(table.capacity, 64);
  live.set(limit, add(limit, hashOf(limit)));
  assert.equal(table.capacity, 128, 'grew');
  assert.ok(table.resizing, 'resize in progress, not done in one step');
  const hashes = () => new Map([...live].map(([n, a]) => [a, hashOf(n)]));
  table.assertInvariants((a) => hashes().get(a)!);
  assert.equal(remove(5, hashOf(5)), live.get(5));
  live.delete(5);
  for (const [n, address] of live) assert.equal(find(n, hashOf(n)), address, `key ${n} mid-resize`);
  for (let n = 100; table.resizing; n++) live.set(n, add(n, hashOf(n)));
  for (const [n, address] of live) assert.equal(find(n, hashOf(n)), address, `key ${n} after resize`);
  table.assertInvariants((a) => hashes().get(a)!);
});

test('without memory to grow, inserts go on to the hard load limit, then fail', () => {
  const { table, add } = setup(16, () => false);
  for (let n = 0; n < 14; n++) add(n, n);
  assert.equal(table.capacity, 16);
  assert.equal(table.count, 14);
  assert.equal(table.reserveOne(), false, 'a 15th key would pass 90% of 16 slots');
});
