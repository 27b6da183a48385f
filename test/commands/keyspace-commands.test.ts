import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Databases } from '../../src/commands/databases.js';
import { parseScanCursor } from '../../src/commands/keyspace-commands.js';
import { type Recorded, RedisSession } from '../support/redis-session.js';

function expectReplies(s: RedisSession, rows: Array<[string[], Recorded]>): void {
  for (const [argv, expected] of rows) assert.deepEqual(s.run(...argv), expected, JSON.stringify(argv));
}

function sorted(reply: Recorded): Recorded {
  assert.ok(Array.isArray(reply));
  return [...reply].sort();
}

describe('Redis keyspace commands', () => {
  test('DEL, UNLINK, EXISTS, TYPE: expired keys do not count', () => {
    const s = new RedisSession();
    expectReplies(s, [
      [['MSET', 'a', '1', 'b', '2', 'c', '3'], '+OK'],
      [['PEXPIRE', 'c', '10'], 1],
      [['EXISTS', 'a', 'a', 'b', 'z'], 3],
      [['TYPE', 'a'], '+string'],
      [['TYPE', 'z'], '+none'],
    ]);
    s.nowMs += 10;
    s.writes.length = 0;
    expectReplies(s, [
      [['DEL', 'a', 'c', 'z', 'a'], 1],
      [['UNLINK', 'b'], 1],
      [['EXISTS', 'a', 'b', 'c'], 0],
    ]);
    assert.deepEqual(s.writes, ['0:a', '0:b']);
  });

  test('RENAME and RENAMENX: deadline moves, same name, missing source', () => {
    const s = new RedisSession();
    expectReplies(s, [
      [['RENAME', 'a', 'b'], '-ERR no such key'],
      [['RENAMENX', 'a', 'a'], '-ERR no such key'],
      [['SET', 'a', '1', 'EX', '50'], '+OK'],
      [['RENAME', 'a', 'a'], '+OK'],
      [['RENAMENX', 'a', 'a'], 0],
      [['RENAME', 'a', 'b'], '+OK'],
      [['GET', 'a'], null],
      [['GET', 'b'], '$1'],
      [['TTL', 'b'], 50],
      [['SET', 'c', '3'], '+OK'],
      [['RENAMENX', 'b', 'c'], 0],
      [['RENAME', 'b', 'c'], '+OK'],
      [['GET', 'c'], '$1'],
      [['TTL', 'c'], 50],
      [['RENAMENX', 'c', '\x00'], 1],
      [['GET', '\x00'], '$1'],
    ]);
  });

  test('COPY: REPLACE, DB (lazily made), deadline copied, Redis errors', () => {
    const s = new RedisSession();
    expectReplies(s, [
      [['COPY', 'a', 'b'], 0],
      [['SET', 'a', 'v', 'EX', '70'], '+OK'],
      [['COPY', 'a', 'a'], '-ERR source and destination objects are the same'],
      [['COPY', 'a', 'b'], 1],
      [['TTL', 'b'], 70],
      [['COPY', 'a', 'b'], 0],
      [['COPY', 'a', 'b', 'REPLACE'], 1],
      [['COPY', 'a', 'b', 'bogus'], '-ERR syntax error'],
      [['COPY', 'a', 'b', 'DB'], '-ERR syntax error'],
      [['COPY', 'a', 'b', 'DB', 'x'], '-ERR value is not an integer or out of range'],
      [
        ['COPY', 'a', 'b', 'DB', '2147483648'],
        '-ERR value is out of range, value must between -2147483648 and 2147483647',
      ],
      [['COPY', 'a', 'b', 'DB', '16'], '-ERR DB index is out of range'],
      [['COPY', 'a', 'b', 'DB', '-1'], '-ERR DB index is out of range'],
      [['COPY', 'a', 'a', 'DB', '3'], 1],
      [['COPY', 'a', 'a', 'DB', '0'], '-ERR source and destination objects are the same'],
    ]);
    assert.equal(s.databases.existing(2), null);
    s.db = 3;
    expectReplies(s, [
      [['GET', 'a'], '$v'],
      [['TTL', 'a'], 70],
    ]);
    assert.deepEqual(s.writes, ['0:a', '0:b', '0:b', '3:a']);
  });

  test('KEYS: Redis globs, binary keys, expired keys skipped, "*" matches the empty key', () => {
    const s = new RedisSession();
    expectReplies(s, [
      [['MSET', 'one', '1', 'two', '2', 'three', '3', '', 'e', 'a*b', '4', '\xff\x00', '5'], '+OK'],
      [['PEXPIRE', 'two', '1'], 1],
    ]);
    s.nowMs += 1;
    assert.deepEqual(sorted(s.run('KEYS', '*')), sorted(['$', '$\xff\x00', '$a*b', '$one', '$three']));
    assert.deepEqual(sorted(s.run('KEYS', '**')), sorted(['$\xff\x00', '$a*b', '$one', '$three']));
    assert.deepEqual(sorted(s.run('KEYS', 't*')), ['$three']);
    assert.deepEqual(sorted(s.run('KEYS', '?n?')), ['$one']);
    assert.deepEqual(sorted(s.run('KEYS', 'a\\*b')), ['$a*b']);
    assert.deepEqual(sorted(s.run('KEYS', '[^a-z]*')), ['$\xff\x00']);
    assert.deepEqual(sorted(s.run('KEYS', 'nomatch')), []);
  });

  test('SCAN: cursor as a bulk string ending at "0", MATCH, COUNT, TYPE, errors', () => {
    const s = new RedisSession();
    const names = Array.from({ length: 300 }, (_, i) => `key:${i}`);
    for (const name of names) s.run('SET', name, 'v');
    s.run('SET', 'other', 'v');
    s.run('PEXPIRE', 'key:0', '1');
    s.nowMs += 1;
    const seen = new Set<string>();
    let cursor = '0';
    let calls = 0;
    do {
      const reply = s.run('SCAN', cursor, 'MATCH', 'key:*', 'COUNT', '7');
      assert.ok(Array.isArray(reply) && typeof reply[0] === 'string' && Array.isArray(reply[1]));
      cursor = reply[0].slice(1);
      assert.match(cursor, /^\d+$/);
      for (const key of reply[1]) seen.add(String(key).slice(1));
      calls++;
    } while (cursor !== '0' && calls < 10_000);
    assert.equal(cursor, '0');
    assert.ok(calls > 10, `${calls} calls`);
    assert.deepEqual([...seen].sort(), names.slice(1).sort());
    expectReplies(s, [
      [
        ['SCAN', '0', 'TYPE', 'list', 'COUNT', '1000'],
        ['$0', []],
      ],
      [['SCAN', 'x'], '-ERR invalid cursor'],
      [['SCAN', ' 0'], '-ERR invalid cursor'],
      [['SCAN', '18446744073709551616'], '-ERR invalid cursor'],
      [['SCAN', '0', 'COUNT', '0'], '-ERR syntax error'],
      [['SCAN', '0', 'COUNT', 'x'], '-ERR value is not an integer or out of range'],
      [['SCAN', '0', 'MATCH'], '-ERR syntax error'],
      [['SCAN', '0', 'BOGUS', 'x'], '-ERR syntax error'],
    ]);
    const all = s.run('SCAN', '0', 'COUNT', '100000', 'TYPE', 'STRING');
    assert.ok(Array.isArray(all) && Array.isArray(all[1]));
    assert.equal(all[0], '$0');
    assert.equal(all[1].length, 300);
  });

  test('SCAN cursor parsing follows strtoul: sign, NUL end, uint64 range; low 32 bits kept', () => {
    const parse = (text: string) => parseScanCursor(Buffer.from(text, 'latin1'), 0, text.length);
    assert.equal(parse(''), 0);
    assert.equal(parse('0'), 0);
    assert.equal(parse('00042'), 42);
    assert.equal(parse('+7'), 7);
    assert.equal(parse('-1'), 2 ** 32 - 1);
    assert.equal(parse('5\x00junk'), 5);
    assert.equal(parse('4294967296'), 0);
    assert.equal(parse('18446744073709551615'), 2 ** 32 - 1);
    assert.equal(parse('18446744073709551616'), -1);
    assert.equal(parse('000000000000000000000018446744073709551615'), 2 ** 32 - 1);
    for (const bad of ['+', '-', 'x', ' 1', '\t1', '1x', '1 ']) assert.equal(parse(bad), -1, bad);
  });

  test('RANDOMKEY: nil on an empty database, never an expired key', () => {
    const s = new RedisSession();
    expectReplies(s, [[['RANDOMKEY'], null]]);
    for (let i = 0; i < 50; i++) s.run('SET', `gone:${i}`, 'v', 'PX', '5');
    s.run('SET', 'stays', 'v');
    s.nowMs += 5;
    for (let i = 0; i < 20; i++) assert.equal(s.run('RANDOMKEY'), '$stays');
    s.run('DEL', 'stays');
    expectReplies(s, [[['RANDOMKEY'], null]]);
  });
});

