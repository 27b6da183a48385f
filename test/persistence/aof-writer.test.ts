import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadAofDir } from '../../src/persistence/aof-loader.js';
import {
  baseFileName,
  defaultAofDirName,
  defaultAofName,
  formatManifest,
  incrementalFileName,
  manifestFileName,
} from '../../src/persistence/aof-manifest.js';
import { AofWriter } from '../../src/persistence/aof-writer.js';
import { assertRedisLoads, requireRedisTools, tempDir } from '../support/redis-server.js';
import { CommandModel } from './command-model.js';
import {
  byDatabase,
  everyByte,
  fixedAux,
  type StringEntry,
  sampleEntries,
  writeRdb,
} from './rdb-fixtures.js';

const nowMs = Date.now();
const b = (text: string) => Buffer.from(text);

test('AOF writer: RESP commands as Redis 7.0 logs them, SELECT on a change of database', () => {
  const log = new AofWriter();
  log.set(0, b('k'), 0, 1, b('v'), 0, 1, 0);
  log.set(0, b('key'), 0, 3, b('value'), 0, 5, 1_700_000_000_123);
  log.pexpireat(2, b('k'), 0, 1, 42);
  log.del(2, b('gone'), 0, 4);
  log.command(0, 3);
  log.argument(b('INCRBY'), 0, 6);
  log.argument(b('n'), 0, 1);
  log.argumentNumber(-12345678901);
  assert.equal(
    Buffer.from(log.pending()).toString(),
    '*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n' +
      '*5\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n$4\r\nPXAT\r\n$13\r\n1700000000123\r\n' +
      '*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*3\r\n$9\r\nPEXPIREAT\r\n$1\r\nk\r\n$2\r\n42\r\n' +
      '*2\r\n$3\r\nDEL\r\n$4\r\ngone\r\n' +
      '*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$6\r\nINCRBY\r\n$1\r\nn\r\n$12\r\n-12345678901\r\n',
  );
  log.clear();
  assert.equal(log.pendingBytes, 0);
  log.del(0, b('k'), 0, 1);
  assert.equal(Buffer.from(log.pending()).toString(), '*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n');
  log.startFile();
  log.del(0, b('k'), 0, 1);
  assert.match(
    Buffer.from(log.pending()).toString(),
    /DEL\r\n\$1\r\nk\r\n\*2\r\n\$6\r\nSELECT\r\n\$1\r\n0\r\n\*2/,
  );
  log.command(0, 2);
  log.argument(b('DEL'), 0, 3);
  assert.throws(() => log.clear(), /missing 1 arguments/);
  log.argument(b('x'), 0, 1);
  assert.throws(() => log.argument(b('y'), 0, 1), /more arguments/);
  log.command(0, 2);
  log.argument(b('GET'), 0, 3);
  assert.throws(() => log.argumentNumber(1.5), /not an integer/);
});

/** Writes after the base: overwrites, binary and large values, deadlines set and changed, deletions, several databases. */
function incrementalWrites(log: AofWriter, entries: StringEntry[]): void {
  // Within the model's store limit (maxValueBytes); the loader's test replays megabyte arguments.
  const large = Buffer.alloc(60_000, 'xyz');
  log.set(0, b('int:0'), 0, 5, b('overwritten'), 0, 11, 0);
  log.set(0, everyByte, 0, everyByte.length, large, 0, large.length, nowMs + 7_200_000);
  log.set(5, b('new db'), 0, 6, everyByte, 0, everyByte.length, 0);
  log.pexpireat(0, b('large'), 0, 5, nowMs + 9_000_001);
  log.del(0, b('ttl:soon'), 0, 8);
  log.del(3, b('db3:7'), 0, 5);
  for (const e of entries.slice(0, 5)) log.set(e.db, e.key, 0, e.key.length, b('again'), 0, 5, 0);
}

for (const baseFormat of ['rdb', 'aof'] as const) {
  test(`An appendonlydir written by fkvs (base .${baseFormat}, incremental .aof, manifest) passes redis-check-aof, loads in redis-server 7.0 and in fkvs's loader alike`, async () => {
    requireRedisTools();
    const dir = tempDir('aof-writer');
    const aofDir = join(dir, defaultAofDirName);
    mkdirSync(aofDir);
    const entries = sampleEntries(nowMs, 50_000);
    const base = baseFileName(defaultAofName, 1, baseFormat === 'rdb');
    if (baseFormat === 'rdb') {
      writeFileSync(join(aofDir, base), writeRdb(entries, { aux: { ...fixedAux, aofBase: true } }).file);
    } else {
      const log = new AofWriter();
      for (const e of entries)
        log.set(e.db, e.key, 0, e.key.length, e.value, 0, e.value.length, e.deadlineMs);
      writeFileSync(join(aofDir, base), log.pending());
    }
    const log = new AofWriter();
    incrementalWrites(log, entries);
    const incremental = incrementalFileName(defaultAofName, 1);
    writeFileSync(join(aofDir, incremental), log.pending());
    writeFileSync(
      join(aofDir, manifestFileName(defaultAofName)),
      formatManifest({
        base: { name: base, seq: 1, type: 'b' },
        history: [],
        incremental: [{ name: incremental, seq: 1, type: 'i' }],
      }),
    );
    const check = execFileSync('redis-check-aof', [join(aofDir, manifestFileName(defaultAofName))], {
      encoding: 'utf8',
    });
    assert.match(check, /is valid/);

    // The expected contents: the base entries, then the incremental writes, applied by the model.
    const model = new CommandModel(nowMs);
    const loaded = loadAofDir({
      dir: aofDir,
      aofName: defaultAofName,
      sink: model.sink,
      rdb: { storeFor: model.storeFor, skipOtherTypes: false },
      loadTruncated: false,
    });
    assert.ok(loaded);
    assert.equal(loaded.files.length, 2);
    // 11 writes and the 5 SELECTs between them.
    assert.equal(loaded.files[1].commands, 16);
    assert.equal(loaded.files[1].truncatedBytes, 0);
    const contents = model.contents();
    assert.equal(contents.get(0)?.has('ttl:soon'), false);
    assert.equal(contents.get(0)?.get('large')?.deadlineMs, nowMs + 9_000_001);
    assert.ok(contents.get(5)?.get('new db')?.value.equals(everyByte));
    assert.equal(contents.get(3)?.size, byDatabase(entries).get(3)!.size - 1);
    await assertRedisLoads(dir, ['--appendonly', 'yes'], model.contents());
  });
}
