import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Databases } from '../../src/commands/databases.js';
import {
  defaultEvictionSettings,
  EvictionPolicy,
  evictionPolicyNames,
  lfuDecayed,
  lfuNew,
  lfuTouched,
} from '../../src/store/access-clock.js';
import { evictionBatchKeys } from '../../src/store/arena-store.js';
import { StoreRefusal } from '../../src/store/store-api.js';
import { seededRandom } from '../support/random.js';

const mib = 1024 * 1024;
const maxMemoryBytes = 8 * mib;
const t0 = 1_700_000_000_000;

function keyOf(i: number): Buffer {
  return Buffer.from(`key:${String(i).padStart(12, '0')}`);
}

function databases(policy: number): Databases {
  const eviction = defaultEvictionSettings();
  eviction.policy = policy;
  return new Databases({ maxMemoryBytes, eviction });
}

describe('eviction', () => {
  for (const name of evictionPolicyNames) {
    const policy = evictionPolicyNames.indexOf(name);
    const refusing =
      policy === 0
        ? ', refusing past it'
        : name.startsWith('volatile')
          ? ', refusing only once no key with a deadline is left'
          : ', never refusing';
    test(`${name}: a fill to 3x maxmemory stays within it${refusing}`, () => {
      const random = seededRandom(`fill ${name}`);
      const dbs = databases(policy);
      const store = dbs.get(0);
      const other = dbs.get(3); // databases share maxmemory and are evicted from alike
      const volatile = name.startsWith('volatile');
      const value = Buffer.alloc(400, 'v');
      let written = 0;
      let refused = 0;
      let withoutDeadline = 0;
      for (let i = 0; written < 3 * maxMemoryBytes; i++) {
        const target = i % 4 === 3 ? other : store;
        target.nowMs = t0 + i;
        const k = keyOf(i);
        const size = 10 + random.int(390);
        // volatile: every other key has a deadline (far off: none expires), and those without must stay.
        const deadline = volatile && i % 2 === 1 ? t0 + 3_600_000 + random.int(1_000_000) : 0;
        const handle = target.set(k, 0, k.length, value, 0, size, deadline);
        if (handle < 0) {
          assert.equal(handle, StoreRefusal.outOfMemory, random.at(`set ${i}`));
          refused++;
        } else {
          written += size + k.length;
          if (deadline === 0 && volatile) withoutDeadline++;
        }
        const reserved = dbs.reservedBytes();
        assert.ok(reserved <= maxMemoryBytes, random.at(`${reserved} bytes reserved after set ${i}`));
        if (refused > 0 && (volatile || policy === EvictionPolicy.noeviction)) break; // nothing left to evict
      }
      const used = store.stats().bytesUsed + other.stats().bytesUsed;
      const index = store.indexBytes + other.indexBytes;
      console.log(
        `${name}: ${store.size + other.size} keys, ${used} bytes of entries + ${index} of index, ` +
          `${dbs.evictor.evictedKeys} evicted, ${refused} refused`,
      );
      if (policy === EvictionPolicy.noeviction) {
        assert.ok(refused > 0, 'noeviction refuses at maxmemory');
        assert.equal(dbs.evictor.evictedKeys, 0);
        return;
      }
      assert.ok(dbs.evictor.evictedKeys > 0, 'keys were evicted');
      // Evicting only what a write needs keeps the cache full: within the arena's margin.
      const margin = store.fragmentationMarginBytes + other.fragmentationMarginBytes;
      assert.ok(
        used + index >= maxMemoryBytes - margin,
        random.at(`${used + index} bytes held, margin ${margin}`),
      );
      store.assertInvariants();
      other.assertInvariants();
      if (volatile) {
        // Every key without a deadline is still there; the writes were refused only once none with one was left.
        assert.equal(
          store.size + other.size - store.keysWithDeadline - other.keysWithDeadline,
          withoutDeadline,
        );
        assert.ok(
          refused > 0 && store.keysWithDeadline + other.keysWithDeadline === 0,
          random.at('refused at the end'),
        );
      } else {
        assert.equal(refused, 0, random.at('no write refused'));
      }
    });
  }

  test('allkeys-lru evicts old untouched keys before a key read all along', () => {
    const dbs = databases(EvictionPolicy.allkeysLru);
    const store = dbs.get(0);
    const hot = keyOf(-1);
    const value = Buffer.alloc(100, 'v');
    store.nowMs = t0;
    store.set(hot, 0, hot.length, value, 0, 100, 0);
    const first = 100;
    for (let i = 0; i < 300_000; i++) {
      store.nowMs = t0 + i; // 1 ms per write: the LRU clock (16 ms) moves on
      const k = keyOf(i);
      assert.ok(store.set(k, 0, k.length, value, 0, 100, 0) > 0);
      if (i % 1000 === 0) assert.ok(store.find(hot, 0, hot.length) >= 0, `hot key gone after ${i} writes`);
    }
    assert.ok(dbs.evictor.evictedKeys > 100_000);
    let oldLeft = 0;
    for (let i = 0; i < first; i++) if (store.find(keyOf(i), 0, keyOf(i).length) >= 0) oldLeft++;
    assert.equal(oldLeft, 0, 'the first keys written (never read) are evicted');
    assert.ok(store.find(hot, 0, hot.length) >= 0);
  });

  test('allkeys-lfu keeps a key read often while newer keys read once are evicted', () => {
    const dbs = databases(EvictionPolicy.allkeysLfu);
    const store = dbs.get(0);
    const hot = keyOf(-1);
    const value = Buffer.alloc(100, 'v');
    store.nowMs = t0;
    store.set(hot, 0, hot.length, value, 0, 100, 0);
    for (let r = 0; r < 2000; r++) store.find(hot, 0, hot.length);
    for (let i = 0; i < 300_000; i++) {
      const k = keyOf(i);
      assert.ok(store.set(k, 0, k.length, value, 0, 100, 0) > 0);
    }
    assert.ok(dbs.evictor.evictedKeys > 100_000);
    const handle = store.find(hot, 0, hot.length);
    assert.ok(handle >= 0, 'the frequently read key stays');
    assert.ok(lfuDecayed(store.access(handle), store.nowMs, 1) > 20);
  });

  test('the LFU counter grows logarithmically and decays by one a minute, as Redis', () => {
    const settings = defaultEvictionSettings();
    let word = lfuNew(t0);
    assert.equal(word & 0xff, 5);
    const random = seededRandom('lfu counter');
    for (let i = 0; i < 100_000; i++) word = lfuTouched(word, t0, settings, random.float());
    // Redis's table for lfu-log-factor 10: 100K hits give 255 at most; 1M hits give 255.
    const counter = word & 0xff;
    assert.ok(counter > 100 && counter <= 255, random.at(`counter ${counter}`));
    assert.equal(lfuDecayed(word, t0 + 10 * 60_000, 1), counter - 10);
    assert.equal(lfuDecayed(word, t0 + 10 * 60_000, 0), counter);
  });

  test('a policy changed at run time applies to the next eviction', () => {
    const dbs = databases(EvictionPolicy.noeviction);
    const store = dbs.get(0);
    const value = Buffer.alloc(200, 'v');
    let i = 0;
    for (; ; i++) {
      const k = keyOf(i);
      if (store.set(k, 0, k.length, value, 0, 200, 0) < 0) break;
    }
    dbs.evictor.settings.policy = EvictionPolicy.allkeysRandom;
    const k = keyOf(i);
    assert.ok(store.set(k, 0, k.length, value, 0, 200, 0) > 0);
    assert.ok(dbs.evictor.evictedKeys >= 1);
    dbs.evictor.settings.policy = EvictionPolicy.volatileLru; // no key has a deadline
    const evicted = dbs.evictor.evictedKeys;
    // The batch evicted for the write above left room for a few more writes; then one is refused.
    let refusedAt = 0;
    for (let j = 1; j <= evictionBatchKeys + 1 && refusedAt === 0; j++) {
      const next = keyOf(i + j);
      if (store.set(next, 0, next.length, value, 0, 200, 0) === StoreRefusal.outOfMemory) refusedAt = j;
    }
    assert.ok(refusedAt > 0, 'a write under volatile-lru with no deadline is refused');
    assert.equal(dbs.evictor.evictedKeys, evicted);
  });

  test('an eviction during a snapshot keeps the key for it first, counts as a change, and is reported', () => {
    const random = seededRandom('evict during snapshot');
    const dbs = databases(EvictionPolicy.allkeysLru);
    const store = dbs.get(0);
    const value = Buffer.alloc(300);
    const text = (b: Uint8Array, o: number, n: number) =>
      Buffer.from(b.subarray(o, o + n)).toString('latin1');
    let i = 0;
    for (; dbs.evictor.evictedKeys === 0; i++) {
      value.fill(i % 251);
      const k = keyOf(i);
      store.nowMs = t0 + i;
      assert.ok(store.set(k, 0, k.length, value, 0, 50 + random.int(250), 0) > 0, random.at(`fill ${i}`));
    }
    const atStart = new Map<string, string>();
    store.forEachKey((b, o, n) => {
      const h = store.find(b, o, n);
      atStart.set(text(b, o, n), text(store.valueBytes(h), store.valueOffset(h), store.valueLength(h)));
      return true;
    });
    const seen = new Map<string, string>();
    const take = (h: number) => {
      const key = text(store.keyBytes(h), store.keyOffset(h), store.keyLength(h));
      assert.ok(!seen.has(key), random.at(`${key} seen twice`));
      seen.set(key, text(store.valueBytes(h), store.valueOffset(h), store.valueLength(h)));
    };
    const reported: string[] = [];
    dbs.evictor.evicted = (db, b, o, n) => {
      assert.equal(db, 0);
      reported.push(text(b, o, n));
    };
    const evictedBefore = dbs.evictor.evictedKeys;
    const changesBefore = store.changes;
    store.beginSnapshot(take);
    let writes = 0;
    let done = false;
    while (!done) {
      for (let w = 0; w < 20; w++, i++, writes++) {
        value.fill(i % 251);
        const k = keyOf(i);
        store.nowMs = t0 + i;
        assert.ok(store.set(k, 0, k.length, value, 0, 50 + random.int(250), 0) > 0, random.at(`write ${i}`));
      }
      done = store.snapshotStep(1 + random.int(8), take);
    }
    const evicted = dbs.evictor.evictedKeys - evictedBefore;
    assert.ok(evicted > atStart.size / 4, random.at(`${evicted} evicted of ${atStart.size}`));
    assert.equal(store.changes - changesBefore, writes + evicted);
    assert.equal(reported.length, evicted);
    for (const key of reported) assert.equal(store.find(Buffer.from(key, 'latin1'), 0, key.length), -1);
    assert.deepEqual(seen, atStart, random.at('the snapshot is the keyspace at its start'));
    store.assertInvariants();
  });
});

