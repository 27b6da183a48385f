import { copyBytes } from '../bytes.js';
import { applyDecimalStep, decimalStepIndex, formatSafeIntegerBefore } from '../decimal.js';
import { maxInt64DecimalBytes } from '../limits.js';
import { Int64 } from './int64.js';
import { addLongDoubles, formatLongDouble, type LongDouble, parseLongDouble } from './long-double.js';
import {
  int64Min,
  parseIntegerArgument,
  parseRedisInteger,
  RedisError,
  refusalError,
  scratch,
} from './redis-arguments.js';
import type { Arguments, CommandContext, RedisCommand } from './redis-command.js';
import type { ValueWriter } from './value-writer.js';

const digits = new Uint8Array(maxInt64DecimalBytes);
/** INCR and DECR step the stored digits of a value this long at most: 18 digits +-1 stay within int64 (2^63 has 19). */
const maxSteppedBytes = 18;
const int64MinValue = new Int64();
int64MinValue.parse(new TextEncoder().encode(int64Min.toString()), 0, 20);

/** Stores value[offset, offset + length) under args[1] with the deadline; false (error written) when refused. */
function replaceValue(
  context: CommandContext,
  args: Arguments,
  value: Uint8Array,
  offset: number,
  length: number,
  deadlineMs: number,
  out: ValueWriter,
): boolean {
  const b = args.bytes;
  const handle = context.store.set(b, args.offsets[1], args.lengths[1], value, offset, length, deadlineMs);
  if (handle < 0) {
    out.error(refusalError(handle));
    return false;
  }
  context.written(b, args.offsets[1], args.lengths[1], context.db, handle);
  return true;
}

/**
 * INCR, DECR, INCRBY and DECRBY: the operand is checked first, then the stored value (Redis's
 * string2ll: no '+', no leading zeros), a missing key counting as 0 and nothing written on an
 * error. The deadline is kept. Nothing is allocated below 2^53. The key is looked up once: the
 * new digits overwrite the old ones in place when they take the same room (the store's
 * overwriteValue), and the reply is those same digits.
 */
function counter(name: string, operandIndex: number, subtract: boolean): RedisCommand {
  return {
    name,
    arity: operandIndex === 0 ? 2 : 3,
    flags: ['write', 'denyoom', 'fast'],
    firstKey: 1,
    lastKey: 1,
    keyStep: 1,
    run(context, args, out) {
      const delta = scratch.second;
      if (operandIndex === 0) {
        delta.setSmall(1);
      } else {
        if (!parseIntegerArgument(args, operandIndex, delta)) return out.error(RedisError.notInteger);
        // Negating int64's minimum overflows before any value is read.
        if (subtract && delta.isBig && delta.big === int64MinValue.big) {
          return out.error(RedisError.decrementOverflow);
        }
      }
      const db = context.store;
      const handle = db.find(args.bytes, args.offsets[1], args.lengths[1]);
      const current = scratch.first;
      let stored: Uint8Array = digits;
      let storedAt = 0;
      let storedLength = -1;
      if (handle < 0) {
        current.setSmall(0);
      } else {
        stored = db.valueBytes(handle);
        storedAt = db.valueOffset(handle);
        storedLength = db.valueLength(handle);
        if (!parseRedisInteger(stored, storedAt, storedLength, current))
          return out.error(RedisError.notInteger);
        if (operandIndex === 0 && storedLength <= maxSteppedBytes) {
          const index = decimalStepIndex(stored, storedAt, storedAt + storedLength, !subtract);
          if (index >= 0) {
            db.rewriteValue(handle);
            applyDecimalStep(stored, storedAt, index, storedAt + storedLength, !subtract);
            context.written(args.bytes, args.offsets[1], args.lengths[1], context.db, handle);
            return out.integerDigits(stored, storedAt, storedLength);
          }
        }
      }
      if (!(subtract ? current.subtract(delta) : current.add(delta))) return out.error(RedisError.overflow);
      const start = current.isBig ? 0 : formatSafeIntegerBefore(current.small, digits, digits.length);
      const end = current.isBig ? current.format(digits, 0) : digits.length;
      if (end - start === storedLength) {
        // As many digits as before (all but one INCR in ten): written over the old ones, nothing else changes.
        db.rewriteValue(handle);
        copyBytes(digits, start, stored, storedAt, storedLength);
        context.written(args.bytes, args.offsets[1], args.lengths[1], context.db, handle);
      } else if (handle >= 0 && db.overwriteValue(handle, digits, start, end - start)) {
        context.written(args.bytes, args.offsets[1], args.lengths[1], context.db, handle);
      } else if (
        !replaceValue(context, args, digits, start, end - start, handle < 0 ? 0 : db.deadline(handle), out)
      ) {
        return;
      }
      out.integerDigits(digits, start, end - start);
    },
  };
}

const zeroValue: LongDouble = { negative: false, significand: 0n, exponent: 0 };

/** INCRBYFLOAT key increment: the stored value parsed first, then the increment; see long-double.ts. */
const incrbyfloat: RedisCommand = {
  name: 'incrbyfloat',
  arity: 3,
  flags: ['write', 'denyoom', 'fast'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  run(context, args, out) {
    const db = context.store;
    const handle = db.find(args.bytes, args.offsets[1], args.lengths[1]);
    const current =
      handle < 0
        ? zeroValue
        : parseLongDouble(db.valueBytes(handle), db.valueOffset(handle), db.valueLength(handle));
    if (current === null) return out.error(RedisError.notFloat);
    const increment = parseLongDouble(args.bytes, args.offsets[2], args.lengths[2]);
    if (increment === null) return out.error(RedisError.notFloat);
    if (typeof current === 'string' || typeof increment === 'string')
      return out.error(RedisError.nanOrInfinity);
    const sum = addLongDoubles(current, increment);
    if (sum === 'inf') return out.error(RedisError.nanOrInfinity);
    const text = Buffer.from(formatLongDouble(sum), 'latin1');
    if (replaceValue(context, args, text, 0, text.length, handle < 0 ? 0 : db.deadline(handle), out)) {
      out.bulk(text, 0, text.length);
    }
  },
};

export const counterCommands: readonly RedisCommand[] = [
  counter('incr', 0, false),
  counter('decr', 0, true),
  counter('incrby', 2, false),
  counter('decrby', 2, true),
  incrbyfloat,
];
