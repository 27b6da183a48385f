import { maxRedisIntegerBytes } from '../limits.js';
import { StoreRefusal } from '../store/store-api.js';
import { Int64, maxExactDigits } from './int64.js';
import type { Arguments } from './redis-command.js';

/** Redis 7's error texts for the data commands, with their codes. */
export const RedisError = {
  syntax: 'ERR syntax error',
  notInteger: 'ERR value is not an integer or out of range',
  notInt32: 'ERR value is out of range, value must between -2147483648 and 2147483647',
  notFloat: 'ERR value is not a valid float',
  overflow: 'ERR increment or decrement would overflow',
  decrementOverflow: 'ERR decrement would overflow',
  nanOrInfinity: 'ERR increment would produce NaN or Infinity',
  noSuchKey: 'ERR no such key',
  sameObject: 'ERR source and destination objects are the same',
  databaseOutOfRange: 'ERR DB index is out of range',
  offsetOutOfRange: 'ERR offset is out of range',
  stringTooLong: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)',
  invalidCursor: 'ERR invalid cursor',
  outOfMemory: "OOM command not allowed when used memory > 'maxmemory'.",
  expireNxWithOthers: 'ERR NX and XX, GT or LT options at the same time are not compatible',
  expireGtWithLt: 'ERR GT and LT options at the same time are not compatible',
} as const;

/** Redis's reply to a bad expire time, which names the command (made once per command, not per call). */
export function invalidExpireTimeError(command: string): string {
  return `ERR invalid expire time in '${command}' command`;
}

export function wrongArityError(command: string): string {
  return `ERR wrong number of arguments for '${command}' command`;
}

/** The reply to a write the store refused (StoreRefusal). */
export function refusalError(refusal: number): string {
  return refusal === StoreRefusal.keyTooLarge || refusal === StoreRefusal.valueTooLarge
    ? RedisError.stringTooLong
    : RedisError.outOfMemory;
}

const lowerA = 0x61;
const upperA = 0x41;
const upperZ = 0x5a;
const minus = 0x2d;
const zero = 0x30;
const nine = 0x39;

/**
 * Whether argument i is `keyword` (lower case ASCII), compared as Redis's strcasecmp does: the
 * argument is a C string there, so a NUL byte ends it ("nx\0junk" is NX).
 */
export function isKeyword(args: Arguments, i: number, keyword: string): boolean {
  const b = args.bytes;
  const offset = args.offsets[i];
  const length = args.lengths[i];
  if (length < keyword.length) return false;
  for (let j = 0; j < keyword.length; j++) {
    let c = b[offset + j];
    if (c >= upperA && c <= upperZ) c += lowerA - upperA;
    if (c !== keyword.charCodeAt(j)) return false;
  }
  return length === keyword.length || b[offset + keyword.length] === 0;
}

/** Argument i as a C string would print it (up to a NUL), for error texts that quote it. */
export function argumentText(args: Arguments, i: number): string {
  let text = '';
  for (let j = 0; j < args.lengths[i]; j++) {
    const c = args.bytes[args.offsets[i] + j];
    if (c === 0) break;
    // Redis turns CR and LF in an error into spaces, keeping the reply one line.
    text += c === 0x0d || c === 0x0a ? ' ' : String.fromCharCode(c);
  }
  return text;
}

/**
 * Redis's string2ll: an optional '-', then "0" alone or a digit 1-9 and more digits, fewer than 21
 * bytes, within int64. No '+', no leading zeros, no "-0", no spaces. Parses into `out`.
 */
export function parseRedisInteger(bytes: Uint8Array, offset: number, length: number, out: Int64): boolean {
  if (length === 0 || length > maxRedisIntegerBytes) return false;
  let i = offset;
  const end = offset + length;
  const negative = bytes[i] === minus;
  if (negative) {
    i++;
    if (i === end) return false;
  }
  if (bytes[i] === zero) {
    if (length !== 1) return false;
  } else if (bytes[i] < zero || bytes[i] > nine) {
    return false;
  }
  if (end - i <= maxExactDigits) {
    // The common case (counters, options) in one pass: exact as a number, below 2^53.
    let n = 0;
    for (; i < end; i++) {
      const digit = bytes[i] - zero;
      if (digit < 0 || digit > 9) return false;
      n = n * 10 + digit;
    }
    out.setSmall(negative ? -n : n);
    return true;
  }
  for (let j = i + 1; j < end; j++) if (bytes[j] < zero || bytes[j] > nine) return false;
  return out.parse(bytes, offset, length);
}

/** Argument i as Redis's getLongLongFromObject. */
export function parseIntegerArgument(args: Arguments, i: number, out: Int64): boolean {
  return parseRedisInteger(args.bytes, args.offsets[i], args.lengths[i], out);
}

/** A parsed int64 as a number: exact below 2^53, the nearest double beyond (order is kept). */
export function int64Number(x: Int64): number {
  return x.isBig ? Number(x.big) : x.small;
}

export const int64Max = 2n ** 63n - 1n;
export const int64Min = -(2n ** 63n);

/** x as a bigint (the rare paths that need exact int64 arithmetic past 2^53). */
export function int64Big(x: Int64): bigint {
  return x.isBig ? x.big : BigInt(x.small);
}

/**
 * A byte buffer reused across commands for values built or copied before a store write (APPEND,
 * SETRANGE, RENAME): grows to the largest value seen, never per command.
 */
export class ScratchBytes {
  bytes = new Uint8Array(1024);

  /** The buffer, at least `length` bytes long. */
  room(length: number): Uint8Array {
    if (this.bytes.length < length) {
      let size = this.bytes.length;
      while (size < length) size *= 2;
      this.bytes = new Uint8Array(size);
    }
    return this.bytes;
  }
}

/** Shared scratch state of the data commands: one server thread runs one command at a time. */
export const scratch = {
  value: new ScratchBytes(),
  first: new Int64(),
  second: new Int64(),
};
