import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  loadRdb,
  RdbLoadError,
  type RdbLoadOptions,
  type RdbLoadResult,
  RdbUnsupportedTypeError,
} from '../../src/persistence/rdb-reader.js';
import { type ByteSource, FileSource, MemorySource, ReadWindow } from '../../src/persistence/read-window.js';
import { MapStore } from '../support/map-store.js';
import { RedisServer, type RespClient, requireRedisTools, tempDir } from '../support/redis-server.js';
import { byDatabase, type StringEntry, sampleEntries, writeRdb } from './rdb-fixtures.js';

const nowMs = Date.now();
/** Large, yet under the stores' value limit (maxValueBytes). */
const largeValueBytes = 60_000;

function load(
  source: ByteSource,
  options: Partial<RdbLoadOptions> = {},
  windowBytes?: number,
): { result: RdbLoadResult; stores: Map<number, MapStore> } {
  const stores = new Map<number, MapStore>();
  const result = loadRdb(new ReadWindow(source, windowBytes), {
    storeFor: (db) => {
      if (db > 15) return undefined;
      if (!stores.has(db)) stores.set(db, new MapStore());
      return stores.get(db);
    },
    nowMs,
    skipOtherTypes: false,
    fileName: 'dump.rdb',
    ...options,
  });
  return { result, stores };
}

/** Asserts that the stores hold exactly the entries (keys, values, deadlines). */
function assertStoresHold(stores: Map<number, MapStore>, entries: StringEntry[]): void {
  const expected = byDatabase(entries);
  for (const [db, want] of expected) {
    const store = stores.get(db);
    assert.ok(store, `database ${db} missing`);
    assert.equal(store.size, want.size, `keys in database ${db}`);
    for (const [name, { value, deadlineMs }] of want) {
      const key = Buffer.from(name, 'latin1');
      const handle = store.find(key, 0, key.length);
      assert.ok(handle >= 0, `db ${db} key ${JSON.stringify(name)} missing`);
      const offset = store.valueOffset(handle);
      const got = Buffer.from(store.valueBytes(handle).subarray(offset, offset + store.valueLength(handle)));
      assert.ok(got.equals(value), `db ${db} key ${JSON.stringify(name)}: value differs`);
      assert.equal(store.deadline(handle), deadlineMs, `db ${db} key ${JSON.stringify(name)}: deadline`);
    }
  }
  for (const db of stores.keys()) {
    if (!expected.has(db)) assert.equal(stores.get(db)!.size, 0, `database ${db} should be empty`);
  }
}

test('RDB reader loads what the writer wrote, read in one piece or in pieces of 7 bytes', () => {
  const entries = sampleEntries(nowMs, largeValueBytes);
  const { file } = writeRdb(entries);
  for (const pieceBytes of [Number.MAX_SAFE_INTEGER, 7]) {
    // A 64-byte window grows to hold the large values; the default one reads in 1 MiB.
    const { result, stores } = load(
      new MemorySource(file, pieceBytes),
      {},
      pieceBytes === 7 ? 64 : undefined,
    );
    assert.equal(result.keysLoaded, entries.length);
    assert.equal(result.version, 10);
    assert.equal(result.bytes, file.length);
    assert.equal(result.aux.get('redis-bits'), '64');
    assertStoresHold(stores, entries);
  }
});

test('RDB reader leaves out keys whose deadline has passed, and counts them', () => {
  const entries = sampleEntries(nowMs, 100);
  const later = nowMs + 200_000;
  const { result, stores } = load(new MemorySource(writeRdb(entries).file), { nowMs: later });
  const live = entries.filter((e) => e.deadlineMs === 0 || e.deadlineMs > later);
  assert.equal(result.expiredKeysSkipped, entries.length - live.length);
  assert.ok(result.expiredKeysSkipped >= 2);
  assertStoresHold(stores, live);
});

test('RDB reader: a database with no store stops the load with its number', () => {
  const { file } = writeRdb([{ db: 20, key: Buffer.from('k'), value: Buffer.from('v'), deadlineMs: 0 }]);
  assert.throws(() => load(new MemorySource(file)), /database 20 is beyond the databases configured/);
});

test('RDB reader: a changed byte gives a checksum error at the checksum offset; every truncation an end-of-file error', () => {
  const { file } = writeRdb(sampleEntries(nowMs, 100).slice(0, 30));
  const changed = Buffer.from(file);
  changed[file.indexOf('a key that is an integer')] ^= 0x01;
  assert.throws(
    () => load(new MemorySource(changed)),
    (error: unknown) =>
      error instanceof RdbLoadError &&
      error.offset === file.length - 8 &&
      /checksum mismatch/.test(error.message) &&
      error.message.includes('redis-check-rdb dump.rdb'),
  );
  for (let cut = 0; cut < file.length; cut++) {
    assert.throws(
      () => load(new MemorySource(file.subarray(0, cut), 5), {}, 64),
      (error: unknown) =>
        error instanceof RdbLoadError &&
        (/unexpected end of file/.test(error.message) ||
          (cut < 9 && /not an RDB file/.test(error.message))) &&
        error.offset <= cut,
      `cut at ${cut}`,
    );
  }
});

async function setEntries(client: RespClient, entries: StringEntry[]): Promise<void> {
  for (const e of entries) {
    await client.command('SELECT', e.db);
    const reply =
      e.deadlineMs === 0
        ? await client.command('SET', e.key, e.value)
        : await client.command('SET', e.key, e.value, 'PXAT', e.deadlineMs);
    assert.equal(reply, 'OK');
  }
}

