import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { integerEncodable, RdbWriter } from '../../src/persistence/rdb-writer.js';
import { writeStoreSnapshot } from '../../src/persistence/store-snapshot.js';
import { ArenaStore } from '../../src/store/arena-store.js';
import {
  assertRedisLoads,
  RedisServer,
  readStrings,
  requireRedisTools,
  tempDir,
} from '../support/redis-server.js';
import { byDatabase, fixedAux, sampleEntries, writeRdb } from './rdb-fixtures.js';

const nowMs = Date.now();

test('integerEncodable takes exactly the canonical decimals of 32-bit integers (Redis string2ll + range)', () => {
  const yes: [string, number][] = [
    ['0', 0],
    ['-1', -1],
    ['2147483647', 2147483647],
    ['-2147483648', -2147483648],
  ];
  for (const [text, value] of yes)
    assert.equal(integerEncodable(Buffer.from(text), 0, text.length), value, text);
  for (const text of [
    '',
    '-',
    '-0',
    '007',
    '+1',
    ' 1',
    '1 ',
    '1.5',
    '2147483648',
    '-2147483649',
    '12345678901',
  ]) {
    assert.ok(Number.isNaN(integerEncodable(Buffer.from(text), 0, text.length)), text);
  }
});

test('RDB writer: the header and AUX fields are those of Redis 7.0, integers in their short encodings', () => {
  const { file } = writeRdb([{ db: 0, key: Buffer.from('n'), value: Buffer.from('-300'), deadlineMs: 0 }]);
  const text = file.toString('latin1');
  assert.ok(text.startsWith('REDIS0010'));
  for (const field of ['redis-ver', 'redis-bits', 'ctime', 'used-mem', 'aof-base'])
    assert.ok(text.includes(field), field);
  // SELECTDB 0, RESIZEDB 1 0, type string, key "n", int16 -300 (0xc1 d4 fe), EOF: what Redis 7.0 writes.
  assert.ok(
    file.includes(Buffer.from([0xfe, 0x00, 0xfb, 0x01, 0x00, 0x00, 0x01, 0x6e, 0xc1, 0xd4, 0xfe, 0xff])),
  );
  assert.equal(file.length, file.indexOf(0xff, file.length - 9) + 9);
});

test('RDB writer: keys handed over in slices, through small chunks, give the same file as in one go', () => {
  const entries = sampleEntries(nowMs, 100_000);
  const whole = writeRdb(entries);
  const sliced = writeRdb(entries, { chunkBytes: 4096, sliceKeys: 7 });
  assert.ok(sliced.chunks > 50, `${sliced.chunks} chunks`);
  assert.ok(whole.file.equals(sliced.file));
  assert.throws(() => {
    const writer = new RdbWriter(() => {}, fixedAux);
    writer.finish();
    writer.startDatabase(0, 0, 0);
  }, /after finish/);
});

test('RDB writer: redis-check-rdb accepts the file and redis-server 7.0 loads it with equal contents', async () => {
  requireRedisTools();
  const entries = sampleEntries(nowMs, 3 * 1024 * 1024);
  const dir = tempDir('rdb-writer');
  const path = join(dir, 'dump.rdb');
  writeFileSync(path, writeRdb(entries, { chunkBytes: 64 * 1024, sliceKeys: 10 }).file);
  const check = execFileSync('redis-check-rdb', [path], { encoding: 'utf8' });
  assert.match(check, /RDB looks OK/);

  await assertRedisLoads(dir, ['--dbfilename', 'dump.rdb'], byDatabase(entries));
});

test('RDB writer: redis-check-rdb rejects the file once one byte of it is changed (the check above can fail)', () => {
  requireRedisTools();
  const { file } = writeRdb(sampleEntries(nowMs, 1000));
  file[Math.floor(file.length / 2)] ^= 0x20;
  const path = join(tempDir('rdb-corrupt'), 'dump.rdb');
  writeFileSync(path, file);
  const run = spawnSync('redis-check-rdb', [path], { encoding: 'utf8' });
  assert.notEqual(run.status, 0, run.stdout);
});

test('writeStoreSnapshot writes every live key of an ArenaStore, with deadlines, and skips expired ones', async () => {
  const store = new ArenaStore({ maxMemoryBytes: 64 * 1024 * 1024, hashSeed: 7 });
  store.nowMs = nowMs;
  const put = (key: string, value: string, deadline: number) =>
    store.set(Buffer.from(key), 0, key.length, Buffer.from(value), 0, value.length, deadline);
  for (let i = 0; i < 1000; i++) put(`key:${i}`, `${i}`, i % 10 === 0 ? nowMs + 3_600_000 + i : 0);
  put('gone', 'x', nowMs - 1);
  const chunks: Uint8Array[] = [];
  const writer = new RdbWriter((c) => chunks.push(c), fixedAux);
  assert.equal(writeStoreSnapshot(writer, 2, store), 1000);
  writer.finish();
  const dir = tempDir('rdb-snapshot');
  writeFileSync(join(dir, 'dump.rdb'), Buffer.concat(chunks));
  requireRedisTools();
  const server = await RedisServer.start(dir, ['--dbfilename', 'dump.rdb']);
  try {
    const client = await server.connect();
    const actual = await readStrings(client, 2);
    assert.equal(actual.size, 1000);
    for (let i = 0; i < 1000; i++) {
      const got = actual.get(`key:${i}`)!;
      assert.equal(got.value.toString(), `${i}`);
      assert.equal(got.deadlineMs, i % 10 === 0 ? nowMs + 3_600_000 + i : 0);
    }
    client.close();
  } finally {
    await server.stop();
  }
});
