import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  chunkBytes,
  classSizes,
  entryHeaderBytes,
  largeStubClass,
  maxInlineEntryBytes,
  sizeClassOf,
} from '../../src/store/arena.js';
import { ArenaStore } from '../../src/store/arena-store.js';
import { StoreRefusal } from '../../src/store/store-api.js';
import { seededRandom } from '../support/random.js';

const mib = 1024 * 1024;

function key(i: number): Uint8Array {
  return new TextEncoder().encode(`key:${i}`);
}

/** Stores n-byte values under keys 0, 1, ... until the store refuses one; returns how many it took. */
function fill(store: ArenaStore, valueBytes: number, first = 0): number {
  const value = new Uint8Array(valueBytes).fill(0x61);
  for (let i = first; ; i++) {
    const k = key(i);
    const r = store.set(k, 0, k.length, value, 0, valueBytes, 0);
    if (r < 0) {
      assert.equal(r, StoreRefusal.outOfMemory);
      return i - first;
    }
  }
}

/** Bytes a write of this key and value needs: its block, or for an out-of-line entry the stub and the array. */
function bytesNeeded(keyLength: number, valueLength: number): number {
  const entry = entryHeaderBytes + keyLength + valueLength;
  return entry > maxInlineEntryBytes
    ? classSizes[largeStubClass] + keyLength + valueLength
    : classSizes[sizeClassOf(entry)];
}

/** Seeded bytes: 4 at a time from the PRNG (a 16 MiB value in well under a second). */
function randomBytes(random: () => number, n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  const words = new Uint32Array(bytes.buffer, 0, n >>> 2);
  for (let i = 0; i < words.length; i++) words[i] = random() * 4294967296;
  for (let i = words.length * 4; i < n; i++) bytes[i] = random() * 256;
  return bytes;
}

function storedValue(store: ArenaStore, k: Uint8Array): Uint8Array | null {
  const h = store.find(k, 0, k.length);
  if (h < 0) return null;
  const o = store.valueOffset(h);
  return store.valueBytes(h).subarray(o, o + store.valueLength(h));
}