describe('Databases', () => {
  test('16 stores made on first use, one maxmemory across them', () => {
    const databases = new Databases({ maxMemoryBytes: 48 * 1024 * 1024, hashSeed: 1 });
    assert.equal(databases.existing(5), null);
    const first = databases.get(0);
    assert.equal(databases.get(0), first);
    assert.throws(() => databases.get(16), RangeError);
    const value = new Uint8Array(60_000);
    const key = new Uint8Array(8);
    const fill = (index: number) => {
      const store = databases.get(index);
      let stored = 0;
      for (let i = 0; ; i++) {
        new DataView(key.buffer).setFloat64(0, i);
        if (store.set(key, 0, 8, value, 0, value.length, 0) < 0) return stored;
        stored++;
      }
    };
    const inFirst = fill(0);
    const inSecond = fill(1);
    assert.ok(inFirst > 100, `${inFirst} values in database 0`);
    // The second database only gets what the first left of the one limit.
    assert.ok(inSecond < inFirst / 4, `${inSecond} values in database 1 after ${inFirst} in 0`);
    // The arena may pass maxmemory by its stated margin (docs/store.md), once, not once per database.
    assert.ok(databases.reservedBytes() <= 48 * 1024 * 1024 + first.fragmentationMarginBytes);
  });

  // Under noeviction: what a delete frees in one database is there for writes to another, whether
  // its pages empty (all keys go) or only thin out (two of three go, at random: chunks are drained).
  for (const [what, keep] of [
    ['every key', () => false],
    ['two keys of three', (i: number) => i % 3 === 0],
  ] as const) {
    test(`${what} deleted in database 1 leaves room for writes to database 0 (noeviction)`, () => {
      const maxMemoryBytes = 32 * 1024 * 1024;
      const databases = new Databases({ maxMemoryBytes, hashSeed: 1 });
      const key = (i: number) => new TextEncoder().encode(`key:${i}`);
      const fill = (index: number, valueBytes: number) => {
        const store = databases.get(index);
        const value = new Uint8Array(valueBytes);
        for (let i = 0; ; i++) {
          if (store.set(key(i), 0, key(i).length, value, 0, valueBytes, 0) < 0) return i;
        }
      };
      const second = databases.get(1);
      const inSecond = fill(1, 1000);
      for (let i = 0; i < inSecond; i++) if (!keep(i)) assert.ok(second.delete(key(i), 0, key(i).length));
      const first = databases.get(0);
      const inFirst = fill(0, 100);
      const used = first.stats().bytesUsed + second.stats().bytesUsed;
      console.log(
        `${what}: ${inSecond} 1000-byte values in database 1, then ${inFirst} 100-byte values in 0`,
      );
      // Refused only within each arena's margin, and a chunk of pool pages database 1 could not drain.
      const margins = first.fragmentationMarginBytes + second.fragmentationMarginBytes + 4 * 1024 * 1024;
      assert.ok(
        used + first.indexBytes + second.indexBytes + margins > maxMemoryBytes,
        `refused with ${used} of ${maxMemoryBytes} used`,
      );
      assert.ok(databases.reservedBytes() <= maxMemoryBytes);
      first.assertInvariants();
      second.assertInvariants();
    });
  }
});
