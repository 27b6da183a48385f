// Store microbenchmarks (mitata), one process per data set so that one set's garbage does not
// land in another's timings:
//   node dist/bench/store.bench.js hash      XXH32 (ours, JS) vs xxhash-wasm h32Raw by key length
//   node dist/bench/store.bench.js refused   SET of a new key refused at maxmemory (noeviction)
//   node dist/bench/store.bench.js <n>       GET hit/miss, SET overwrite, SET new key, DEL at n keys,
//                                            each beside a Map<string, Buffer> fed the same keys; GET
//                                            hit and SET new key also with keys prefetched in batches
// Run it with --expose-gc: mitata then collects garbage before each benchmark, so that the set-up
// garbage of a 1M-key Map does not land in the first timings. Every result is one line
// "label: value unit"; bench/repeat.ts runs it several times and prints medians (`npm run bench:store`).
import { bench, do_not_optimize, run } from 'mitata';
import xxhash from 'xxhash-wasm';
import { Databases } from '../src/commands/databases.js';
import { maxPrefetchKeys } from '../src/limits.js';
import { ArenaStore } from '../src/store/arena-store.js';
import { xxh32 } from '../src/store/hash.js';

const keyBytes = 16;
const valueBytes = 16;
const what = process.argv[2] ?? 'hash';

/** n distinct 16-byte keys ("key:" + 12 digits) packed in one buffer, from number `first` on. */
function makeKeys(n: number, first = 0): Buffer {
  const keys = Buffer.alloc(n * keyBytes);
  for (let i = 0; i < n; i++)
    keys.write(`key:${String(first + i).padStart(12, '0')}`, i * keyBytes, 'latin1');
  return keys;
}

/** Runs the registered mitata benchmarks; prints "label: ns/op" lines and returns label -> ns/op. */
async function measure(): Promise<Map<string, number>> {
  const result = await run({ format: 'quiet' });
  const nsPerOp = new Map<string, number>();
  for (const trial of result.benchmarks) {
    const stats = trial.runs[0].stats;
    if (stats === undefined) throw new Error(`${trial.alias} failed`);
    nsPerOp.set(trial.alias, stats.avg);
    console.log(`${trial.alias}: ${stats.avg.toFixed(1)} ns/op`);
  }
  return nsPerOp;
}

function ratio(label: string, slower: number | undefined, faster: number | undefined): void {
  if (slower === undefined || faster === undefined) throw new Error(`no figures for ${label}`);
  console.log(`${label}: ${(slower / faster).toFixed(2)} x`);
}