describe('ArenaStore memory', () => {
  test('deleting every key gives its memory to values of any size (1 KB values, then 100 bytes)', () => {
    const maxMemoryBytes = 64 * mib;
    const store = new ArenaStore({ maxMemoryBytes });
    const big = fill(store, 1024);
    for (let i = 0; i < big; i++) assert.ok(store.delete(key(i), 0, key(i).length));
    assert.equal(store.stats().bytesUsed, 0);
    const small = fill(store, 100, big);
    const fresh = fill(new ArenaStore({ maxMemoryBytes }), 100);
    console.log(`1 KB values: ${big}; then 100-byte values: ${small}; a fresh store: ${fresh}`);
    assert.ok(small >= fresh * 0.9, `${small} of ${fresh}`);
    store.assertInvariants();
  });

  test('a seeded churn of sizes over 10x maxmemory is refused only within the fragmentation margin', () => {
    const seeded = seededRandom('churn');
    const seed = seeded.seed;
    const random = () => seeded.float();
    const int = (n: number) => Math.floor(random() * n);
    const maxMemoryBytes = 32 * mib;
    const keys = 100_000;
    const store = new ArenaStore({ maxMemoryBytes, maxValueBytes: mib, hashSeed: seed & 0x3fffffff });
    // Table and deadline index grown first: refusals of the churn are then the arena's alone.
    const empty = new Uint8Array(0);
    for (let i = 0; i < keys; i++) store.set(key(i), 0, key(i).length, empty, 0, 0, 1e15);
    for (let i = 0; i < keys; i++) store.delete(key(i), 0, key(i).length);
    const payload = randomBytes(random, 2 * mib);
    const model = new Map<number, number>(); // key -> payload offset << 20 | length
    const check = (i: number) => {
      const stored = storedValue(store, key(i));
      const m = model.get(i);
      if (m === undefined) return assert.equal(stored, null, `key ${i} absent (seed ${seed})`);
      const offset = Math.floor(m / 2 ** 20);
      const length = m % 2 ** 20;
      assert.ok(stored !== null && stored.length === length, `key ${i}: length (seed ${seed})`);
      assert.equal(
        Buffer.compare(stored, payload.subarray(offset, offset + length)),
        0,
        `key ${i} (seed ${seed})`,
      );
    };
    // Each phase writes sizes of a narrow range (a few classes), so that a change of phase finds the
    // memory held by pages of other classes, thinned out by the deletes.
    const maxSizes = [100, 300, 600, 1500, 3000, 9000, 40_000, 300_000];
    let maxSize = 100;
    let written = 0;
    let refusals = 0;
    let nextPhase = 0;
    for (let op = 1; written < 10 * maxMemoryBytes; op++) {
      if (written >= nextPhase) {
        maxSize = maxSizes[int(maxSizes.length)];
        nextPhase = written + maxMemoryBytes / 2;
      }
      const i = int(keys);
      const k = key(i);
      if (random() < 0.15) {
        assert.equal(store.delete(k, 0, k.length), model.delete(i), `delete ${i} (seed ${seed})`);
      } else {
        const length = maxSize / 2 + int(maxSize / 2 + 1);
        const offset = int(payload.length - length);
        const stats = store.stats();
        const r = store.set(k, 0, k.length, payload, offset, length, random() < 0.2 ? 1e15 : 0);
        if (r >= 0) {
          model.set(i, offset * 2 ** 20 + length);
          written += length;
        } else {
          assert.equal(r, StoreRefusal.outOfMemory, `seed ${seed}`);
          const margin =
            store.fragmentationMarginBytes +
            store.indexBytes +
            (entryHeaderBytes + k.length + length > maxInlineEntryBytes ? chunkBytes : 0);
          assert.ok(
            stats.bytesUsed + bytesNeeded(k.length, length) + margin > maxMemoryBytes,
            `refused ${length} bytes with ${stats.bytesUsed} of ${maxMemoryBytes} used, margin ${margin} (seed ${seed}, op ${op})`,
          );
          refusals++;
          // Make room: a tenth of the keys go.
          for (let j = 0; j < keys / 10; j++) {
            const d = int(keys);
            store.delete(key(d), 0, key(d).length);
            model.delete(d);
          }
        }
      }
      if (op % 2000 === 0) for (let j = 0; j < 50; j++) check(int(keys));
      if (op % 20_000 === 0) store.assertInvariants();
    }
    for (let i = 0; i < keys; i++) check(i);
    store.assertInvariants();
    console.log(`churn: ${written} bytes written, ${refusals} refusals, all within the margin`);
    assert.ok(refusals > 0, 'the churn reached the limit');
  });

  test('at maxmemory, a table growth takes chunks back from pages that deletes thinned out', () => {
    const seeded = seededRandom('table growth');
    const maxMemoryBytes = 32 * mib;
    const store = new ArenaStore({ maxMemoryBytes, hashSeed: seeded.seed & 0x3fffffff });
    const big = fill(store, 1000);
    // Two keys of three go, at random: no page empties, so no chunk is free to give back as it is.
    for (let i = 0; i < big; i++) if (seeded.float() < 2 / 3) store.delete(key(i), 0, key(i).length);
    const tableBytes = store.indexBytes;
    const small = fill(store, 100, big);
    const stats = store.stats();
    console.log(
      `table growth: ${big} 1000-byte values, ${stats.keys} keys after 100-byte ones, table ${tableBytes} -> ${store.indexBytes} bytes (seed ${seeded.seed})`,
    );
    assert.ok(
      store.indexBytes >= 2 * tableBytes,
      `the table grew (${tableBytes} -> ${store.indexBytes} bytes)`,
    );
    const k = key(big + small);
    assert.ok(
      stats.bytesUsed + store.indexBytes + bytesNeeded(k.length, 100) + store.fragmentationMarginBytes >
        maxMemoryBytes,
      `refused with ${stats.bytesUsed} of ${maxMemoryBytes} used (seed ${seeded.seed})`,
    );
    store.assertInvariants();
  });

  test('at maxmemory, a deadline that grows the index from thinned pages follows its entry as it moves', () => {
    const store = new ArenaStore({ maxMemoryBytes: 32 * mib, hashSeed: 1 });
    const n = fill(store, 100);
    // Keys by page (a handle is an address in 8-byte units; a page is 64 KiB), 40 kept on each.
    const pages = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const page = Math.floor(store.find(key(i), 0, key(i).length) / ((64 * 1024) / 8));
      const onPage = pages.get(page) ?? [];
      if (onPage.length < 40) onPage.push(i);
      else store.delete(key(i), 0, key(i).length);
      pages.set(page, onPage);
    }
    // Deadlines page by page; just before each growth of the index (its count at a power of two),
    // the next page is thinned to one key and that key gets the deadline: its page is the sparsest,
    // the one compaction empties first when the growth needs chunks given back.
    const lists = [...pages.values()];
    const given: number[] = [];
    let growths = 0;
    let moved = 0;
    const give = (i: number) => {
      const handle = store.find(key(i), 0, key(i).length);
      const after = store.setDeadline(handle, 1e15 + i);
      assert.ok(after >= 0, `key ${i}: deadline refused`);
      assert.equal(after, store.find(key(i), 0, key(i).length), `key ${i}: the handle returned is the key's`);
      if (after !== handle) moved++;
      given.push(i);
    };
    // Pages from the front give their keys deadlines; pages from the back are thinned to loners.
    let back = lists.length - 1;
    for (let p = 0; p < back; p++) {
      for (const i of lists[p]) {
        const count = given.length;
        if (count >= 1024 && (count & (count - 1)) === 0 && back > p) {
          const [loner, ...rest] = lists[back];
          for (const j of rest) store.delete(key(j), 0, key(j).length);
          lists[back--] = [loner];
          give(loner);
          growths++;
        }
        give(i);
      }
    }
    for (const i of given)
      assert.equal(store.deadline(store.find(key(i), 0, key(i).length)), 1e15 + i, `key ${i}`);
    console.log(
      `deadline growth: ${given.length} deadlines, ${growths} growths, ${moved} held entries moved`,
    );
    assert.ok(moved > 0, 'a growth moved the entry it was for');
    store.assertInvariants();
  });

  describe('values stored out of line', () => {
    const seeded = seededRandom('large values');
    const random = () => seeded.float();
    const sizes = [16 * 1024, mib, 16 * mib];

    test('16 KB, 1 MB and 16 MB values are byte-exact through overwrites, and deletes give all memory back', () => {
      const store = new ArenaStore({ maxMemoryBytes: 256 * mib, maxValueBytes: 64 * mib });
      const k = key(1);
      for (const size of sizes) {
        const value = randomBytes(random, size);
        assert.ok(store.set(k, 0, k.length, value, 0, size, 0) > 0);
        assert.equal(Buffer.compare(storedValue(store, k)!, value), 0, `${size} bytes`);
        assert.equal(store.stats().bytesUsed, bytesNeeded(k.length, size));
        const other = randomBytes(random, size + 1);
        assert.ok(store.set(k, 0, k.length, other, 0, size + 1, 0) > 0, 'out of line over out of line');
        assert.equal(Buffer.compare(storedValue(store, k)!, other), 0);
        assert.ok(store.set(k, 0, k.length, other, 1, size - 1, 0) > 0, 'shorter, same array size class');
        assert.equal(Buffer.compare(storedValue(store, k)!, other.subarray(1, size)), 0);
        assert.ok(store.set(k, 0, k.length, other, 0, 10, 0) > 0, 'in line over out of line');
        assert.equal(Buffer.compare(storedValue(store, k)!, other.subarray(0, 10)), 0);
        assert.equal(store.stats().bytesUsed, bytesNeeded(k.length, 10));
        assert.ok(store.set(k, 0, k.length, value, 0, size, 0) > 0, 'out of line over in line');
        assert.equal(Buffer.compare(storedValue(store, k)!, value), 0);
        const k2 = key(2);
        assert.ok(store.set(k2, 0, k2.length, value, 0, size, 0) > 0);
        let listed = 0;
        store.forEachKey((b, o, l) => {
          listed++;
          return Buffer.from(b.subarray(o, o + l))
            .toString()
            .startsWith('key:');
        });
        assert.equal(listed, 2, 'keys of out-of-line entries are listed');
        store.assertInvariants();
        assert.ok(store.delete(k, 0, k.length));
        assert.ok(store.delete(k2, 0, k2.length));
        assert.equal(store.stats().bytesUsed, 0);
        assert.equal(storedValue(store, k), null);
      }
      store.assertInvariants();
    });

    test('out-of-line values expire, lazily and by the active cycle, and their memory goes', () => {
      const store = new ArenaStore({ maxMemoryBytes: 256 * mib, maxValueBytes: 64 * mib });
      store.nowMs = 1000;
      for (const [n, size] of sizes.entries()) {
        const value = randomBytes(random, size);
        assert.ok(store.set(key(n), 0, key(n).length, value, 0, size, 2000) > 0);
      }
      assert.equal(store.deadline(store.find(key(2), 0, key(2).length)), 2000);
      store.nowMs = 2000;
      assert.equal(storedValue(store, key(0)), null, 'lazy');
      assert.equal(store.expireCycle(2000), 2, 'active');
      assert.equal(store.size, 0);
      assert.equal(store.stats().bytesUsed, 0);
      store.assertInvariants();
    });

    test('the value limit is a parameter, and maxmemory counts out-of-line values', () => {
      const store = new ArenaStore({ maxMemoryBytes: 32 * mib, maxValueBytes: 20 * mib });
      const k = key(1);
      const value = new Uint8Array(21 * mib);
      assert.equal(store.set(k, 0, k.length, value, 0, 20 * mib + 1, 0), StoreRefusal.valueTooLarge);
      assert.ok(store.set(k, 0, k.length, value, 0, 20 * mib, 0) > 0);
      const k2 = key(2);
      assert.equal(store.set(k2, 0, k2.length, value, 0, 20 * mib, 0), StoreRefusal.outOfMemory);
      assert.equal(store.size, 1, 'the refused write left nothing');
      assert.ok(store.stats().bytesReserved <= 32 * mib);
      assert.ok(store.delete(k, 0, k.length));
      assert.ok(store.set(k2, 0, k2.length, value, 0, 20 * mib, 0) > 0, 'the memory came back');
    });

    test('a large value takes its memory back from pages that small entries left, moving them', () => {
      const maxMemoryBytes = 32 * mib;
      const store = new ArenaStore({ maxMemoryBytes, maxValueBytes: 64 * mib });
      const n = fill(store, 200);
      // Keep every eighth key: no chunk empties, so the memory comes back only by moving entries.
      for (let i = 0; i < n; i++) if (i % 8 !== 0) store.delete(key(i), 0, key(i).length);
      const used = store.stats().bytesUsed;
      const size = maxMemoryBytes - used - store.indexBytes - store.fragmentationMarginBytes - chunkBytes;
      assert.ok(size > 16 * mib, `${size} bytes to store`);
      const value = randomBytes(random, size);
      const k = key(n + 1);
      assert.ok(store.set(k, 0, k.length, value, 0, size, 0) > 0, `${size} bytes beside ${used} used`);
      assert.equal(Buffer.compare(storedValue(store, k)!, value), 0);
      for (let i = 0; i < n; i += 8) assert.equal(storedValue(store, key(i))?.length, 200, `key ${i} kept`);
      store.assertInvariants();
    });
  });
});
