import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Arena, sizeClassOf } from '../../src/store/arena.js';
import { HashTable, maxLoadFactor } from '../../src/store/hashtable.js';

/** Keys are 4-byte big-endian numbers; hashes are chosen by the test, so collisions are forced. */
function setup(initialSlots: number, mayGrow = () => true) {
  const arena = new Arena(
    () => true,
    () => assert.fail('nothing compacts'),
  );
  const table = new HashTable(arena, mayGrow, initialSlots);
  const keyOf = (n: number) => new Uint8Array([n >>> 24, n >>> 16, n >>> 8, n]);
  const add = (n: number, hash: number) => {
    assert.ok(table.reserveOne());
    const address = arena.allocate(sizeClassOf(12));
    const key = keyOf(n);
    arena.write(address, key, 0, 4, key, 0, 0, 0, 0);
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

test('a resize moves a bounded number of slots per write and keys stay reachable throughout', () => {
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

test('a resize moves whole clusters, and a key that wraps into a migrated slot meanwhile', () => {
  const slots = 64;
  const { table, add, find, remove } = setup(slots);
  const hashes = new Map<number, number>();
  const live = new Map<number, number>();
  const put = (n: number, hash: number) => {
    hashes.set(n, hash);
    live.set(n, add(n, hash));
  };
  const check = (when: string) => {
    for (const [n, address] of live) assert.equal(find(n, hashes.get(n)!), address, `key ${n} ${when}`);
    const byAddress = new Map([...live].map(([n, a]) => [a, hashes.get(n)!]));
    table.assertInvariants((a) => byAddress.get(a)!);
  };
  // A cluster from home 62 that wraps into slots 0 and 1; slot 2 empty, so migration starts there.
  for (let n = 0; n < 4; n++) put(n, 62 + (n % 2));
  // One cluster over slots 3..46, then empty slots up to 61.
  for (let n = 4; live.size < slots * maxLoadFactor; n++) put(n, n - 1);
  assert.equal(table.capacity, slots);
  // This write starts the resize, which migrates slot 2 and the cluster 3..46 before the key goes
  // into the old table: home 63 is not migrated, and its probe wraps past 0 and 1 into slot 2.
  put(100, 63);
  assert.ok(table.resizing);
  check('when a key has wrapped into a migrated slot');
  assert.equal(remove(1, 63), live.get(1));
  live.delete(1);
  check('after a delete from the wrapping cluster');
  put(101, 5); // migrates the rest: the wrapping cluster moves whole, with the key in slot 2
  assert.equal(table.resizing, false);
  check('after the resize');
});

test('random inserts and deletes agree with a Map through resizes, with clusters wrapping the end', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    let state = seed;
    const random = (n: number) => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return (state >>> 8) % n;
    };
    const { table, add, find, remove } = setup(16);
    // Half the keys get hashes whose low bits are all but the last few ones: their homes sit at
    // the end of every table size, so clusters there wrap round into slot 0 and on.
    const hashOf = (n: number) => (n % 2 === 0 ? 0x3ffffff0 | (n % 16) : Math.imul(n, 0x9e3779b1) >>> 2);
    const live = new Map<number, number>();
    for (let step = 0; step < 6000; step++) {
      const n = random(3000);
      const where = `seed ${seed}, step ${step}, key ${n}`;
      if (live.has(n) && random(3) === 0) {
        assert.equal(remove(n, hashOf(n)), live.get(n), where);
        live.delete(n);
      } else if (!live.has(n)) {
        live.set(n, add(n, hashOf(n)));
      }
      const probe = random(3000);
      assert.equal(find(probe, hashOf(probe)), live.get(probe) ?? 0, `${where}: find ${probe}`);
      if (step % 500 === 0 || table.resizing) {
        const byAddress = new Map([...live].map(([k, a]) => [a, hashOf(k)]));
        table.assertInvariants((a) => byAddress.get(a)!);
      }
    }
    for (const [n, address] of live)
      assert.equal(find(n, hashOf(n)), address, `seed ${seed}: key ${n} at the end`);
    assert.equal(table.count, live.size);
  }
});

test('scan returns every key present for the whole walk, across inserts, deletes and resizes', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    let state = seed;
    const random = (n: number) => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return (state >>> 8) % n;
    };
    const { table, add, remove } = setup(16);
    // Half the keys homed at the end of every table size, so that clusters wrap round.
    const hashOf = (n: number) => (n % 2 === 0 ? 0x3ffffff0 | (n % 16) : Math.imul(n, 0x9e3779b1) >>> 2);
    const stable = new Map<number, number>(); // address -> key, present throughout
    for (let n = 0; n < 200; n++) stable.set(add(n, hashOf(n)), n);
    const churn = new Map<number, number>(); // key -> address
    const seen = new Set<number>();
    let steps = 0;
    let stepsMidResize = 0;
    let cursor = 0;
    do {
      cursor = table.scan(cursor, 1 + random(4), (address) => {
        const n = stable.get(address);
        if (n !== undefined) seen.add(n);
      });
      steps++;
      if (table.resizing) stepsMidResize++;
      for (let op = 0; op < 40; op++) {
        const n = 1000 + random(20_000);
        if (churn.has(n)) {
          remove(n, hashOf(n));
          churn.delete(n);
        } else if (random(4) !== 0) {
          churn.set(n, add(n, hashOf(n)));
        }
      }
    } while (cursor !== 0);
    const missed = [...stable.values()].filter((n) => !seen.has(n));
    assert.deepEqual(
      missed,
      [],
      `seed ${seed}: ${steps} steps, ${stepsMidResize} mid-resize, to ${table.capacity} slots`,
    );
    assert.ok(
      stepsMidResize > 0 && table.capacity >= 1024,
      `seed ${seed}: the walk saw resizes (${steps} steps, ${stepsMidResize} mid-resize, ${table.capacity} slots)`,
    );
  }
});