if (what === 'hash') {
  const oracle = await xxhash();
  const sample = Buffer.alloc(512, 7);
  const lengths = [16, 32, 64, 128, 256, 512];
  for (const length of lengths) {
    const key = sample.subarray(0, length);
    bench(`hash ${length} B | xxh32 (ours, JS)`, () => do_not_optimize(xxh32(sample, 0, length, 1, 2)));
    bench(`hash ${length} B | xxhash-wasm h32Raw`, () => do_not_optimize(oracle.h32Raw(key, 1)));
  }
  const ns = await measure();
  for (const length of lengths) {
    ratio(
      `hash ${length} B | wasm time / ours`,
      ns.get(`hash ${length} B | xxhash-wasm h32Raw`),
      ns.get(`hash ${length} B | xxh32 (ours, JS)`),
    );
  }
} else if (what === 'refused') {
  // A SET of a new key refused at maxmemory under noeviction (what a client retrying into a full
  // server costs the loop), with one database holding the data and with two sharing maxmemory.
  const maxMemoryBytes = 256 * 1024 * 1024;
  const value = Buffer.alloc(100, 0x76);
  const fresh = makeKeys(1, 999_999_999_999);
  for (const count of [1, 2]) {
    const databases = new Databases({ maxMemoryBytes });
    const keys = makeKeys(1);
    for (let i = 0; ; i++) {
      keys.write(String(i).padStart(12, '0'), 4, 'latin1');
      if (databases.get(i % count).set(keys, 0, keyBytes, value, 0, value.length, 0) < 0) break;
    }
    const first = databases.get(0);
    bench(`SET refused at maxmemory, ${count} database(s) | ArenaStore`, () =>
      do_not_optimize(first.set(fresh, 0, keyBytes, value, 0, value.length, 0)),
    );
  }
  await measure();
} else {
  const n = Number(what);
  const keys = makeKeys(n);
  const missing = makeKeys(n, n);
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
  // A stride through the keys that defeats caches and prefetching on large tables.
  let i = 0;
  const next = () => {
    i = (i + 7919) % n;
    return i;
  };
  const decoded = (bytes: Buffer, k: number) => bytes.toString('latin1', k * keyBytes, (k + 1) * keyBytes);
  const at = `${n} keys`;
  bench(`GET hit, ${at} | ArenaStore (find + value location)`, () => {
    const h = store.find(keys, next() * keyBytes, keyBytes);
    do_not_optimize(store.valueOffset(h) + store.valueLength(h));
  });
  // What the dispatcher does with a pipelined batch: prefetch its keys, then run them with their hashes.
  const batch = maxPrefetchKeys;
  const offsets = new Int32Array(batch);
  const lengths = new Int32Array(batch).fill(keyBytes);
  const hashes = new Int32Array(batch);
  bench(`GET hit, ${at} | ArenaStore, ${batch} keys prefetched at a time (ns per ${batch} GETs)`, () => {
    for (let j = 0; j < batch; j++) offsets[j] = next() * keyBytes;
    store.prefetch(keys, offsets, lengths, batch, hashes);
    let sum = 0;
    for (let j = 0; j < batch; j++)
      sum += store.valueLength(store.find(keys, offsets[j], keyBytes, hashes[j]));
    do_not_optimize(sum);
  });
  bench(`GET hit, ${at} | Map, key decoded from bytes`, () =>
    do_not_optimize(map.get(decoded(keys, next()))),
  );
  bench(`GET hit, ${at} | Map, key string prebuilt`, () => do_not_optimize(map.get(names[next()])));
  bench(`GET miss, ${at} | ArenaStore`, () =>
    do_not_optimize(store.find(missing, next() * keyBytes, keyBytes)),
  );
  bench(`GET miss, ${at} | Map, key decoded from bytes`, () =>
    do_not_optimize(map.get(decoded(missing, next()))),
  );
  bench(`SET overwrite, ${at} | ArenaStore (in place)`, () =>
    do_not_optimize(store.set(keys, next() * keyBytes, keyBytes, value, 0, valueBytes, 0)),
  );
  bench(`SET overwrite, ${at} | Map, key decoded, value copied`, () =>
    map.set(decoded(keys, next()), Buffer.from(value)),
  );
  const ns = await measure();
  const arenaGet = ns.get(`GET hit, ${at} | ArenaStore (find + value location)`);
  ratio(
    `GET hit, ${at} | Map decoded / ArenaStore`,
    ns.get(`GET hit, ${at} | Map, key decoded from bytes`),
    arenaGet,
  );
  const prefetchedGet = ns.get(
    `GET hit, ${at} | ArenaStore, ${batch} keys prefetched at a time (ns per ${batch} GETs)`,
  );
  if (prefetchedGet === undefined) throw new Error('no figure for prefetched GET');
  console.log(`GET hit, ${at} | ArenaStore, prefetched: ${(prefetchedGet / batch).toFixed(1)} ns/op`);
  ratio(`GET hit, ${at} | one at a time / prefetched`, arenaGet, prefetchedGet / batch);
  ratio(
    `GET hit, ${at} | Map prebuilt / ArenaStore`,
    ns.get(`GET hit, ${at} | Map, key string prebuilt`),
    arenaGet,
  );
  ratio(
    `GET miss, ${at} | Map / ArenaStore`,
    ns.get(`GET miss, ${at} | Map, key decoded from bytes`),
    ns.get(`GET miss, ${at} | ArenaStore`),
  );
  ratio(
    `SET overwrite, ${at} | Map / ArenaStore`,
    ns.get(`SET overwrite, ${at} | Map, key decoded, value copied`),
    ns.get(`SET overwrite, ${at} | ArenaStore (in place)`),
  );

  // SET of new keys and DEL: timed passes that fill an empty store with all n keys, then delete
  // them all (mitata would keep growing or emptying one table). Small sets repeat the pass and
  // report the median, after warm-up passes so that the JIT has compiled the code.
  const passes = Math.max(3, Math.ceil(2_000_000 / n));
  const timedPass = (pass: (k: number) => void): number => {
    const started = process.hrtime.bigint();
    for (let k = 0; k < n; k++) pass(k);
    return Number(process.hrtime.bigint() - started) / n;
  };
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1];
  const fillAndDelete = (
    fresh: () => { set: (k: number) => void; del: (k: number) => void },
  ): [number, number] => {
    const sets: number[] = [];
    const dels: number[] = [];
    for (let p = 0; p < passes + 2; p++) {
      const s = fresh();
      const setNs = timedPass(s.set);
      const delNs = timedPass(s.del);
      if (p >= 2) {
        sets.push(setNs);
        dels.push(delNs);
      }
    }
    return [median(sets), median(dels)];
  };
  const [arenaSet, arenaDel] = fillAndDelete(() => {
    const s = new ArenaStore({ maxMemoryBytes: 4 * 1024 ** 3 });
    return {
      set: (k) => s.set(keys, k * keyBytes, keyBytes, value, 0, valueBytes, 0),
      del: (k) => s.delete(keys, k * keyBytes, keyBytes),
    };
  });
  const [prefetchedSet] = fillAndDelete(() => {
    const s = new ArenaStore({ maxMemoryBytes: 4 * 1024 ** 3 });
    return {
      set: (k) => {
        const j = k % batch;
        if (j === 0) {
          const count = Math.min(batch, n - k);
          for (let i = 0; i < count; i++) offsets[i] = (k + i) * keyBytes;
          s.prefetch(keys, offsets, lengths, count, hashes);
        }
        s.set(keys, k * keyBytes, keyBytes, value, 0, valueBytes, 0, hashes[j]);
      },
      del: (k) => s.delete(keys, k * keyBytes, keyBytes),
    };
  });
  const [mapSet, mapDel] = fillAndDelete(() => {
    const m = new Map<string, Buffer>();
    return {
      set: (k) => m.set(decoded(keys, k), Buffer.from(value)),
      del: (k) => m.delete(decoded(keys, k)),
    };
  });
  console.log(`SET new key, fill to ${at} | ArenaStore: ${arenaSet.toFixed(1)} ns/op`);
  console.log(`SET new key, fill to ${at} | Map, key decoded, value copied: ${mapSet.toFixed(1)} ns/op`);
  ratio(`SET new key, fill to ${at} | Map / ArenaStore`, mapSet, arenaSet);
  console.log(`SET new key, fill to ${at} | ArenaStore, prefetched: ${prefetchedSet.toFixed(1)} ns/op`);
  ratio(`SET new key, fill to ${at} | one at a time / prefetched`, arenaSet, prefetchedSet);
  console.log(`DEL, ${at} down to empty | ArenaStore: ${arenaDel.toFixed(1)} ns/op`);
  console.log(`DEL, ${at} down to empty | Map, key decoded: ${mapDel.toFixed(1)} ns/op`);
  ratio(`DEL, ${at} down to empty | Map / ArenaStore`, mapDel, arenaDel);
}
