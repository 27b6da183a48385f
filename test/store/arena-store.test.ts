import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { maxKeyBytes, maxValueBytes } from '../../src/limits.js';
import { chunkBytes } from '../../src/store/arena.js';
import { ArenaStore, usableMemoryBytes } from '../../src/store/arena-store.js';
import { StoreRefusal } from '../../src/store/store-api.js';
import { seededRandom } from '../support/random.js';

const text = new TextEncoder();
const bytes = (s: string) => text.encode(s);

function set(store: ArenaStore, key: string, value: string | Uint8Array, deadline = 0): number {
  const k = bytes(key);
  const v = typeof value === 'string' ? bytes(value) : value;
  return store.set(k, 0, k.length, v, 0, v.length, deadline);
}
function get(store: ArenaStore, key: string, now = 0): string | null {
  const k = bytes(key);
  store.nowMs = now;
  const h = store.find(k, 0, k.length);
  if (h < 0) return null;
  const o = store.valueOffset(h);
  return Buffer.from(store.valueBytes(h).subarray(o, o + store.valueLength(h))).toString('latin1');
}

describe('ArenaStore', () => {
  test('default maxmemory follows a container memory limit below the machine RAM, and only then', () => {
    const gib = 1024 ** 3;
    assert.equal(usableMemoryBytes(24 * gib, 2 * gib), 2 * gib);
    assert.equal(usableMemoryBytes(24 * gib, 2 ** 64 - 1), 24 * gib); // cgroup without a limit
    assert.equal(usableMemoryBytes(24 * gib, 0), 24 * gib); // no cgroup information
    assert.equal(usableMemoryBytes(24 * gib, 48 * gib), 24 * gib);
  });

  test('prefetch hands out the hashes the store itself uses, and helps only past a table size', () => {
    const store = new ArenaStore({ maxMemoryBytes: 256 * 1024 * 1024, prefetchMinTableBytes: 64 * 1024 });
    assert.equal(store.prefetchHelps, false, 'an empty table fits any cache');
    const keys = Buffer.from('alphabetagammadelta', 'latin1');
    const offsets = new Int32Array([0, 5, 9, 14]);
    const lengths = new Int32Array([5, 4, 5, 5]);
    const hashes = new Int32Array(4);
    store.prefetch(keys, offsets, lengths, 4, hashes);
    const v = bytes('v');
    store.set(keys, 0, 5, v, 0, 1, 0, hashes[0]);
    store.set(keys, 5, 4, v, 0, 1, 0);
    assert.ok(store.find(keys, 0, 5) >= 0, 'set with the prefetched hash, found without it');
    assert.ok(store.find(keys, 5, 4, hashes[1]) >= 0, 'set without, found with the prefetched hash');
    assert.ok(store.delete(keys, 0, 5, hashes[0]));
    assert.equal(store.find(keys, 0, 5), -1);
    store.assertInvariants();
    // 64 KiB of table is 8,192 slots: it grows to that size past 3,072 keys (load 0.75 of 4,096).
    for (let i = 0; !store.prefetchHelps; i++) {
      assert.ok(i <= 3072, 'prefetch helps once the table has grown to 64 KiB');
      set(store, `key${i}`, 'v');
    }
    assert.equal(store.size, 3072 + 1);
  });

  test('set, find, overwrite in place and across size classes, delete', () => {
    const store = new ArenaStore({ maxMemoryBytes: 64 * 1024 * 1024 });
    const h = set(store, 'k', 'v1');
    assert.ok(h > 0);
    assert.equal(set(store, 'k', 'v2'), h, 'same class: in place');
    assert.equal(get(store, 'k'), 'v2');
    const grown = set(store, 'k', 'x'.repeat(1000));
    assert.notEqual(grown, h, 'moved to a larger class');
    assert.equal(get(store, 'k'), 'x'.repeat(1000));
    assert.equal(set(store, 'k', ''), h, 'back to the freed small entry');
    assert.equal(get(store, 'k'), '');
    assert.equal(store.size, 1);
    assert.equal(store.delete(bytes('k'), 0, 1), true);
    assert.equal(store.delete(bytes('k'), 0, 1), false);
    assert.equal(get(store, 'k'), null);
    store.assertInvariants();
  });

  test('a key asked for again (the recent key) is found anew after delete, expiry, a new size class and other keys', () => {
    const store = new ArenaStore({ maxMemoryBytes: 64 * 1024 * 1024 });
    set(store, 'hot', 'v1');
    assert.equal(get(store, 'hot'), 'v1');
    assert.equal(get(store, 'hot'), 'v1');
    set(store, 'hot', 'v2'); // in place
    assert.equal(get(store, 'hot'), 'v2');
    set(store, 'hot', 'x'.repeat(300)); // another class: a new block, the old one released
    set(store, 'cold', 'c');
    assert.equal(get(store, 'hot'), 'x'.repeat(300));
    assert.ok(store.delete(bytes('hot'), 0, 3));
    assert.equal(get(store, 'hot'), null);
    set(store, 'hot', 'v3', 1000);
    assert.equal(get(store, 'hot', 999), 'v3');
    assert.equal(get(store, 'hot', 1000), null, 'expired: removed on find');
    assert.equal(get(store, 'hot', 1000), null);
    set(store, 'ho', 'short');
    assert.equal(get(store, 'hot'), null, 'a key that is a prefix of the recent one is another key');
    assert.equal(get(store, 'ho'), 'short');
    assert.equal(get(store, 'cold'), 'c');
    store.assertInvariants();
  });

  test('overwriteValue: in place while the size class holds (deadline kept, change counted, snapshot image kept), refused otherwise with nothing changed', () => {
    const store = new ArenaStore({ maxMemoryBytes: 64 * 1024 * 1024 });
    const h = set(store, 'n', '99', 5000);
    let changes = store.changes;
    assert.equal(store.overwriteValue(h, bytes('x100'), 1, 3), true);
    assert.equal(get(store, 'n'), '100');
    assert.equal(store.find(bytes('n'), 0, 1), h, 'the same entry');
    assert.equal(store.deadline(h), 5000);
    assert.equal(store.changes, ++changes);
    // 8 + 1 + 8 bytes take a larger block than 8 + 1 + 2.
    assert.equal(store.overwriteValue(h, bytes('12345678'), 0, 8), false);
    assert.equal(store.overwriteValue(h, bytes(''), 0, 0), true, 'shorter, same class');
    assert.equal(get(store, 'n'), '');
    assert.equal(store.overwriteValue(h, bytes('100'), 0, 3), true);
    const large = set(store, 'L', 'y'.repeat(10000));
    assert.equal(store.overwriteValue(large, bytes('z'.repeat(10000)), 0, 10000), false, 'out of line');
    assert.equal(get(store, 'L'), 'y'.repeat(10000));
    assert.equal(store.changes, changes + 3);
    const kept: string[] = [];
    store.beginSnapshot((handle) => {
      const o = store.valueOffset(handle);
      kept.push(Buffer.from(store.valueBytes(handle).subarray(o, o + store.valueLength(handle))).toString());
    });
    assert.equal(store.overwriteValue(h, bytes('101'), 0, 3), true);
    assert.deepEqual(kept, ['100'], 'the image at the snapshot start, before the first change');
    while (!store.snapshotStep(100, () => {}));
    assert.equal(get(store, 'n'), '101');
    store.assertInvariants();
  });

  test('rewriteValue: same-length bytes written over the value in place (change counted, deadline kept, snapshot image kept, out of line too)', () => {
    const store = new ArenaStore({ maxMemoryBytes: 64 * 1024 * 1024 });
    const rewrite = (handle: number, text: string) => {
      store.rewriteValue(handle);
      store.valueBytes(handle).set(bytes(text), store.valueOffset(handle));
    };
    const h = set(store, 'n', '100', 5000);
    // A key too long for the pages: the entry lives out of line, its value in the key's array.
    const longKey = 'k'.repeat(9000);
    const large = set(store, longKey, '7');
    const changes = store.changes;
    const kept: string[] = [];
    store.beginSnapshot((handle) => {
      const o = store.valueOffset(handle);
      kept.push(Buffer.from(store.valueBytes(handle).subarray(o, o + store.valueLength(handle))).toString());
    });
    rewrite(h, '101');
    rewrite(h, '102');
    rewrite(large, '8');
    assert.deepEqual(kept.sort(), ['100', '7'], 'each image at the snapshot start, once');
    assert.equal(store.changes, changes + 3);
    while (!store.snapshotStep(100, () => {}));
    assert.equal(get(store, 'n'), '102');
    assert.equal(get(store, longKey), '8');
    assert.equal(store.find(bytes('n'), 0, 1), h, 'the same entry');
    assert.equal(store.deadline(h), 5000);
    store.assertInvariants();
  });

  test('keys are binary-safe and compared by bytes, including the empty key', () => {
    const store = new ArenaStore({ maxMemoryBytes: 64 * 1024 * 1024 });
    const a = new Uint8Array([0, 255, 0]);
    const b = new Uint8Array([0, 255, 1]);
    store.set(a, 0, 3, b, 0, 3, 0);
    store.set(b, 0, 3, a, 0, 3, 0);
    store.set(a, 0, 0, a, 0, 1, 0);
    assert.deepEqual([...store.valueBytes(store.find(a, 0, 3)).subarray(0, 0)], []);
    const h = store.find(b, 0, 3);
    assert.deepEqual(
      [...store.valueBytes(h).subarray(store.valueOffset(h), store.valueOffset(h) + 3)],
      [0, 255, 0],
    );
    assert.equal(store.valueLength(store.find(a, 0, 0)), 1);
    assert.equal(store.size, 3);
  });

  test('lazy expiry on find; findIncludingExpired still sees the key (revival quirk)', () => {
    const store = new ArenaStore({ maxMemoryBytes: 64 * 1024 * 1024 });
    set(store, 'a', '1', 1000);
    assert.equal(get(store, 'a', 999), '1');
    const k = bytes('a');
    const h = store.findIncludingExpired(k, 0, 1);
    assert.equal(store.deadline(h), 1000);
    assert.ok(store.findIncludingExpired(k, 0, 1) > 0, 'expired but not yet reclaimed');
    store.setDeadline(h, 0);
    assert.equal(get(store, 'a', 5000), '1', 'revived');
    store.setDeadline(h, 4000);
    assert.equal(get(store, 'a', 4000), null, 'deadline <= now is expired');
    assert.equal(store.findIncludingExpired(k, 0, 1), -1, 'the lazy check reclaimed it');
    store.assertInvariants();
  });

  test('plain set clears a deadline, set with a deadline replaces it', () => {
    const store = new ArenaStore({ maxMemoryBytes: 64 * 1024 * 1024 });
    const h = set(store, 'a', '1', 1000);
    assert.equal(store.deadline(h), 1000);
    assert.equal(store.deadline(set(store, 'a', '2', 2000)), 2000);
    assert.equal(store.deadline(set(store, 'a', '3')), 0);
    assert.equal(store.stats().keysWithDeadline, 0);
  });

  test('the active cycle reclaims expired keys that are never read, within a few cycles', () => {
    const store = new ArenaStore({ maxMemoryBytes: 256 * 1024 * 1024 });
    for (let i = 0; i < 50_000; i++) set(store, `exp:${i}`, 'v', 1000);
    for (let i = 0; i < 1000; i++) set(store, `live:${i}`, 'v', 10_000_000);
    // Each cycle stops at its CPU budget, so how many it takes depends on the machine's load:
    // bound it loosely (a cycle does at least 10,000 slots unless the budget runs out).
    let cycles = 0;
    while (store.size > 1000 && cycles < 1000) {
      store.expireCycle(2000);
      cycles++;
    }
    assert.equal(store.size, 1000, `all reclaimed, within ${cycles} cycles of 100 ms`);
    assert.equal(store.stats().keysWithDeadline, 1000);
    assert.equal(store.expireCycle(2000), 0);
    for (let i = 0; i < 20; i++) set(store, `late:${i}`, 'v', 3000);
    for (let c = 0; c < 2; c++) store.expireCycle(4000);
    assert.equal(store.size, 1000, 'a few expired keys among many live ones are found by the sweep too');
    store.assertInvariants();
  });

  test('forEachKey purges expired keys and lists every live one', () => {
    const store = new ArenaStore({ maxMemoryBytes: 64 * 1024 * 1024 });
    for (let i = 0; i < 3000; i++) set(store, `k${i}`, 'v', i % 3 === 0 ? 50 : 0);
    const seen: string[] = [];
    store.nowMs = 100;
    store.forEachKey((b, o, l) => {
      seen.push(Buffer.from(b.subarray(o, o + l)).toString());
      return true;
    });
    assert.equal(seen.length, 2000);
    assert.equal(new Set(seen).size, 2000);
    assert.ok(seen.every((k) => Number(k.slice(1)) % 3 !== 0));
    assert.equal(store.size, 2000);
    let visits = 0;
    store.forEachKey(() => ++visits < 10);
    assert.equal(visits, 10, 'returning false stops the walk');
  });

  test('limits refuse and leave the store unchanged', () => {
    const store = new ArenaStore({ maxMemoryBytes: 64 * 1024 * 1024, maxKeys: 3 });
    const big = new Uint8Array(Math.max(maxKeyBytes, maxValueBytes) + 1);
    assert.equal(store.set(big, 0, maxKeyBytes + 1, big, 0, 1, 0), StoreRefusal.keyTooLarge);
    assert.equal(store.set(big, 0, 1, big, 0, maxValueBytes + 1, 0), StoreRefusal.valueTooLarge);
    assert.ok(store.set(big, 0, maxKeyBytes, big, 0, maxValueBytes, 0) > 0, 'both at their limit');
    set(store, 'b', '1');
    set(store, 'c', '1');
    assert.equal(set(store, 'd', '1'), StoreRefusal.tooManyKeys);
    assert.ok(set(store, 'c', '2') > 0, 'overwrites are not new keys');
    assert.equal(store.size, 3);
    store.assertInvariants();
  });

  test('maxmemory: refusal once the arena may not grow, and overwrites that fit still work', () => {
    const store = new ArenaStore({ maxMemoryBytes: chunkBytes + 256 * 1024 });
    const value = new Uint8Array(1000);
    let n = 0;
    while (set(store, `key${n}`, value) > 0) n++;
    assert.equal(set(store, `key${n}`, value), StoreRefusal.outOfMemory);
    assert.ok(n > 3000, `${n} keys fit`);
    assert.equal(store.size, n);
    assert.ok(set(store, 'key0', new Uint8Array(999)) > 0, 'same class overwrite needs no memory');
    assert.equal(set(store, 'key1', new Uint8Array(5000)), StoreRefusal.outOfMemory);
    assert.equal(get(store, 'key1')?.length, 1000, 'refused overwrite left the value');
    assert.ok(store.stats().bytesReserved <= store.maxMemoryBytes);
    store.assertInvariants();
  });
});

