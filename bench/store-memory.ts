// Process memory per key: loads N keys of 16 bytes with 16-byte values into a fresh process and
// prints RSS growth per key, for the ArenaStore and for a Map<string, Buffer>; for the ArenaStore
// also the JS heap growth over the last 90% of the SETs (flat: no JS allocation per new key).
// `node --expose-gc dist/bench/store-memory.js [N] [arena|map]`; bench/repeat.ts takes medians.
import { performance } from 'node:perf_hooks';
import { ArenaStore } from '../src/store/arena-store.js';
import { GcCounter } from './gc-count.js';

const n = Number(process.argv[2] ?? 1_000_000);
const kind = process.argv[3] ?? 'arena';
const keyBytes = 16;
const valueBytes = 16;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

const key = Buffer.alloc(keyBytes);
const value = Buffer.alloc(valueBytes, 0x76);
key.write('key:', 0, 'latin1');
/** "key:" and i in 12 digits, written digit by digit so that the loop itself allocates nothing. */
const writeKey = (i: number) => {
  for (let at = keyBytes - 1, rest = i; at >= 4; at--, rest = Math.floor(rest / 10))
    key[at] = 0x30 + (rest % 10);
};
const gcs = new GcCounter();

gc();
const before = process.memoryUsage();
let stats = '';
if (kind === 'arena') {
  const store = new ArenaStore({ maxMemoryBytes: 64 * 1024 ** 3 });
  const tenth = Math.floor(n / 10);
  for (let i = 0; i < tenth; i++) {
    writeKey(i);
    store.set(key, 0, keyBytes, value, 0, valueBytes, 0);
  }
  gc();
  const heapAtTenth = process.memoryUsage().heapUsed;
  const started = performance.now();
  for (let i = tenth; i < n; i++) {
    writeKey(i);
    store.set(key, 0, keyBytes, value, 0, valueBytes, 0);
  }
  const ended = performance.now();
  const heapGrowth = process.memoryUsage().heapUsed - heapAtTenth;
  await gcs.settle();
  const collectionsDuring = gcs.between(started, ended);
  gc();
  const s = store.stats();
  stats =
    `${kind} ${n} keys, entry bytes: ${s.bytesUsed} B\n${kind} ${n} keys, store reserved: ${s.bytesReserved} B\n` +
    `${kind} ${n} keys, JS heap growth over the last ${n - tenth} SETs: ${heapGrowth} B\n` +
    `${kind} ${n} keys, garbage collections during the last ${n - tenth} SETs: ${collectionsDuring} runs`;
  if (store.size !== n) throw new Error('lost keys');
} else {
  const map = new Map<string, Buffer>();
  for (let i = 0; i < n; i++) {
    writeKey(i);
    map.set(key.toString('latin1'), Buffer.from(value));
  }
  gc();
  if (map.size !== n) throw new Error('lost keys');
}
const after = process.memoryUsage();
const perKey = (after.rss - before.rss) / n;
console.log(`${kind} ${n} keys of ${keyBytes}+${valueBytes} bytes, RSS per key: ${perKey.toFixed(1)} B`);
console.log(
  `${kind} ${n} keys, RSS per key beyond key and value: ${(perKey - keyBytes - valueBytes).toFixed(1)} B`,
);
if (stats !== '') console.log(stats);
gcs.stop();
