import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Recorded, RedisSession } from '../support/redis-session.js';

function expectReplies(s: RedisSession, rows: Array<[string[], Recorded]>): void {
  for (const [argv, expected] of rows) assert.deepEqual(s.run(...argv), expected, JSON.stringify(argv));
}

describe('Redis expiry commands', () => {
  test('EXPIRE family: NX XX GT LT, past deadlines delete, option and time errors', () => {
    const s = new RedisSession();
    const nowS = Math.floor(s.nowMs / 1000);
    expectReplies(s, [
      [['EXPIRE', 'none', '10'], 0],
      [['SET', 'k', 'v'], '+OK'],
      [['EXPIRE', 'k', '10', 'XX'], 0],
      [['EXPIRE', 'k', '10', 'GT'], 0],
      [['EXPIRE', 'k', '10', 'LT'], 1],
      [['TTL', 'k'], 10],
      [['EXPIRE', 'k', '20', 'NX'], 0],
      [['EXPIRE', 'k', '5', 'GT'], 0],
      [['EXPIRE', 'k', '20', 'gt'], 1],
      [['EXPIRE', 'k', '30', 'LT'], 0],
      [['PEXPIRE', 'k', '1500', 'XX', 'LT'], 1],
      [['PTTL', 'k'], 1500],
      [['EXPIREAT', 'k', String(nowS + 100)], 1],
      [['EXPIRETIME', 'k'], nowS + 100],
      [['PEXPIREAT', 'k', String(s.nowMs + 2500)], 1],
      [['PEXPIRETIME', 'k'], s.nowMs + 2500],
      [
        ['EXPIRE', 'k', '10', 'NX', 'XX'],
        '-ERR NX and XX, GT or LT options at the same time are not compatible',
      ],
      [['EXPIRE', 'k', '10', 'GT', 'LT'], '-ERR GT and LT options at the same time are not compatible'],
      [['EXPIRE', 'k', '10', 'bad\r\nopt'], '-ERR Unsupported option bad  opt'],
      [['EXPIRE', 'k', 'x', 'bad'], '-ERR Unsupported option bad'],
      [['EXPIRE', 'k', 'x'], '-ERR value is not an integer or out of range'],
      [['EXPIRE', 'k', '9223372036854776'], "-ERR invalid expire time in 'expire' command"],
      [['EXPIRE', 'k', '-9223372036854776'], "-ERR invalid expire time in 'expire' command"],
      [['PEXPIRE', 'k', '9223372036854775807'], "-ERR invalid expire time in 'pexpire' command"],
      [['PEXPIREAT', 'k', '9223372036854775807'], 1],
      [['EXPIRE', 'k', '-1'], 1],
      [['EXISTS', 'k'], 0],
      [['SET', 'k', 'v'], '+OK'],
      [['EXPIREAT', 'k', '0'], 1],
      [['EXISTS', 'k'], 0],
    ]);
  });

  test('TTL and PTTL: -2 missing, -1 no deadline, seconds rounded; PERSIST; expiry by the clock', () => {
    const s = new RedisSession();
    expectReplies(s, [
      [['TTL', 'k'], -2],
      [['PTTL', 'k'], -2],
      [['EXPIRETIME', 'k'], -2],
      [['SET', 'k', 'v'], '+OK'],
      [['TTL', 'k'], -1],
      [['PEXPIRETIME', 'k'], -1],
      [['PERSIST', 'k'], 0],
      [['PEXPIRE', 'k', '1499'], 1],
      [['TTL', 'k'], 1],
      [['PEXPIRE', 'k', '1500'], 1],
      [['TTL', 'k'], 2],
      [['PERSIST', 'k'], 1],
      [['TTL', 'k'], -1],
      [['PEXPIRE', 'k', '100'], 1],
    ]);
    s.nowMs += 99;
    expectReplies(s, [[['PTTL', 'k'], 1]]);
    s.nowMs += 1;
    expectReplies(s, [
      [['PTTL', 'k'], -2],
      [['PERSIST', 'k'], 0],
      [['GET', 'k'], null],
    ]);
  });
});
