// Persistence formats bench: one run prints "label: value unit" lines (bench/repeat.ts takes
// medians). An ArenaStore of N string keys (16-byte keys, 32-byte values, 1 in 10 with a deadline)
// is written as an RDB file by fkvs's writer, loaded back by fkvs's reader, and the same file is
// loaded and saved by redis-server 7.0 in the same run as the reference; then N SETs go through
// the AOF writer and loader. Usage: node dist/bench/persistence.js [keys] (default 1000000).
// Pin it and the reference: taskset -c 0 node dist/bench/repeat.js 3 node dist/bench/persistence.js
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadAofFile } from '../src/persistence/aof-loader.js';
import { AofWriter } from '../src/persistence/aof-writer.js';
import { Crc64 } from '../src/persistence/crc64.js';
import { loadRdb } from '../src/persistence/rdb-reader.js';
import { RdbWriter, rdbRedisVersion } from '../src/persistence/rdb-writer.js';
import { FileSource, MemorySource, ReadWindow } from '../src/persistence/read-window.js';
import { writeStoreSnapshot } from '../src/persistence/store-snapshot.js';
import { ArenaStore } from '../src/store/arena-store.js';
import { RedisServer } from '../test/support/redis-server.js';

const keys = Number(process.argv[2] ?? 1_000_000);
const nowMs = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'fkvs-bench-persistence-'));
const path = join(dir, 'dump.rdb');

function fill(store: ArenaStore): void {
  const key = Buffer.alloc(16, 'k');
  const value = Buffer.alloc(32, 'v');
  for (let i = 0; i < keys; i++) {
    key.write(String(i).padStart(12, '0'), 4, 'latin1');
    value.write(String(i * 7919).padStart(12, '0'), 0, 'latin1');
    if (store.set(key, 0, 16, value, 0, 32, i % 10 === 0 ? nowMs + 3_600_000 + i : 0) < 0)
      throw new Error('set refused');
  }
}

const store = new ArenaStore({ maxMemoryBytes: 4 * 1024 ** 3, hashSeed: 1 });
store.nowMs = nowMs;
fill(store);

let start = performance.now();
const fd = openSync(path, 'w');
const writer = new RdbWriter((chunk) => writeSync(fd, chunk), {
  redisVersion: rdbRedisVersion,
  ctimeSeconds: nowMs / 1000,
  usedMemoryBytes: store.stats().bytesUsed,
  aofBase: false,
});
writeStoreSnapshot(writer, 0, store);
writer.finish();
closeSync(fd);
const writeMs = performance.now() - start;
const fileBytes = statSync(path).size;
console.log(`rdb file: ${(fileBytes / 1e6).toFixed(1)} MB`);
console.log(
  `fkvs rdb write (store walk, encode, crc, write): ${((keys / writeMs) * 1000).toFixed(0)} keys/s`,
);

const bytes = readFileSync(path);
start = performance.now();
const crc = new Crc64();
crc.update(bytes, 0, bytes.length);
console.log(`crc64: ${(fileBytes / 1e6 / ((performance.now() - start) / 1000)).toFixed(0)} MB/s`);

const loaded = new ArenaStore({ maxMemoryBytes: 4 * 1024 ** 3, hashSeed: 2 });
loaded.nowMs = nowMs;
start = performance.now();
const source = new FileSource(path);
const result = loadRdb(new ReadWindow(source), {
  storeFor: () => loaded,
  nowMs,
  skipOtherTypes: false,
  fileName: path,
});
source.close();
const loadMs = performance.now() - start;
if (result.keysLoaded !== keys) throw new Error(`loaded ${result.keysLoaded} of ${keys}`);
console.log(`fkvs rdb load: ${((keys / loadMs) * 1000).toFixed(0)} keys/s`);

// The reference: redis-server loads the same file at start-up (its log gives the time), then SAVEs it.
const server = await RedisServer.start(dir, ['--dbfilename', 'dump.rdb']);
const redisLoad = /DB loaded from disk: ([\d.]+) seconds/.exec(server.output());
if (redisLoad === null) throw new Error(`redis-server did not say how long it loaded:\n${server.output()}`);
console.log(`redis rdb load: ${(keys / Number(redisLoad[1])).toFixed(0)} keys/s`);
const client = await server.connect();
start = performance.now();
await client.command('SAVE');
console.log(`redis rdb save: ${((keys / (performance.now() - start)) * 1000).toFixed(0)} keys/s`);
client.close();
await server.stop();
console.log(
  `redis-server version: ${execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).split(' ')[2]}`,
);

const log = new AofWriter();
const key = Buffer.alloc(16, 'k');
const value = Buffer.alloc(32, 'v');
const chunks: Uint8Array[] = [];
start = performance.now();
for (let i = 0; i < keys; i++) {
  key.write(String(i).padStart(12, '0'), 4, 'latin1');
  log.set(0, key, 0, 16, value, 0, 32, i % 10 === 0 ? nowMs + 3_600_000 : 0);
  if (log.pendingBytes > 1024 * 1024) {
    chunks.push(log.pending().slice());
    log.clear();
  }
}
chunks.push(log.pending().slice());
const encodeMs = performance.now() - start;
console.log(`aof encode SET: ${((encodeMs * 1e6) / keys).toFixed(0)} ns/command`);
const aof = Buffer.concat(chunks);
let commands = 0;
start = performance.now();
loadAofFile(new ReadWindow(new MemorySource(aof)), {
  fileName: 'bench.aof',
  checkCommand: 'redis-check-aof bench.aof',
  sink: () => {
    commands++;
  },
  rdb: { storeFor: () => undefined, skipOtherTypes: false },
  loadTruncated: false,
});
const replayMs = performance.now() - start;
console.log(`aof parse (no-op sink): ${(((commands / replayMs) * 1000) / 1e6).toFixed(2)} M commands/s`);
console.log(`aof parse bytes: ${(aof.length / 1e6 / (replayMs / 1000)).toFixed(0)} MB/s`);
rmSync(dir, { recursive: true, force: true });
