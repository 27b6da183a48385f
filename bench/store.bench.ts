// Store microbenchmarks (mitata): hashing, GET hit/miss, SET overwrite, DEL, at 10K and 1M keys,
// each beside a Map<string, Buffer> baseline fed the same keys. `npm run bench:store`; pin it:
// `taskset -c 1 npm run bench:store`.
import { bench, do_not_optimize, group, run, summary } from 'mitata';
import xxhash from 'xxhash-wasm';
import { ArenaStore } from '../src/store/arena-store.js';
import { xxh32 } from '../src/store/hash.js';

const keyBytes = 16;
const valueBytes = 16;

/** n distinct 16-byte keys ("key:" + 12 digits) packed in one buffer. */
function makeKeys(n: number): Buffer {
  const keys = Buffer.alloc(n * keyBytes);
  for (let i = 0; i < n; i++) keys.write(`key:${String(i).padStart(12, '0')}`, i * keyBytes, 'latin1');
  return keys;
}

const oracle = await xxhash();
const sample = Buffer.alloc(512, 7);
summary(() => {
  for (const length of [16, 32, 64, 512]) {
    group(`hash ${length}-byte key`, () => {
      bench('xxh32 (ours, JS)', () => do_not_optimize(xxh32(sample, 0, length, 1)));
      bench('xxhash-wasm h32Raw', () => do_not_optimize(oracle.h32Raw(sample.subarray(0, length), 1)));
    });
  }
});

for (const n of [10_000, 1_000_000]) {
  const keys = makeKeys(n);
  const missing = makeKeys(2 * n).subarray(n * keyBytes);
  const value = Buffer.alloc(valueBytes, 0x76);
  const store = new ArenaStore({ maxMemoryBytes: 4 * 1024 ** 3 });
  const map = new Map<string, Buffer>();
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    store.set(keys, i * keyBytes, keyBytes, value, 0, valueBytes, 0);
    const name = keys.toString('latin1', i * keyBytes, (i + 1) * keyBytes);
    names.push(name);
    map.set(name, Buffer.from(value));
  }
  let i = 0;
  const next = () => {
    i = (i + 7919) % n;
    return i;
  };
  summary(() => {
    group(`GET hit, ${n} keys`, () => {
      bench('ArenaStore.find + value location', () => {
        const k = next();
        const h = store.find(keys, k * keyBytes, keyBytes, 0);
        do_not_optimize(store.valueOffset(h) + store.valueLength(h));
      });
      bench('Map.get, key string prebuilt', () => do_not_optimize(map.get(names[next()])));
      bench('Map.get, key decoded from bytes', () => {
        const k = next();
        do_not_optimize(map.get(keys.toString('latin1', k * keyBytes, (k + 1) * keyBytes)));
      });
    });
    group(`GET miss, ${n} keys`, () => {
      bench('ArenaStore.find', () => do_not_optimize(store.find(missing, next() * keyBytes, keyBytes, 0)));
      bench('Map.get, key decoded from bytes', () => {
        const k = next();
        do_not_optimize(map.get(missing.toString('latin1', k * keyBytes, (k + 1) * keyBytes)));
      });
    });
    group(`SET overwrite, ${n} keys`, () => {
      bench('ArenaStore.set (in place)', () =>
        do_not_optimize(store.set(keys, next() * keyBytes, keyBytes, value, 0, valueBytes, 0)),
      );
      bench('Map.set, key decoded, value copied', () => {
        const k = next();
        map.set(keys.toString('latin1', k * keyBytes, (k + 1) * keyBytes), Buffer.from(value));
      });
    });
    group(`DEL + SET back, ${n} keys`, () => {
      bench('ArenaStore', () => {
        const k = next() * keyBytes;
        store.delete(keys, k, keyBytes);
        store.set(keys, k, keyBytes, value, 0, valueBytes, 0);
      });
      bench('Map, key decoded, value copied', () => {
        const k = next();
        const name = keys.toString('latin1', k * keyBytes, (k + 1) * keyBytes);
        map.delete(name);
        map.set(name, Buffer.from(value));
      });
    });
  });
}

await run();

// SET of new keys: one timed fill of an empty store (mitata would keep growing one table).
for (const n of [10_000, 1_000_000]) {
  const keys = makeKeys(n);
  const value = Buffer.alloc(valueBytes, 0x76);
  const fill = (label: string, insert: (i: number) => void) => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) insert(i);
    const ns = Number(process.hrtime.bigint() - started) / n;
    console.log(`SET new key, fill to ${n}: ${label} ${ns.toFixed(1)} ns/op`);
  };
  const store = new ArenaStore({ maxMemoryBytes: 4 * 1024 ** 3 });
  fill('ArenaStore', (i) => store.set(keys, i * keyBytes, keyBytes, value, 0, valueBytes, 0));
  const map = new Map<string, Buffer>();
  fill('Map (decoded key, copied value)', (i) =>
    map.set(keys.toString('latin1', i * keyBytes, (i + 1) * keyBytes), Buffer.from(value)),
  );
}
