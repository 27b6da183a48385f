import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ArenaStore } from '../../src/store/arena-store.js';
import type { HashTable } from '../../src/store/hashtable.js';
import { prng, testSeed } from '../support/seeded.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('latin1');

/** Full scans per run, and the stable keys each must return. */
const scans = 12;
const stableKeys = 400;
/** Other keys at the end of the run: the table grows from 1,024 to 16,384 slots on the way. */
const maxTransientKeys = 8000;

describe('store scan: Redis guarantee', () => {
  test('a key present for a whole scan is returned, across resizes, deletes and moves between the calls', () => {
    const seed = testSeed('scan guarantee');
    const random = prng(seed);
    const store = new ArenaStore({ maxMemoryBytes: 1024 ** 3, hashSeed: seed % 2 ** 30 });
    const table = (store as unknown as { table: HashTable }).table;
    const put = (name: string, valueLength: number) => {
      const key = encoder.encode(name);
      assert.ok(store.set(key, 0, key.length, new Uint8Array(valueLength), 0, valueLength, 0) >= 0);
    };
    for (let i = 0; i < stableKeys; i++) put(`stable:${i}`, 1);
    let next = 0;
    const transient: string[] = [];
    let callsDuringResize = 0;
    let growths = 0;
    for (let round = 0; round < scans; round++) {
      const seen = new Set<string>();
      let cursor = 0;
      let calls = 0;
      do {
        cursor = store.scan(cursor, 1 + Math.floor(random() * 12), (handle) => {
          const bytes = store.keyBytes(handle);
          const offset = store.keyOffset(handle);
          seen.add(decoder.decode(bytes.subarray(offset, offset + store.keyLength(handle))));
        });
        assert.ok(Number.isInteger(cursor) && cursor >= 0 && cursor < 2 ** 32, `cursor ${cursor}`);
        calls++;
        if (table.resizing) callsDuringResize++;
        // Between the calls: new keys (the table grows, several times a round), deletes of other
        // keys (clusters shift back), and stable keys rewritten into other size classes (moved).
        // The number of other keys drifts up to a target that grows round by round (a scan walks
        // a fixed share of the table per call, so a table outgrowing it would never end a round).
        const capacity = table.capacity;
        const target = (maxTransientKeys * (round + 1)) / scans;
        for (let n = Math.floor(random() * (transient.length < target ? 60 : 20)); n > 0; n--) {
          const name = `new:${next++}`;
          put(name, 1);
          transient.push(name);
        }
        for (
          let n = Math.floor(random() * (transient.length < target ? 20 : 60));
          n > 0 && transient.length > 0;
          n--
        ) {
          const at = Math.floor(random() * transient.length);
          const key = encoder.encode(transient[at]);
          transient[at] = transient[transient.length - 1];
          transient.pop();
          assert.ok(store.delete(key, 0, key.length));
        }
        for (let n = Math.floor(random() * 5); n > 0; n--) {
          put(`stable:${Math.floor(random() * stableKeys)}`, Math.floor(random() * 300));
        }
        if (table.capacity > capacity) growths++;
      } while (cursor !== 0 && calls < 100_000);
      assert.equal(cursor, 0, 'the round ends');
      const missing = [];
      for (let i = 0; i < stableKeys; i++) if (!seen.has(`stable:${i}`)) missing.push(i);
      assert.deepEqual(missing, [], `seed ${seed}, round ${round}: stable keys not returned`);
    }
    store.assertInvariants();
    assert.ok(growths >= 3, `${growths} growths`);
    assert.ok(callsDuringResize >= 5, `${callsDuringResize} calls during a resize`);
  });

  test('a round visits each key of a quiet table once, and an empty table ends at once', () => {
    const store = new ArenaStore({ maxMemoryBytes: 1024 ** 3, hashSeed: 3 });
    assert.equal(
      store.scan(0, 10, () => assert.fail('empty')),
      0,
    );
    for (let i = 0; i < 5000; i++) {
      const key = encoder.encode(`k${i}`);
      store.set(key, 0, key.length, key, 0, key.length, 0);
    }
    const counts = new Map<number, number>();
    let cursor = 0;
    do {
      cursor = store.scan(cursor, 100, (handle) => counts.set(handle, (counts.get(handle) ?? 0) + 1));
    } while (cursor !== 0);
    assert.equal(counts.size, 5000);
    assert.ok([...counts.values()].every((c) => c === 1));
  });
});
