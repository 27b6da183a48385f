import type { Recorded } from './redis-session.js';

/**
 * Random command streams for the differential test against redis-server: valid commands, bad
 * options, wrong arity, edge numbers, binary keys, expiry. Arguments are latin1 strings (any byte).
 */

type Random = () => number;

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

const keys = ['k1', 'k2', 'k3', 'num', 'flt', '', 'b\x00\xff\r\n', '\xe9t\xe9', 'K1', 'k*'];
const values = [
  '',
  'v',
  'hello world',
  '\x00\x01\xfe\xff\r\n',
  '0',
  '1',
  '-1',
  '42',
  '9223372036854775807',
  '-9223372036854775808',
  '9223372036854775806',
  '-9223372036854775807',
  '9007199254740993',
  '010',
  '+1',
  '-0',
  ' 1',
  '1 ',
  '1.5',
  '10.50',
  '1e3',
  '0x10',
  'inf',
  '-inf',
  'nan',
  '3.0e2',
  '.5',
  '5.',
  '0.1',
  '1000',
  '-2.5e-3',
  '123456789012345678901234567890',
  'abc',
];
const integers = [
  '0',
  '1',
  '-1',
  '5',
  '3',
  '-3',
  '100',
  '-100',
  '9223372036854775807',
  '-9223372036854775808',
  '9223372036854775808',
  '-9223372036854775809',
  '9223372036854775',
  '9223372036854776',
  '-9223372036854776',
  '4294967296',
  '2147483648',
  '-2147483649',
  '1.5',
  'abc',
  '',
  '+5',
  '007',
  '-0',
  ' 1',
];
const floats = [
  '0.1',
  '0.2',
  '-0.3',
  '1',
  '1e2',
  '2.5e-3',
  '1e308',
  '-1e308',
  '1e4000',
  'inf',
  'nan',
  'abc',
  '',
  '0x1p3',
  '5.0e3',
  '-0',
  '3.14159265358979323846',
  '1e-20',
  '7',
];
const patterns = [
  '*',
  '**',
  'k*',
  'k?',
  'k[12]',
  'k[^1]',
  'k[1-2]',
  'k[2-1]',
  '*\\*',
  '[',
  'k[',
  '\\',
  '?',
  '',
  'b*',
  '*\xff*',
  'K*',
  '[a-z]*',
  'k\\1',
  '*[',
  '[^',
];
const relativeSeconds = ['100', '1000', '86400'];
/** Edge numbers for a time: without small positive ones, which would expire a key mid-stream and race the clocks. */
const timeEdges = integers.filter((x) => !(Number(x) > 0 && Number(x) < 100_000));

/** A time option or argument: usually valid and far from now (no test races a clock), sometimes not. */
function expireTime(random: Random, nowMs: number, unit: 'ex' | 'px' | 'exat' | 'pxat'): string {
  if (random() < 0.2) return pick(random, timeEdges);
  const seconds = Number(pick(random, relativeSeconds));
  if (unit === 'ex') return String(seconds);
  if (unit === 'px') return String(seconds * 1000);
  const past = random() < 0.3 ? -1 : 1;
  return unit === 'exat'
    ? String(Math.floor(nowMs / 1000) + past * seconds)
    : String(nowMs + past * seconds * 1000);
}

function setOptions(random: Random, nowMs: number): string[] {
  const out: string[] = [];
  const n = Math.floor(random() * 3);
  for (let i = 0; i < n; i++) {
    const option = pick(random, [
      'NX',
      'XX',
      'GET',
      'KEEPTTL',
      'EX',
      'PX',
      'EXAT',
      'PXAT',
      'nx',
      'get',
      'bogus',
      'PERSIST',
      'xx\x00y',
    ]);
    out.push(option);
    const unit = option.toLowerCase();
    if (unit === 'ex' || unit === 'px' || unit === 'exat' || unit === 'pxat') {
      if (random() < 0.95) out.push(expireTime(random, nowMs, unit));
    }
  }
  return out;
}

function getexOptions(random: Random, nowMs: number): string[] {
  const option = pick(random, ['', 'EX', 'PX', 'EXAT', 'PXAT', 'PERSIST', 'KEEPTTL', 'ex']);
  if (option === '') return [];
  const unit = option.toLowerCase();
  if (unit === 'persist' || unit === 'keepttl') return [option];
  const out = [option, expireTime(random, nowMs, unit as 'ex')];
  if (random() < 0.1) out.push('PERSIST');
  return out;
}

