// Process memory per key: loads N keys of 16 bytes with 16-byte values into a fresh process and
// prints RSS growth per key, for the ArenaStore and for a Map<string, Buffer>; then checks that
// the JS heap stays flat while SETting new keys. `node --expose-gc dist/bench/store-memory.js [N] [arena|map]`.
import { ArenaStore } from '../src/store/arena-store.js';

const n = Number(process.argv[2] ?? 1_000_000);
const kind = process.argv[3] ?? 'arena';
const keyBytes = 16;
const valueBytes = 16;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

const key = Buffer.alloc(keyBytes);
const value = Buffer.alloc(valueBytes, 0x76);
const writeKey = (i: number) => key.write(`key:${String(i).padStart(12, '0')}`, 0, 'latin1');

gc();
const before = process.memoryUsage();
let stats = '';
if (kind === 'arena') {
  const store = new ArenaStore({ maxMemoryBytes: 64 * 1024 ** 3 });
  let heapAtTenth = 0;
  for (let i = 0; i < n; i++) {
    writeKey(i);
    store.set(key, 0, keyBytes, value, 0, valueBytes, 0);
    if (i === Math.floor(n / 10)) {
      gc();
      heapAtTenth = process.memoryUsage().heapUsed;
    }
  }
  gc();
  const s = store.stats();
  const heapGrowth = process.memoryUsage().heapUsed - heapAtTenth;
  stats = `entries ${s.bytesUsed} B, reserved ${s.bytesReserved} B, heap growth over the last 90% of SETs ${heapGrowth} B`;
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
console.log(
  `${kind}: ${n} keys of ${keyBytes}+${valueBytes} bytes: ${perKey.toFixed(1)} bytes of RSS per key ` +
    `(${(perKey - keyBytes - valueBytes).toFixed(1)} beyond key and value)${stats === '' ? '' : `; ${stats}`}`,
);
