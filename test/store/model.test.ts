import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArenaStore } from '../../src/store/arena-store.js';
import type { KeyValueStore } from '../../src/store/store-api.js';
import { MapStore } from '../support/map-store.js';
import { seededRandom } from '../support/random.js';

/** Operations per run; FKVS_MODEL_OPS=5000000 for a long run. */
const operations = Number(process.env.FKVS_MODEL_OPS ?? 500_000);
const keysCheckEvery = Math.max(1, Math.floor(operations / 20));
const invariantsCheckEvery = Math.max(1, Math.floor(operations / 10));

function valueText(store: KeyValueStore, handle: number): string {
  const o = store.valueOffset(handle);
  return Buffer.from(store.valueBytes(handle).subarray(o, o + store.valueLength(handle))).toString('latin1');
}

test(`ArenaStore behaves as the Map model over ${operations} random operations`, () => {
  const prng = seededRandom('model');
  const seed = prng.seed;
  const random = () => prng.float();
  const int = (n: number) => prng.int(n);
  const store = new ArenaStore({ maxMemoryBytes: 4 * 1024 ** 3, hashSeed: seed & 0x3fffffff });
  const model = new MapStore();
  const payload = new Uint8Array(70_000).map(() => int(256));
  let now = 1_000_000;
  store.nowMs = now;
  model.nowMs = now;
  // Key spaces: a hot one (many overwrites/deletes) and a growing one (resizes).
  const keyBytes = new Uint8Array(64);
  const makeKey = (): number => {
    const n = random() < 0.7 ? int(500) : int(operations);
    const s = `k${n}`;
    const length = n % 7 === 0 ? s.length + 20 : s.length;
    for (let i = 0; i < length; i++) keyBytes[i] = i < s.length ? s.charCodeAt(i) : n & 0xff;
    return length;
  };
  const valueLength = () => {
    const r = random();
    return r < 0.6 ? int(24) : r < 0.99 ? int(400) : int(66_000);
  };

  for (let op = 0; op < operations; op++) {
    const where = `FKVS_TEST_SEED=${seed}, op ${op}`;
    const k = makeKey();
    const r = random();
    if (r < 0.4) {
      const v = Math.min(valueLength(), 65_529);
      const vo = int(payload.length - v);
      const deadline = random() < 0.2 ? now + int(5000) : 0;
      const a = store.set(keyBytes, 0, k, payload, vo, v, deadline);
      const b = model.set(keyBytes, 0, k, payload, vo, v, deadline);
      assert.ok(a > 0 && b >= 0, where);
      assert.equal(valueText(store, a), valueText(model, b), where);
    } else if (r < 0.75) {
      const a = store.find(keyBytes, 0, k);
      const b = model.find(keyBytes, 0, k);
      assert.equal(a < 0, b < 0, `${where}: presence`);
      if (a >= 0) {
        assert.equal(valueText(store, a), valueText(model, b), where);
        assert.equal(store.deadline(a), model.deadline(b), where);
      }
    } else if (r < 0.87) {
      // An expired key may or may not have been reclaimed yet: let both expire it lazily first.
      store.find(keyBytes, 0, k);
      model.find(keyBytes, 0, k);
      assert.equal(
        store.delete(keyBytes, 0, k) || false,
        model.delete(keyBytes, 0, k) || false,
        `${where}: delete`,
      );
    } else if (r < 0.93) {
      // EXPIRE/PERSIST path: compare only keys the model still holds as live (the store may
      // already have reclaimed expired ones).
      const b = model.find(keyBytes, 0, k);
      const a = store.findIncludingExpired(keyBytes, 0, k);
      if (b >= 0) {
        assert.ok(a >= 0, where);
        const deadline = random() < 0.5 ? 0 : now + int(5000);
        store.setDeadline(a, deadline);
        model.setDeadline(b, deadline);
      }
    } else {
      now += int(200);
      store.nowMs = now;
      model.nowMs = now;
      store.expireCycle(now);
    }
    // KEYS walks and sorts everything: a fixed number of times per run, so the cost stays linear.
    if (op % keysCheckEvery === 0) {
      const keys = (s: KeyValueStore) => {
        const all: string[] = [];
        s.forEachKey((bytes, o, l) => {
          all.push(Buffer.from(bytes.subarray(o, o + l)).toString('latin1'));
          return true;
        });
        return all.sort();
      };
      assert.deepEqual(keys(store), keys(model), `${where}: keys`);
      assert.equal(store.size, model.size, where);
    }
    if (op % invariantsCheckEvery === 0) store.assertInvariants();
  }
  store.assertInvariants();
});