/** One random command; the caller sends it to both servers. */
export function randomCommand(random: Random, nowMs: number): string[] {
  const k = () => pick(random, keys);
  const v = () => pick(random, values);
  const n = () => pick(random, integers);
  const many = (make: () => string, min: number) => {
    const out: string[] = [];
    const count = min + Math.floor(random() * 3);
    for (let i = 0; i < count; i++) out.push(make());
    return out;
  };
  let argv: string[];
  switch (Math.floor(random() * 40)) {
    case 0:
    case 1:
      argv = ['SET', k(), v(), ...setOptions(random, nowMs)];
      break;
    case 2:
    case 3:
      argv = ['GET', k()];
      break;
    case 4:
      argv = ['SETNX', k(), v()];
      break;
    case 5:
      argv = ['SETEX', k(), random() < 0.7 ? pick(random, relativeSeconds) : pick(random, timeEdges), v()];
      break;
    case 6:
      argv = ['PSETEX', k(), random() < 0.7 ? '100000' : pick(random, timeEdges), v()];
      break;
    case 7:
      argv = ['GETSET', k(), v()];
      break;
    case 8:
      argv = ['GETDEL', k()];
      break;
    case 9:
      argv = ['GETEX', k(), ...getexOptions(random, nowMs)];
      break;
    case 10:
      argv = ['MGET', ...many(k, 1)];
      break;
    case 11:
      argv = ['MSET', ...many(() => `${k()}\u0000${v()}`, 1).flatMap((pair) => pair.split('\u0000', 2))];
      if (random() < 0.1) argv.push(k());
      break;
    case 12:
      argv = ['MSETNX', ...many(() => `${k()}\u0000${v()}`, 1).flatMap((pair) => pair.split('\u0000', 2))];
      break;
    case 13:
      argv = ['APPEND', k(), v()];
      break;
    case 14:
      argv = ['STRLEN', k()];
      break;
    case 15:
      argv = ['GETRANGE', k(), n(), n()];
      break;
    case 16:
      argv = ['SETRANGE', k(), random() < 0.7 ? String(Math.floor(random() * 20)) : n(), v()];
      break;
    case 17:
    case 18:
      argv = [pick(random, ['INCR', 'DECR']), k()];
      break;
    case 19:
    case 20:
      argv = [pick(random, ['INCRBY', 'DECRBY']), k(), n()];
      break;
    case 21:
    case 22:
      argv = ['INCRBYFLOAT', k(), pick(random, floats)];
      break;
    case 23:
      argv = [pick(random, ['DEL', 'UNLINK', 'EXISTS']), ...many(k, 1)];
      break;
    case 24:
      argv = ['TYPE', k()];
      break;
    case 25:
      argv = [pick(random, ['RENAME', 'RENAMENX']), k(), k()];
      break;
    case 26: {
      const options = random() < 0.5 ? [] : [pick(random, ['REPLACE', 'DB', 'replace', 'bogus'])];
      if (options[0] === 'DB') options.push(pick(random, ['0', '1', '15', '16', '-1', 'x', '2147483648']));
      argv = ['COPY', k(), k(), ...options];
      break;
    }
    case 27:
    case 28: {
      const command = pick(random, ['EXPIRE', 'PEXPIRE', 'EXPIREAT', 'PEXPIREAT']);
      const unit = { EXPIRE: 'ex', PEXPIRE: 'px', EXPIREAT: 'exat', PEXPIREAT: 'pxat' }[command] as 'ex';
      const time = random() < 0.15 ? pick(random, ['-1', '0', '-100']) : expireTime(random, nowMs, unit);
      const options =
        random() < 0.4
          ? many(() => pick(random, ['NX', 'XX', 'GT', 'LT', 'gt', 'bad', 'nx\x00', 'b\r\nd']), 0)
          : [];
      argv = [command, k(), time, ...options];
      break;
    }
    case 29:
    case 30:
      argv = [pick(random, ['TTL', 'PTTL', 'EXPIRETIME', 'PEXPIRETIME']), k()];
      break;
    case 31:
      argv = ['PERSIST', k()];
      break;
    case 32:
      argv = ['KEYS', pick(random, patterns)];
      break;
    case 33: {
      argv = [
        'SCAN',
        random() < 0.9
          ? '0'
          : pick(random, ['', 'x', '-1', ' 0', '18446744073709551616', '+', '0\x00x', '-0']),
      ];
      if (random() < 0.5) argv.push('MATCH', pick(random, patterns));
      argv.push('COUNT', random() < 0.9 ? '1000' : pick(random, ['0', '-1', 'x']));
      if (random() < 0.2) argv.push('TYPE', pick(random, ['string', 'STRING', 'list', 'nosuch']));
      if (random() < 0.05) argv.push('MATCH');
      break;
    }
    case 34:
      argv = ['RANDOMKEY'];
      break;
    default: {
      // Wrong arity: a command with an argument too few or too many.
      const command = pick(random, [
        'GET',
        'SET',
        'SETNX',
        'SETEX',
        'GETSET',
        'INCR',
        'INCRBY',
        'STRLEN',
        'TTL',
        'TYPE',
        'RENAME',
        'APPEND',
        'GETRANGE',
        'KEYS',
        'RANDOMKEY',
        'MGET',
        'DEL',
        'EXPIRE',
        'COPY',
      ]);
      argv = random() < 0.5 ? [command] : [command, k(), v(), v(), v(), v()];
      if (command === 'SET' || command === 'MGET' || command === 'DEL') argv = [command];
      if (command === 'EXPIRE' || command === 'COPY') argv = [command, k()];
      break;
    }
  }
  if (random() < 0.1) argv[0] = argv[0].toLowerCase();
  return argv;
}

/**
 * A reply made comparable: KEYS and SCAN list keys in hash order (each server its own), so they
 * are sorted; RANDOMKEY names any key, so only nil or not counts.
 */
export function comparable(argv: readonly string[], reply: Recorded): Recorded {
  const name = argv[0].toUpperCase();
  if (name === 'KEYS' && Array.isArray(reply)) return [...reply].sort();
  if (name === 'SCAN' && Array.isArray(reply) && Array.isArray(reply[1])) {
    // From cursor 0 with a COUNT past the key count, both walk a whole round; from any other
    // cursor, what comes back depends on where each server's hashes put the keys.
    return argv[1] === '0' ? [reply[0], [...reply[1]].sort()] : '$a scan step';
  }
  if (name === 'RANDOMKEY') return reply === null ? null : '$some key';
  return reply;
}

/**
 * How far apart two answers of a clock-reading command may be (the servers answer a few ms apart,
 * and TTL rounds to seconds): 0 for every other command.
 */
export function clockTolerance(argv: readonly string[]): number {
  const name = argv[0].toUpperCase();
  if (name === 'PTTL' || name === 'PEXPIRETIME') return 2000;
  if (name === 'TTL' || name === 'EXPIRETIME') return 2;
  return 0;
}
