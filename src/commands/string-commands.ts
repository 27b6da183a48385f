import { copyBytes } from '../bytes.js';
import { maxRedisStringBytes } from '../limits.js';
import type { KeyValueStore } from '../store/store-api.js';
import { setOptionDeadline } from './expire-time.js';
import { readKey } from './read-key.js';
import {
  int64Big,
  int64Number,
  invalidExpireTimeError,
  isKeyword,
  parseIntegerArgument,
  RedisError,
  refusalError,
  scratch,
  wrongArityError,
} from './redis-arguments.js';
import type { Arguments, CommandContext, RedisCommand } from './redis-command.js';
import type { ValueWriter } from './value-writer.js';

const empty = new Uint8Array(0);

/** Options of SET and GETEX (Redis's parseExtendedStringArgumentsOrReply), as bits. */
const Option = {
  nx: 1,
  xx: 2,
  get: 4,
  keepTtl: 8,
  persist: 16,
  ex: 32,
  px: 64,
  exAt: 128,
  pxAt: 256,
} as const;
const anyExpire = Option.ex | Option.px | Option.exAt | Option.pxAt;

/** Where parseStringOptions found the time argument of EX, PX, EXAT or PXAT (0: none). */
let optionTimeIndex = 0;

/**
 * SET's options from argument 3 on (forSet), or GETEX's from 2: returns the option bits, or -1
 * for Redis's syntax error. Each expire form excludes the others, KEEPTTL and PERSIST, but may be
 * repeated (the last time wins), as in Redis.
 */
function parseStringOptions(args: Arguments, from: number, forSet: boolean): number {
  let flags = 0;
  optionTimeIndex = 0;
  for (let j = from; j < args.count; j++) {
    const hasNext = j + 1 < args.count;
    let time = 0;
    if (forSet && isKeyword(args, j, 'nx') && (flags & Option.xx) === 0) flags |= Option.nx;
    else if (forSet && isKeyword(args, j, 'xx') && (flags & Option.nx) === 0) flags |= Option.xx;
    else if (forSet && isKeyword(args, j, 'get')) flags |= Option.get;
    else if (forSet && isKeyword(args, j, 'keepttl') && (flags & anyExpire) === 0) flags |= Option.keepTtl;
    else if (!forSet && isKeyword(args, j, 'persist') && (flags & anyExpire) === 0) flags |= Option.persist;
    else if (isKeyword(args, j, 'ex')) time = Option.ex;
    else if (isKeyword(args, j, 'px')) time = Option.px;
    else if (isKeyword(args, j, 'exat')) time = Option.exAt;
    else if (isKeyword(args, j, 'pxat')) time = Option.pxAt;
    else return -1;
    if (time !== 0) {
      const excluded = Option.keepTtl | Option.persist | (anyExpire & ~time);
      if ((flags & excluded) !== 0 || !hasNext) return -1;
      flags |= time;
      optionTimeIndex = ++j;
    }
  }
  return flags;
}

/** The deadline an EX/PX/EXAT/PXAT option asks for; writes the error and returns -1 when invalid. */
function optionDeadline(
  context: CommandContext,
  args: Arguments,
  flags: number,
  out: ValueWriter,
  invalidTime: string,
): number {
  const time = scratch.first;
  if (!parseIntegerArgument(args, optionTimeIndex, time)) {
    out.error(RedisError.notInteger);
    return -1;
  }
  const unitMs = (flags & (Option.ex | Option.exAt)) !== 0 ? 1000 : 1;
  const deadline = setOptionDeadline(time, unitMs, (flags & (Option.ex | Option.px)) !== 0, context.nowMs);
  if (deadline < 0) out.error(invalidTime);
  return deadline;
}

function replyValue(store: KeyValueStore, handle: number, out: ValueWriter): void {
  out.storedValue(store.valueBytes(handle), store.valueOffset(handle), store.valueLength(handle));
}

/** Copies the value of handle into the scratch buffer (before a write that replaces it); returns its length. */
function keepValue(store: KeyValueStore, handle: number): number {
  const length = store.valueLength(handle);
  copyBytes(store.valueBytes(handle), store.valueOffset(handle), scratch.value.room(length), 0, length);
  return length;
}

