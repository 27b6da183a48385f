import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ArenaStore } from '../../src/store/arena-store.js';
import { seededRandom } from '../support/random.js';

const text = new TextEncoder();
const bytes = (s: string) => text.encode(s);

/** key -> "value@deadline" */
type Image = Map<string, string>;

function entryOf(store: ArenaStore, handle: number): [string, string] {
  const ko = store.keyOffset(handle);
  const key = Buffer.from(store.keyBytes(handle).subarray(ko, ko + store.keyLength(handle))).toString();
  const vo = store.valueOffset(handle);
  const value = Buffer.from(store.valueBytes(handle).subarray(vo, vo + store.valueLength(handle))).toString();
  return [key, `${value}@${store.deadline(handle)}`];
}

function imageOf(store: ArenaStore, nowMs: number): Image {
  const image: Image = new Map();
  let cursor = 0;
  do {
    cursor = store.scan(cursor, 100, () => {});
  } while (cursor !== 0);
  store.nowMs = nowMs;
  store.forEachKey((b, o, l) => {
    const handle = store.findIncludingExpired(b, o, l);
    const [key, value] = entryOf(store, handle);
    image.set(key, value);
    return true;
  });
  return image;
}

describe('ArenaStore snapshot', () => {
  test('the walk and the kept images give the store at the start, once each, under writes, expiry and resizes', () => {
    const random = seededRandom('store snapshot');
    const store = new ArenaStore({ maxMemoryBytes: 512 * 1024 * 1024, hashSeed: random.seed & 0x3fffffff });
    const startMs = 1_000_000;
    store.nowMs = startMs;
    const put = (key: string, value: string, deadline: number) => {
      const k = bytes(key);
      const v = bytes(value);
      assert.ok(store.set(k, 0, k.length, v, 0, v.length, deadline) >= 0);
    };
    for (let i = 0; i < 3000; i++) {
      // Some deadlines lie in the past (not in the image), some pass during the walk (in it).
      const deadline = random.int(4) === 0 ? startMs - 500 + random.int(3000) : 0;
      put(`k:${i}`, 'v'.repeat(random.int(60)), deadline);
    }
    const image = imageOf(store, startMs);
    const indexBefore = store.indexBytes;
    const seen: Image = new Map();
    const take = (handle: number) => {
      const [key, value] = entryOf(store, handle);
      if (store.deadline(handle) !== 0 && store.deadline(handle) <= startMs) return; // expired at the start
      assert.ok(!seen.has(key), random.at(`${key} handed over twice`));
      seen.set(key, value);
    };
    store.beginSnapshot(take);
    let now = startMs;
    let steps = 0;
    let done = false;
    while (!done) {
      done = store.snapshotStep(1 + random.int(12), take);
      steps++;
      for (let op = 0; op < 100; op++) {
        const key = `k:${random.int(120_000)}`;
        const k = bytes(key);
        const choice = random.int(10);
        if (choice < 5)
          put(key, 'w'.repeat(random.int(300)), random.int(3) === 0 ? now + random.int(5000) : 0);
        else if (choice < 7) store.delete(k, 0, k.length);
        else if (choice < 9) {
          const handle = store.findIncludingExpired(k, 0, k.length);
          if (handle >= 0) store.setDeadline(handle, random.int(2) === 0 ? 0 : now + random.int(5000));
        } else {
          store.nowMs = now;
          store.find(k, 0, k.length); // lazy expiry
        }
      }
      now += 20;
      store.expireCycle(now);
    }
    console.log(
      `store snapshot: ${steps} steps, ${image.size} keys, index ${indexBefore} -> ${store.indexBytes} bytes`,
    );
    assert.ok(store.indexBytes >= 8 * indexBefore, 'the table grew several times during the walk');
    assert.equal(store.snapshotRunning, false);
    store.assertInvariants(); // and no entry is left marked
    assert.equal(seen.size, image.size, random.at('keys in the snapshot'));
    for (const [key, value] of image) assert.equal(seen.get(key), value, random.at(key));
  });

  test('a second snapshot after the first sees the writes since, and changes are counted', () => {
    const store = new ArenaStore({ maxMemoryBytes: 64 * 1024 * 1024 });
    const k = bytes('a');
    store.set(k, 0, 1, k, 0, 1, 0);
    store.delete(k, 0, 1);
    store.set(k, 0, 1, bytes('xy'), 0, 2, 0);
    assert.equal(store.changes, 3);
    for (let round = 0; round < 2; round++) {
      const seen: string[] = [];
      store.beginSnapshot(() => assert.fail('nothing changes'));
      assert.throws(() => store.beginSnapshot(() => {}), /running/);
      while (!store.snapshotStep(10, (h) => seen.push(entryOf(store, h).join('=')))) {}
      assert.deepEqual(seen, [round === 0 ? 'a=xy@0' : 'a=z@0']);
      store.set(k, 0, 1, bytes('z'), 0, 1, 0);
    }
  });
});