describe('ArenaStore scan', () => {
  test('a seeded walk under concurrent writes and resizes returns every key present throughout', () => {
    const seeded = seededRandom('scan');
    const seed = seeded.seed;
    const random = () => seeded.float();
    const int = (n: number) => Math.floor(random() * n);
    const store = new ArenaStore({ maxMemoryBytes: 256 * 1024 * 1024, hashSeed: seed & 0x3fffffff });
    for (let i = 0; i < 2000; i++) set(store, `stable:${i}`, 'v');
    const churn = new Set<number>();
    const seen = new Map<string, number>();
    const indexBefore = store.indexBytes;
    let cursor = 0;
    let steps = 0;
    do {
      cursor = store.scan(cursor, 1 + int(20), (b, o, l) => {
        const k = Buffer.from(b.subarray(o, o + l)).toString();
        seen.set(k, (seen.get(k) ?? 0) + 1);
      });
      steps++;
      for (let op = 0; op < 40; op++) {
        const n = int(200_000);
        if (churn.has(n) && random() < 0.3) {
          assert.ok(store.delete(bytes(`churn:${n}`), 0, `churn:${n}`.length));
          churn.delete(n);
        } else {
          set(store, `churn:${n}`, 'x'.repeat(int(40)));
          churn.add(n);
        }
        // Stable keys change size class (their entries move), never leave.
        if (random() < 0.1) set(store, `stable:${int(2000)}`, 'y'.repeat(int(300)));
      }
    } while (cursor !== 0);
    for (let i = 0; i < 2000; i++) assert.ok(seen.has(`stable:${i}`), `stable:${i} returned (seed ${seed})`);
    for (const k of seen.keys()) assert.match(k, /^(stable|churn):\d+$/);
    console.log(
      `scan: ${steps} steps, ${seen.size} keys seen, index ${indexBefore} -> ${store.indexBytes} bytes`,
    );
    assert.ok(store.indexBytes >= 16 * indexBefore, 'the table grew several times during the walk');
    store.assertInvariants();
  });

  test('scan skips expired keys, and an empty store ends at once', () => {
    const store = new ArenaStore({ maxMemoryBytes: 64 * 1024 * 1024 });
    assert.equal(
      store.scan(0, 10, () => assert.fail('empty')),
      0,
    );
    set(store, 'a', '1', 1000);
    set(store, 'b', '1');
    store.nowMs = 1000;
    const keys: string[] = [];
    let cursor = 0;
    do {
      cursor = store.scan(cursor, 1, (b, o, l) => keys.push(Buffer.from(b.subarray(o, o + l)).toString()));
    } while (cursor !== 0);
    assert.deepEqual(keys, ['b']);
  });
});

test('adviseMemory sees each arena chunk and each grown table before they are used', () => {
  const advised: ArrayBuffer[] = [];
  const store = new ArenaStore({ adviseMemory: (buffer) => advised.push(buffer) });
  const key = new Uint8Array(16);
  const value = new Uint8Array(100);
  const keys = 200_000; // ~25 MB of entries: several chunks, and the table grows past its first size
  for (let i = 0; i < keys; i++) {
    new DataView(key.buffer).setUint32(0, i);
    assert.ok(store.set(key, 0, 16, value, 0, 100, 0) > 0);
  }
  const chunks = advised.filter((b) => b.byteLength === chunkBytes).length;
  assert.ok(chunks >= Math.floor((keys * 128) / chunkBytes), `${chunks} chunks advised`);
  assert.ok(
    advised.some((b) => b.byteLength !== chunkBytes),
    'a grown table advised too',
  );
  assert.equal(new Set(advised).size, advised.length, 'each buffer once');
});