/**
 * Stores args[valueIndex] under args[keyIndex] with the deadline; writes the refusal error and
 * returns false when the store refuses.
 */
function store(
  context: CommandContext,
  args: Arguments,
  keyIndex: number,
  valueIndex: number,
  deadlineMs: number,
  out: ValueWriter,
): boolean {
  const b = args.bytes;
  const keyOffset = args.offsets[keyIndex];
  const keyLength = args.lengths[keyIndex];
  const handle = context.store.set(
    b,
    keyOffset,
    keyLength,
    b,
    args.offsets[valueIndex],
    args.lengths[valueIndex],
    deadlineMs,
  );
  if (handle < 0) {
    out.error(refusalError(handle));
    return false;
  }
  context.written(b, keyOffset, keyLength, context.db, handle);
  return true;
}

function findKey(context: CommandContext, args: Arguments, i: number): number {
  return context.store.find(args.bytes, args.offsets[i], args.lengths[i]);
}

const setInvalidTime = invalidExpireTimeError('set');

/** SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL] */
const set: RedisCommand = {
  name: 'set',
  arity: -3,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  run(context, args, out) {
    let flags = 0;
    let deadline = 0;
    if (args.count > 3) {
      flags = parseStringOptions(args, 3, true);
      if (flags < 0) return out.error(RedisError.syntax);
      if ((flags & anyExpire) !== 0) {
        deadline = optionDeadline(context, args, flags, out, setInvalidTime);
        if (deadline < 0) return;
      }
    }
    if (flags === 0) {
      if (store(context, args, 1, 2, 0, out)) out.status('OK');
      return;
    }
    const db = context.store;
    const wantsOld = (flags & Option.get) !== 0;
    // SET ... GET reads the old value (Redis's getGenericCommand: a keyspace hit or miss); a plain SET does not.
    const handle = wantsOld ? readKey(context, args, 1) : findKey(context, args, 1);
    // The old value is copied before the write, so a refused write can still answer with one error.
    const oldLength = wantsOld && handle >= 0 ? keepValue(db, handle) : -1;
    const found = handle >= 0;
    if (((flags & Option.nx) !== 0 && found) || ((flags & Option.xx) !== 0 && !found)) {
      if (!wantsOld) out.nil();
      else if (oldLength < 0) out.nil();
      else out.bulk(scratch.value.bytes, 0, oldLength);
      return;
    }
    if ((flags & Option.keepTtl) !== 0 && found) deadline = db.deadline(handle);
    if (!store(context, args, 1, 2, deadline, out)) return;
    if (!wantsOld) out.status('OK');
    else if (oldLength < 0) out.nil();
    else out.bulk(scratch.value.bytes, 0, oldLength);
  },
};

