import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addLongDoubles, formatLongDouble, parseLongDouble } from '../../src/commands/long-double.js';
import { seededRandom } from '../support/random.js';
import { type Recorded, RedisSession } from '../support/redis-session.js';

function expectReplies(s: RedisSession, rows: Array<[string[], Recorded]>): void {
  for (const [argv, expected] of rows) assert.deepEqual(s.run(...argv), expected, JSON.stringify(argv));
}

describe('Redis counter commands', () => {
  test('INCR family: int64 edges, strict integers (string2ll), overflow texts, nothing written on error', () => {
    const s = new RedisSession();
    expectReplies(s, [
      [['INCR', 'n'], 1],
      [['DECRBY', 'n', '3'], -2],
      [['INCRBY', 'n', '9007199254740993'], 9007199254740991],
      [['INCR', 'n'], 9007199254740992n],
      [['SET', 'n', '9223372036854775806'], '+OK'],
      [['INCR', 'n'], 9223372036854775807n],
      [['INCR', 'n'], '-ERR increment or decrement would overflow'],
      [['GET', 'n'], '$9223372036854775807'],
      [['SET', 'n', '-9223372036854775808'], '+OK'],
      [['DECR', 'n'], '-ERR increment or decrement would overflow'],
      [['INCRBY', 'n', '9223372036854775807'], -1],
      [['DECRBY', 'n', '-9223372036854775808'], '-ERR decrement would overflow'],
      [['DECRBY', 'none', '-9223372036854775808'], '-ERR decrement would overflow'],
      [['INCRBY', 'n', '9223372036854775808'], '-ERR value is not an integer or out of range'],
      [['INCRBY', 'n', '+1'], '-ERR value is not an integer or out of range'],
      [['INCRBY', 'n', '01'], '-ERR value is not an integer or out of range'],
      [['INCRBY', 'n', '-0'], '-ERR value is not an integer or out of range'],
      [['INCRBY', 'n', ' 1'], '-ERR value is not an integer or out of range'],
      [['INCRBY', 'n', ''], '-ERR value is not an integer or out of range'],
      [['INCRBY', 'missing', 'x'], '-ERR value is not an integer or out of range'],
      [['EXISTS', 'missing'], 0],
      [['SET', 's', '010'], '+OK'],
      [['INCR', 's'], '-ERR value is not an integer or out of range'],
      [['SET', 's', '1.0'], '+OK'],
      [['DECR', 's'], '-ERR value is not an integer or out of range'],
      [['SET', 'e', '5', 'EX', '100'], '+OK'],
      [['INCR', 'e'], 6],
      [['TTL', 'e'], 100],
    ]);
  });

  test('INCR family in place and not: digits that change length, sign or size class; the deadline kept on both paths', () => {
    const s = new RedisSession();
    // Key 'c': an entry of 8 header bytes + 1 + the digits; 7 digits fit a 16-byte block, 8 do not.
    expectReplies(s, [
      [['SET', 'c', '9', 'EX', '100'], '+OK'],
      [['INCR', 'c'], 10],
      [['INCRBY', 'c', '90'], 100],
      [['DECRBY', 'c', '101'], -1],
      [['INCR', 'c'], 0],
      [['INCRBY', 'c', '9999999'], 9999999],
      [['INCR', 'c'], 10000000],
      [['GET', 'c'], '$10000000'],
      [['INCR', 'c'], 10000001],
      [['DECRBY', 'c', '20000000'], -9999999],
      [['INCR', 'c'], -9999998],
      [['GET', 'c'], '$-9999998'],
      [['TTL', 'c'], 100],
      [['INCRBY', 'c', '9007199254740991'], 9007199244740993],
      [['INCRBY', 'c', '9007199254740991'], 18014398499481984n],
      [['GET', 'c'], '$18014398499481984'],
      [['DECRBY', 'c', '18014398499481984'], 0],
      [['GET', 'c'], '$0'],
      [['TTL', 'c'], 100],
    ]);
  });

  test('INCR and DECR step the stored digits: carries, borrows, signs, digit counts and int64 edges as BigInt arithmetic (seeded)', () => {
    const random = seededRandom('counter step');
    const s = new RedisSession();
    const values =
      '0 1 -1 9 -9 10 -10 11 -11 19 -19 99 -99 100 -100 109 -109 110 -110 1000 -1000 123999'.split(' ');
    values.push(
      '-123000',
      '200',
      '-200',
      '9223372036854775806',
      '9223372036854775807',
      '-9223372036854775807',
    );
    values.push('-9223372036854775808');
    // 19 nines are past int64 (string2ll refuses them); 10^18 is in it.
    for (const digits of [17, 18, 19]) {
      if (digits < 19) values.push('9'.repeat(digits), `-${'9'.repeat(digits)}`);
      values.push(`1${'0'.repeat(digits - 1)}`, `-1${'0'.repeat(digits - 1)}`);
    }
    for (let i = 0; i < 300; i++) {
      // Random digits ending in a run of nines or zeros, the cases that carry and borrow.
      const run = random.int(4) === 0 ? '' : (random.int(2) === 0 ? '9' : '0').repeat(1 + random.int(5));
      const head = random.digits(1 + random.int(13));
      values.push(`${random.int(2) === 0 ? '-' : ''}${head}${run}`);
    }
    const int64Max = 2n ** 63n - 1n;
    for (const value of values) {
      for (const [command, step] of [
        ['INCR', 1n],
        ['DECR', -1n],
      ] as const) {
        assert.equal(s.run('SET', 'n', value, 'EX', '100'), '+OK');
        const expected = BigInt(value) + step;
        const reply = s.run(command, 'n');
        const where = random.at(`${command} ${value}`);
        if (expected > int64Max || expected < -int64Max - 1n) {
          assert.equal(reply, '-ERR increment or decrement would overflow', where);
          assert.equal(s.run('GET', 'n'), `$${value}`);
        } else {
          assert.equal(BigInt(reply as number | bigint), expected, where);
          assert.equal(s.run('GET', 'n'), `$${expected}`, where);
          assert.equal(s.run('TTL', 'n'), 100);
        }
      }
    }
  });

  test('INCRBYFLOAT: Redis digits (x87 long double, %.17Lf trimmed), errors, deadline kept', () => {
    const s = new RedisSession();
    expectReplies(s, [
      [['SET', 'f', '10.50'], '+OK'],
      [['INCRBYFLOAT', 'f', '0.1'], '$10.6'],
      [['INCRBYFLOAT', 'f', '-5'], '$5.6'],
      [['SET', 'f', '5.0e3'], '+OK'],
      [['INCRBYFLOAT', 'f', '2.0e2'], '$5200'],
      [['SET', 'f', '1000'], '+OK'],
      [['INCRBYFLOAT', 'f', '0.1'], '$1000.09999999999999998'],
      [['INCRBYFLOAT', 'g', '0.1'], '$0.1'],
      [['INCRBYFLOAT', 'g', '0.2'], '$0.3'],
      [['INCRBYFLOAT', 'h', '3.141592653589793238'], '$3.14159265358979324'],
      [['INCRBYFLOAT', 'i', '123456789012345678901234567890'], '$123456789012345678899921813504'],
      [['INCRBYFLOAT', 'j', '1e-20'], '$0'],
      [['INCRBYFLOAT', 'j', '-1e-20'], '$0'],
      [['INCRBYFLOAT', 'x', '0x1p3'], '$8'],
      [['INCRBYFLOAT', 'x', 'inf'], '-ERR increment would produce NaN or Infinity'],
      [['INCRBYFLOAT', 'x', 'nan'], '-ERR value is not a valid float'],
      [['INCRBYFLOAT', 'x', '1e4933'], '-ERR value is not a valid float'],
      [['INCRBYFLOAT', 'x', '1e-4960'], '-ERR value is not a valid float'],
      [['INCRBYFLOAT', 'x', ' 1'], '-ERR value is not a valid float'],
      [['INCRBYFLOAT', 'x', '1\x00'], '-ERR value is not a valid float'],
      [['INCRBYFLOAT', 'x', ''], '-ERR value is not a valid float'],
      [['INCRBYFLOAT', 'x', '1e'], '-ERR value is not a valid float'],
      [['SET', 'bad', 'abc'], '+OK'],
      [['INCRBYFLOAT', 'bad', 'nan'], '-ERR value is not a valid float'],
      [['SET', 'e', '1', 'EX', '100'], '+OK'],
      [['INCRBYFLOAT', 'e', '1.5'], '$2.5'],
      [['TTL', 'e'], 100],
    ]);
  });

  test('long double: 1e300 + 1e300 prints the exact extended value, as Redis does', () => {
    const x = parseLongDouble(Buffer.from('1e300'), 0, 5);
    assert.ok(x !== null && typeof x !== 'string');
    const sum = addLongDoubles(x, x);
    assert.ok(sum !== 'inf');
    // redis-server 7.0.15: INCRBYFLOAT d 1e300 twice.
    assert.equal(
      formatLongDouble(sum),
      '2000000000000000000017994648159118387741047888546581495876520164642531293192361871511698304167500994380700745017228549671807185112369345967826192521041497292574654271283687306588168510215212033579453305864740061102765895241989080589545563779241212358535223254194821301134374772211380178849830208012288',
    );
  });
});