test('RDB reader loads a dump.rdb of redis-server 7.0: LZF and integer strings, deadlines, LRU idle times, databases', async () => {
  requireRedisTools();
  const dir = tempDir('rdb-reader');
  const server = await RedisServer.start(dir, ['--maxmemory-policy', 'allkeys-lru']);
  const entries = sampleEntries(nowMs, largeValueBytes);
  try {
    const client = await server.connect();
    await setEntries(client, entries);
    assert.equal(await client.command('SAVE'), 'OK');
    client.close();
  } finally {
    await server.stop();
  }
  const path = join(dir, 'dump.rdb');
  const fileBytes = readFileSync(path).length;
  // rdbcompression is on: the repetitive 60 KB value must have gone in as LZF for this test to mean anything.
  assert.ok(fileBytes < 2 * largeValueBytes, `${fileBytes} bytes: nothing was compressed`);
  const source = new FileSource(path);
  try {
    const { result, stores } = load(source);
    assert.equal(result.aux.get('redis-ver'), '7.0.15');
    assert.equal(result.keysLoaded, entries.length);
    assertStoresHold(stores, entries);
  } finally {
    source.close();
  }
});

/** Keys of every other type Redis 7.0 has, in their small and large encodings. */
async function setOtherTypes(client: RespClient): Promise<number> {
  const many = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  const commands: (string | number)[][] = [
    ['RPUSH', 'list:small', 'a', 'b', '1'],
    ['RPUSH', 'list:large', ...many('element-', 2000)],
    ['SADD', 'set:intset', '1', '2', '3'],
    ['SADD', 'set:strings', 'a', 'b'],
    ['SADD', 'set:large', ...many('m', 600)],
    ['ZADD', 'zset:small', '1', 'a', '2.5', 'b', 'inf', 'c'],
    ['ZADD', 'zset:large', ...many('', 300).flatMap((m, i) => [String(i / 3), `member${m}`])],
    ['HSET', 'hash:small', 'f', 'v', 'g', '1'],
    ['HSET', 'hash:large', ...many('field', 300).flatMap((f) => [f, `value of ${f}`])],
    ['XADD', 'stream', '1-1', 'f', 'v'],
    ['XADD', 'stream', '2-1', 'f', 'w', 'g', 'x'],
    ['XGROUP', 'CREATE', 'stream', 'group', '0'],
    ['XREADGROUP', 'GROUP', 'group', 'alice', 'COUNT', '1', 'STREAMS', 'stream', '>'],
    ['XGROUP', 'CREATECONSUMER', 'stream', 'group', 'bob'],
    ['XGROUP', 'CREATE', 'stream', 'idle-group', '$'],
    ['PEXPIREAT', 'list:small', nowMs + 3_600_000],
  ];
  for (const command of commands) {
    const reply = await client.command(...command);
    assert.ok(
      !(reply && typeof reply === 'object' && 'message' in reply),
      `${command[0]}: ${JSON.stringify(reply)}`,
    );
  }
  return 10;
}

test('RDB reader: keys of other types stop the load naming the first one, or are skipped and counted; so are functions', async () => {
  requireRedisTools();
  const dir = tempDir('rdb-types');
  const server = await RedisServer.start(dir, ['--maxmemory-policy', 'allkeys-lfu']);
  const strings = sampleEntries(nowMs, 1000).filter((e) => e.db !== 3);
  const mixedDb = 9;
  const stringsInMixed = Array.from({ length: 50 }, (_, i) => ({
    db: mixedDb,
    key: Buffer.from(`string:${i}`),
    value: Buffer.from(`${i * 1000}`),
    deadlineMs: 0,
  }));
  let otherKeys: number;
  let bytes: Buffer;
  let withFunctions: Buffer;
  try {
    const client = await server.connect();
    await setEntries(client, [...strings, ...stringsInMixed]);
    await client.command('SELECT', 1);
    await client.command('RPUSH', 'the-list', 'x');
    await client.command('SELECT', mixedDb);
    otherKeys = (await setOtherTypes(client)) + 1;
    assert.equal(await client.command('SAVE'), 'OK');
    bytes = readFileSync(join(dir, 'dump.rdb'));
    const library = "#!lua name=lib\nredis.register_function('f', function() return 1 end)";
    assert.equal(String(await client.command('FUNCTION', 'LOAD', library)), 'lib');
    assert.equal(await client.command('SAVE'), 'OK');
    withFunctions = readFileSync(join(dir, 'dump.rdb'));
    client.close();
  } finally {
    await server.stop();
  }
  assert.throws(
    () => load(new MemorySource(bytes)),
    (error: unknown) =>
      error instanceof RdbUnsupportedTypeError &&
      error.key === '"the-list"' &&
      error.db === 1 &&
      error.typeName === 'list' &&
      /key "the-list" in database 1 is a list \(RDB type 18\)/.test(error.message),
  );
  const expected = [...strings, ...stringsInMixed];
  for (const pieceBytes of [Number.MAX_SAFE_INTEGER, 3]) {
    const { result, stores } = load(new MemorySource(bytes, pieceBytes), { skipOtherTypes: true });
    assert.equal(result.otherTypeKeysSkipped, otherKeys);
    assert.equal(result.keysLoaded, expected.length);
    assertStoresHold(stores, expected);
  }
  assert.throws(() => load(new MemorySource(withFunctions)), /a function library \(FUNCTION LOAD\)/);
  const { result } = load(new MemorySource(withFunctions), { skipOtherTypes: true });
  assert.equal(result.functionsSkipped, 1);
  assert.equal(result.keysLoaded, expected.length);
});