describe('eviction across databases', () => {
  test('a table doubling in one database evicts about what it needs, not every key of the others', () => {
    // Eviction takes keys of any database; the memory they free must come back through their
    // arena, not be counted against this one's (which evicted all of database 0 here).
    const dbs = databases(EvictionPolicy.allkeysLru);
    const first = dbs.get(0);
    const second = dbs.get(1);
    const value = Buffer.alloc(16, 'v');
    const key = (prefix: string, i: number) => Buffer.from(`${prefix}${String(i).padStart(15, '0')}`);
    let i = 0;
    for (; dbs.evictor.evictedKeys < 10_000; i++) {
      first.nowMs = t0 + i;
      assert.ok(first.set(key('a', i), 0, 16, value, 0, 16, 0) > 0, `fill ${i}`);
    }
    const full = first.size;
    let fewest = full;
    let doublings = 0;
    let indexBytes = second.indexBytes;
    for (let j = 0; j < full / 4; j++) {
      second.nowMs = t0 + i + j;
      assert.ok(second.set(key('b', j), 0, 16, value, 0, 16, 0) > 0, `write ${j} to database 1`);
      fewest = Math.min(fewest, first.size + second.size);
      if (second.indexBytes > indexBytes) doublings++;
      indexBytes = second.indexBytes;
      assert.ok(dbs.reservedBytes() <= maxMemoryBytes);
    }
    console.log(
      `${full} keys in database 0, then ${Math.floor(full / 4)} to database 1 (${doublings} table growths): ` +
        `at fewest ${fewest} keys held, ${first.size} left in database 0`,
    );
    assert.ok(doublings >= 3, 'the table of database 1 grew');
    assert.ok(fewest >= full / 2, `${fewest} keys held at fewest, of ${full}`);
    assert.ok(first.size > 0);
  });
});
