import { expireCommandDeadline } from './expire-time.js';
import { readKey } from './read-key.js';
import {
  argumentText,
  invalidExpireTimeError,
  isKeyword,
  parseIntegerArgument,
  RedisError,
  scratch,
} from './redis-arguments.js';
import type { RedisCommand } from './redis-command.js';

const Condition = { nx: 1, xx: 2, gt: 4, lt: 8 } as const;

/**
 * EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT key time [NX|XX|GT|LT] (Redis's expireGenericCommand):
 * options first, then the time, then the key. A deadline already passed deletes the key and
 * answers 1. No deadline counts as infinite for GT and LT.
 */
function expire(name: string, unitMs: number, relative: boolean): RedisCommand {
  const invalidTime = invalidExpireTimeError(name);
  return {
    name,
    arity: -3,
    flags: ['write', 'fast'],
    firstKey: 1,
    lastKey: 1,
    keyStep: 1,
    run(context, args, out) {
      let conditions = 0;
      for (let j = 3; j < args.count; j++) {
        if (isKeyword(args, j, 'nx')) conditions |= Condition.nx;
        else if (isKeyword(args, j, 'xx')) conditions |= Condition.xx;
        else if (isKeyword(args, j, 'gt')) conditions |= Condition.gt;
        else if (isKeyword(args, j, 'lt')) conditions |= Condition.lt;
        else return out.error(`ERR Unsupported option ${argumentText(args, j)}`);
      }
      if ((conditions & Condition.nx) !== 0 && conditions !== Condition.nx) {
        return out.error(RedisError.expireNxWithOthers);
      }
      if ((conditions & (Condition.gt | Condition.lt)) === (Condition.gt | Condition.lt)) {
        return out.error(RedisError.expireGtWithLt);
      }
      const time = scratch.first;
      if (!parseIntegerArgument(args, 2, time)) return out.error(RedisError.notInteger);
      const deadline = expireCommandDeadline(time, unitMs, relative ? context.nowMs : 0);
      if (Number.isNaN(deadline)) return out.error(invalidTime);
      const db = context.store;
      const b = args.bytes;
      const keyOffset = args.offsets[1];
      const keyLength = args.lengths[1];
      const handle = db.find(b, keyOffset, keyLength);
      if (handle < 0) return out.integer(0);
      const current = db.deadline(handle);
      if ((conditions & Condition.nx) !== 0 && current !== 0) return out.integer(0);
      if ((conditions & Condition.xx) !== 0 && current === 0) return out.integer(0);
      if ((conditions & Condition.gt) !== 0 && (current === 0 || deadline <= current)) return out.integer(0);
      if ((conditions & Condition.lt) !== 0 && current !== 0 && deadline >= current) return out.integer(0);
      if (deadline <= context.nowMs) db.delete(b, keyOffset, keyLength);
      else if (db.setDeadline(handle, deadline) < 0) return out.error(RedisError.outOfMemory);
      context.written(b, keyOffset, keyLength, context.db);
      out.integer(1);
    },
  };
}

/** TTL, PTTL (time left; seconds rounded as Redis does) and EXPIRETIME, PEXPIRETIME (the deadline). */
function timeLeft(name: string, unitMs: number, absolute: boolean): RedisCommand {
  return {
    name,
    arity: 2,
    flags: ['readonly', 'fast'],
    firstKey: 1,
    lastKey: 1,
    keyStep: 1,
    run(context, args, out) {
      const db = context.store;
      const handle = readKey(context, args, 1);
      if (handle < 0) return out.integer(-2);
      const deadline = db.deadline(handle);
      if (deadline === 0) return out.integer(-1);
      const ms = Math.max(absolute ? deadline : deadline - context.nowMs, 0);
      const reply = unitMs === 1 ? ms : Math.floor((ms + 500) / 1000);
      // Deadlines past 2^53 ms are doubles (expire-time.ts): the nearest integer, as an int64.
      if (Number.isSafeInteger(reply)) out.integer(reply);
      else out.bigInteger(BigInt(reply));
    },
  };
}

const persist: RedisCommand = {
  name: 'persist',
  arity: 2,
  flags: ['write', 'fast'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  run(context, args, out) {
    const db = context.store;
    const b = args.bytes;
    const handle = db.find(b, args.offsets[1], args.lengths[1]);
    if (handle < 0 || db.deadline(handle) === 0) return out.integer(0);
    db.setDeadline(handle, 0);
    context.written(b, args.offsets[1], args.lengths[1], context.db);
    out.integer(1);
  },
};

export const expiryCommands: readonly RedisCommand[] = [
  expire('expire', 1000, true),
  expire('pexpire', 1, true),
  expire('expireat', 1000, false),
  expire('pexpireat', 1, false),
  timeLeft('ttl', 1000, false),
  timeLeft('pttl', 1, false),
  timeLeft('expiretime', 1000, true),
  timeLeft('pexpiretime', 1, true),
  persist,
];