const get: RedisCommand = {
  name: 'get',
  arity: 2,
  flags: ['readonly', 'fast'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  run(context, args, out) {
    const handle = readKey(context, args, 1);
    if (handle < 0) out.nil();
    else replyValue(context.store, handle, out);
  },
};

const setnx: RedisCommand = {
  name: 'setnx',
  arity: 3,
  flags: ['write', 'denyoom', 'fast'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  run(context, args, out) {
    if (findKey(context, args, 1) >= 0) out.integer(0);
    else if (store(context, args, 1, 2, 0, out)) out.integer(1);
  },
};

/** SETEX key seconds value and PSETEX key milliseconds value. */
function setWithTime(name: string, unitMs: number): RedisCommand {
  const invalidTime = invalidExpireTimeError(name);
  return {
    name,
    arity: 4,
    flags: ['write', 'denyoom'],
    firstKey: 1,
    lastKey: 1,
    keyStep: 1,
    run(context, args, out) {
      const time = scratch.first;
      if (!parseIntegerArgument(args, 2, time)) return out.error(RedisError.notInteger);
      const deadline = setOptionDeadline(time, unitMs, true, context.nowMs);
      if (deadline < 0) return out.error(invalidTime);
      if (store(context, args, 1, 3, deadline, out)) out.status('OK');
    },
  };
}

const getset: RedisCommand = {
  name: 'getset',
  arity: 3,
  flags: ['write', 'denyoom', 'fast'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  run(context, args, out) {
    const handle = readKey(context, args, 1);
    const oldLength = handle >= 0 ? keepValue(context.store, handle) : -1;
    if (!store(context, args, 1, 2, 0, out)) return;
    if (oldLength < 0) out.nil();
    else out.bulk(scratch.value.bytes, 0, oldLength);
  },
};

const getdel: RedisCommand = {
  name: 'getdel',
  arity: 2,
  flags: ['write', 'fast'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  run(context, args, out) {
    const handle = readKey(context, args, 1);
    if (handle < 0) return out.nil();
    replyValue(context.store, handle, out); // the writer copies the value before the entry is freed
    const b = args.bytes;
    context.store.delete(b, args.offsets[1], args.lengths[1]);
    context.written(b, args.offsets[1], args.lengths[1], context.db);
  },
};

const getexInvalidTime = invalidExpireTimeError('getex');

/** GETEX key [EX s|PX ms|EXAT s|PXAT ms|PERSIST] */
const getex: RedisCommand = {
  name: 'getex',
  arity: -2,
  flags: ['write', 'fast'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  run(context, args, out) {
    const flags = parseStringOptions(args, 2, false);
    if (flags < 0) return out.error(RedisError.syntax);
    const db = context.store;
    const handle = readKey(context, args, 1);
    if (handle < 0) return out.nil();
    let deadline = 0;
    if ((flags & anyExpire) !== 0) {
      deadline = optionDeadline(context, args, flags, out, getexInvalidTime);
      if (deadline < 0) return;
    }
    const b = args.bytes;
    const keyOffset = args.offsets[1];
    const keyLength = args.lengths[1];
    if ((flags & (Option.exAt | Option.pxAt)) !== 0 && deadline <= context.nowMs) {
      replyValue(db, handle, out);
      db.delete(b, keyOffset, keyLength);
    } else if ((flags & anyExpire) !== 0) {
      const moved = db.setDeadline(handle, deadline); // the entry may move
      if (moved < 0) return out.error(RedisError.outOfMemory);
      replyValue(db, moved, out);
    } else {
      replyValue(db, handle, out);
      if ((flags & Option.persist) === 0 || db.deadline(handle) === 0) return;
      db.setDeadline(handle, 0);
    }
    context.written(b, keyOffset, keyLength, context.db);
  },
};

const mget: RedisCommand = {
  name: 'mget',
  arity: -2,
  flags: ['readonly', 'fast'],
  firstKey: 1,
  lastKey: -1,
  keyStep: 1,
  run(context, args, out) {
    out.array(args.count - 1);
    for (let i = 1; i < args.count; i++) {
      const handle = readKey(context, args, i);
      if (handle < 0) out.nil();
      else replyValue(context.store, handle, out);
    }
  },
};

/**
 * MSET and MSETNX. A write the store refuses halfway leaves the earlier pairs written (Redis
 * refuses before the command, by maxmemory; docs/resp-commands.md).
 */
function multiSet(name: string, onlyNew: boolean): RedisCommand {
  const arityError = wrongArityError(name);
  return {
    name,
    arity: -3,
    flags: ['write', 'denyoom'],
    firstKey: 1,
    lastKey: -1,
    keyStep: 2,
    run(context, args, out) {
      if (args.count % 2 === 0) return out.error(arityError);
      if (onlyNew) {
        for (let i = 1; i < args.count; i += 2) if (findKey(context, args, i) >= 0) return out.integer(0);
      }
      for (let i = 1; i < args.count; i += 2) if (!store(context, args, i, i + 1, 0, out)) return;
      if (onlyNew) out.integer(1);
      else out.status('OK');
    },
  };
}

const append: RedisCommand = {
  name: 'append',
  arity: 3,
  flags: ['write', 'denyoom', 'fast'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  run(context, args, out) {
    const db = context.store;
    const handle = findKey(context, args, 1);
    const addLength = args.lengths[2];
    if (handle < 0) {
      if (store(context, args, 1, 2, 0, out)) out.integer(addLength);
      return;
    }
    const oldLength = db.valueLength(handle);
    const total = oldLength + addLength;
    if (total > maxRedisStringBytes) return out.error(RedisError.stringTooLong);
    const deadline = db.deadline(handle);
    const buffer = scratch.value.room(total);
    copyBytes(db.valueBytes(handle), db.valueOffset(handle), buffer, 0, oldLength);
    copyBytes(args.bytes, args.offsets[2], buffer, oldLength, addLength);
    if (writeValue(context, args, buffer, total, deadline, out)) out.integer(total);
  },
};

/** Stores buffer[0, length) under args[1] with the deadline; false (error written) when refused. */
function writeValue(
  context: CommandContext,
  args: Arguments,
  buffer: Uint8Array,
  length: number,
  deadlineMs: number,
  out: ValueWriter,
): boolean {
  const b = args.bytes;
  const handle = context.store.set(b, args.offsets[1], args.lengths[1], buffer, 0, length, deadlineMs);
  if (handle < 0) {
    out.error(refusalError(handle));
    return false;
  }
  context.written(b, args.offsets[1], args.lengths[1], context.db, handle);
  return true;
}

const strlen: RedisCommand = {
  name: 'strlen',
  arity: 2,
  flags: ['readonly', 'fast'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  run(context, args, out) {
    const handle = readKey(context, args, 1);
    out.integer(handle < 0 ? 0 : context.store.valueLength(handle));
  },
};

/** GETRANGE key start end: Redis's index rules (negative from the end, clamped, inclusive). */
const getrange: RedisCommand = {
  name: 'getrange',
  arity: 4,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  run(context, args, out) {
    const first = scratch.first;
    const last = scratch.second;
    if (!parseIntegerArgument(args, 2, first) || !parseIntegerArgument(args, 3, last)) {
      return out.error(RedisError.notInteger);
    }
    const handle = readKey(context, args, 1);
    if (handle < 0) return out.bulk(empty, 0, 0);
    const db = context.store;
    const length = db.valueLength(handle);
    let start = int64Number(first);
    let end = int64Number(last);
    // Exact comparison where doubles could tie two distinct int64s.
    const startAfterEnd = first.isBig || last.isBig ? int64Big(first) > int64Big(last) : start > end;
    if (start < 0 && end < 0 && startAfterEnd) return out.bulk(empty, 0, 0);
    if (start < 0) start = Math.max(length + start, 0);
    if (end < 0) end = Math.max(length + end, 0);
    if (end >= length) end = length - 1;
    if (start > end || length === 0) return out.bulk(empty, 0, 0);
    out.bulk(db.valueBytes(handle), db.valueOffset(handle) + start, end - start + 1);
  },
};

/** SETRANGE key offset value: zero bytes fill any gap; an empty value only reports the length. */
const setrange: RedisCommand = {
  name: 'setrange',
  arity: 4,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  run(context, args, out) {
    const offsetArgument = scratch.first;
    if (!parseIntegerArgument(args, 2, offsetArgument)) return out.error(RedisError.notInteger);
    const offset = int64Number(offsetArgument);
    if (offset < 0) return out.error(RedisError.offsetOutOfRange);
    const db = context.store;
    const handle = findKey(context, args, 1);
    const valueLength = args.lengths[3];
    const oldLength = handle < 0 ? 0 : db.valueLength(handle);
    if (valueLength === 0) return out.integer(oldLength);
    if (offset + valueLength > maxRedisStringBytes) return out.error(RedisError.stringTooLong);
    const total = Math.max(oldLength, offset + valueLength);
    const buffer = scratch.value.room(total);
    if (handle >= 0) copyBytes(db.valueBytes(handle), db.valueOffset(handle), buffer, 0, oldLength);
    if (offset > oldLength) buffer.fill(0, oldLength, offset);
    copyBytes(args.bytes, args.offsets[3], buffer, offset, valueLength);
    const deadline = handle < 0 ? 0 : db.deadline(handle);
    if (writeValue(context, args, buffer, total, deadline, out)) out.integer(total);
  },
};

export const stringCommands: readonly RedisCommand[] = [
  get,
  set,
  setnx,
  setWithTime('setex', 1000),
  setWithTime('psetex', 1),
  getset,
  getdel,
  getex,
  mget,
  multiSet('mset', false),
  multiSet('msetnx', true),
  append,
  strlen,
  getrange,
  setrange,
];
