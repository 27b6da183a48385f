import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Recorded, RedisSession } from '../support/redis-session.js';

/** Runs [argv, expected reply] rows in order on one session. */
function expectReplies(s: RedisSession, rows: Array<[string[], Recorded]>): void {
  for (const [argv, expected] of rows) assert.deepEqual(s.run(...argv), expected, JSON.stringify(argv));
}

describe('Redis string commands', () => {
  test('SET and GET: binary keys and values, overwrite clears the deadline', () => {
    const s = new RedisSession();
    const key = '\x00\xff\r\nk';
    expectReplies(s, [
      [['GET', key], null],
      [['SET', key, '\x00v\xff'], '+OK'],
      [['GET', key], '$\x00v\xff'],
      [['SET', key, '', 'EX', '100'], '+OK'],
      [['GET', key], '$'],
      [['TTL', key], 100],
      [['SET', key, 'x'], '+OK'],
      [['TTL', key], -1],
      [['set', 'k', 'v', 'ex', '10'], '+OK'],
      [['TTL', 'k'], 10],
    ]);
  });

  test('SET options: NX XX GET KEEPTTL and the expire forms, with Redis texts', () => {
    const s = new RedisSession();
    const now = s.nowMs;
    expectReplies(s, [
      [['SET', 'k', '1', 'XX'], null],
      [['SET', 'k', '1', 'NX'], '+OK'],
      [['SET', 'k', '2', 'NX'], null],
      [['SET', 'k', '2', 'NX', 'GET'], '$1'],
      [['SET', 'k', '3', 'XX', 'GET'], '$1'],
      [['SET', 'missing', '3', 'XX', 'GET'], null],
      [['GET', 'missing'], null],
      [['SET', 'k', '4', 'GET', 'PX', '5000'], '$3'],
      [['PTTL', 'k'], 5000],
      [['SET', 'k', '5', 'KEEPTTL'], '+OK'],
      [['PTTL', 'k'], 5000],
      [['SET', 'k', '6', 'EXAT', String(Math.floor(now / 1000) + 50)], '+OK'],
      [['PEXPIRETIME', 'k'], (Math.floor(now / 1000) + 50) * 1000],
      [['SET', 'k', '7', 'PXAT', String(now + 1234)], '+OK'],
      [['PTTL', 'k'], 1234],
      [['SET', 'k', '8', 'EX', '1', 'EX', '2'], '+OK'],
      [['TTL', 'k'], 2],
      [['SET', 'k', 'v', 'NX', 'XX'], '-ERR syntax error'],
      [['SET', 'k', 'v', 'EX', '1', 'PX', '1'], '-ERR syntax error'],
      [['SET', 'k', 'v', 'EX', '1', 'KEEPTTL'], '-ERR syntax error'],
      [['SET', 'k', 'v', 'KEEPTTL', 'EX', '1'], '-ERR syntax error'],
      [['SET', 'k', 'v', 'EX'], '-ERR syntax error'],
      [['SET', 'k', 'v', 'PERSIST'], '-ERR syntax error'],
      [['SET', 'k', 'v', 'bogus'], '-ERR syntax error'],
      [['SET', 'k', 'v', 'nx\x00junk'], null],
      [['SET', 'k', 'v', 'EX', 'abc'], '-ERR value is not an integer or out of range'],
      [['SET', 'k', 'v', 'EX', '+1'], '-ERR value is not an integer or out of range'],
      [['SET', 'k', 'v', 'EX', '0'], "-ERR invalid expire time in 'set' command"],
      [['SET', 'k', 'v', 'PX', '-5'], "-ERR invalid expire time in 'set' command"],
      [['SET', 'k', 'v', 'EX', '9223372036854776'], "-ERR invalid expire time in 'set' command"],
      [['SET', 'k', 'v', 'PX', '9223372036854775807'], "-ERR invalid expire time in 'set' command"],
      [['SET', 'k', 'v', 'PXAT', '9223372036854775807'], '+OK'],
      [['SET', 'k', 'v', 'EX', '9223372036854775808'], '-ERR value is not an integer or out of range'],
      [['GET', 'k'], '$v'],
    ]);
  });

  test('SET EXAT or PXAT in the past stores a key that is already gone', () => {
    const s = new RedisSession();
    expectReplies(s, [
      [['SET', 'k', 'v', 'PXAT', String(s.nowMs - 1)], '+OK'],
      [['GET', 'k'], null],
      [['EXISTS', 'k'], 0],
    ]);
  });

  test('SETNX, SETEX, PSETEX, GETSET, GETDEL', () => {
    const s = new RedisSession();
    expectReplies(s, [
      [['SETNX', 'k', 'a'], 1],
      [['SETNX', 'k', 'b'], 0],
      [['SETEX', 'k', '10', 'c'], '+OK'],
      [['TTL', 'k'], 10],
      [['SETEX', 'k', '0', 'c'], "-ERR invalid expire time in 'setex' command"],
      [['PSETEX', 'k', '-1', 'c'], "-ERR invalid expire time in 'psetex' command"],
      [['PSETEX', 'k', '1500', 'd'], '+OK'],
      [['PTTL', 'k'], 1500],
      [['GETSET', 'k', 'e'], '$d'],
      [['TTL', 'k'], -1],
      [['GETSET', 'new', 'f'], null],
      [['GETDEL', 'new'], '$f'],
      [['GETDEL', 'new'], null],
      [['SETEX', 'k'], "-ERR wrong number of arguments for 'setex' command"],
    ]);
    assert.deepEqual(s.writes, ['0:k', '0:k', '0:k', '0:k', '0:new', '0:new']);
  });

  test('GETEX: EX PX EXAT PXAT PERSIST; a missing key answers nil before the time is checked', () => {
    const s = new RedisSession();
    expectReplies(s, [
      [['GETEX', 'none', 'EX', 'abc'], null],
      [['SET', 'k', 'v'], '+OK'],
      [['GETEX', 'k', 'EX', 'abc'], '-ERR value is not an integer or out of range'],
      [['GETEX', 'k', 'EX', '0'], "-ERR invalid expire time in 'getex' command"],
      [['GETEX', 'k', 'KEEPTTL'], '-ERR syntax error'],
      [['GETEX', 'k', 'PERSIST', 'EX', '5'], '-ERR syntax error'],
      [['GETEX', 'k', 'EX', '100'], '$v'],
      [['TTL', 'k'], 100],
      [['GETEX', 'k'], '$v'],
      [['TTL', 'k'], 100],
      [['GETEX', 'k', 'PERSIST'], '$v'],
      [['TTL', 'k'], -1],
      [['GETEX', 'k', 'PXAT', String(s.nowMs + 777)], '$v'],
      [['PTTL', 'k'], 777],
      [['GETEX', 'k', 'EXAT', '1'], '$v'],
      [['EXISTS', 'k'], 0],
    ]);
  });

  test('MGET, MSET, MSETNX', () => {
    const s = new RedisSession();
    expectReplies(s, [
      [['MSET', 'a', '1', 'b', '2'], '+OK'],
      [
        ['MGET', 'a', 'nope', 'b', 'a'],
        ['$1', null, '$2', '$1'],
      ],
      [['MSET', 'a', '1', 'b'], "-ERR wrong number of arguments for 'mset' command"],
      [['MSETNX', 'c', '3', 'a', '9'], 0],
      [['GET', 'c'], null],
      [['MSETNX', 'c', '3', 'd', '4'], 1],
      [
        ['MGET', 'c', 'd'],
        ['$3', '$4'],
      ],
      [['MSETNX', 'c'], "-ERR wrong number of arguments for 'msetnx' command"],
    ]);
  });

  test('APPEND, STRLEN, GETRANGE, SETRANGE: Redis index rules, zero fill, deadline kept', () => {
    const s = new RedisSession();
    expectReplies(s, [
      [['APPEND', 'k', 'Hello'], 5],
      [['APPEND', 'k', ' World'], 11],
      [['STRLEN', 'k'], 11],
      [['STRLEN', 'none'], 0],
      [['GETRANGE', 'k', '0', '4'], '$Hello'],
      [['GETRANGE', 'k', '-5', '-1'], '$World'],
      [['GETRANGE', 'k', '-1', '-5'], '$'],
      [['GETRANGE', 'k', '5', '3'], '$'],
      [['GETRANGE', 'k', '-100', '100'], '$Hello World'],
      [['GETRANGE', 'k', '9223372036854775807', '-9223372036854775808'], '$'],
      [['GETRANGE', 'k', '-9223372036854775807', '-9223372036854775808'], '$'],
      [['GETRANGE', 'k', '0', 'x'], '-ERR value is not an integer or out of range'],
      [['GETRANGE', 'none', '0', '-1'], '$'],
      [['EXPIRE', 'k', '100'], 1],
      [['SETRANGE', 'k', '6', 'Redis'], 11],
      [['GET', 'k'], '$Hello Redis'],
      [['TTL', 'k'], 100],
      [['SETRANGE', 'k', '13', '!'], 14],
      [['GET', 'k'], '$Hello Redis\x00\x00!'],
      [['SETRANGE', 'k', '100', ''], 14],
      [['SETRANGE', 'z', '3', ''], 0],
      [['EXISTS', 'z'], 0],
      [['SETRANGE', 'z', '2', 'x'], 3],
      [['GET', 'z'], '$\x00\x00x'],
      [['SETRANGE', 'z', '-1', 'x'], '-ERR offset is out of range'],
      [['SETRANGE', 'z', '536870911', 'xy'], '-ERR string exceeds maximum allowed size (proto-max-bulk-len)'],
      [['APPEND', 'k', '\x00\xff'], 16],
      [['GETRANGE', 'k', '-2', '-1'], '$\x00\xff'],
    ]);
  });
});
