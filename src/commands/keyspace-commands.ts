import { copyBytes } from '../bytes.js';
import { redisDatabaseCount } from '../limits.js';
import type { KeyValueStore } from '../store/store-api.js';
import { globMatch } from './glob.js';
import { readKey } from './read-key.js';
import {
  int64Number,
  isKeyword,
  parseIntegerArgument,
  RedisError,
  refusalError,
  scratch,
} from './redis-arguments.js';
import type { Arguments, CommandContext, RedisCommand } from './redis-command.js';

/** Whether the key argument i names a live key (expiring it first when its deadline passed). */
function exists(context: CommandContext, args: Arguments, i: number): boolean {
  return context.store.find(args.bytes, args.offsets[i], args.lengths[i]) >= 0;
}

/** DEL and UNLINK (the same here: freeing is immediate): live keys removed. */
function deleteKeys(name: string, flags: readonly string[]): RedisCommand {
  return {
    name,
    arity: -2,
    flags,
    firstKey: 1,
    lastKey: -1,
    keyStep: 1,
    run(context, args, out) {
      let deleted = 0;
      const b = args.bytes;
      for (let i = 1; i < args.count; i++) {
        // An expired key is reclaimed by the lookup and not counted, as in Redis.
        if (!exists(context, args, i)) continue;
        context.store.delete(b, args.offsets[i], args.lengths[i]);
        context.written(b, args.offsets[i], args.lengths[i], context.db);
        deleted++;
      }
      out.integer(deleted);
    },
  };
}

const existsCommand: RedisCommand = {
  name: 'exists',
  arity: -2,
  flags: ['readonly', 'fast'],
  firstKey: 1,
  lastKey: -1,
  keyStep: 1,
  run(context, args, out) {
    let found = 0;
    for (let i = 1; i < args.count; i++) if (readKey(context, args, i) >= 0) found++;
    out.integer(found);
  },
};

/** Every value of this store is a string. */
const type: RedisCommand = {
  name: 'type',
  arity: 2,
  flags: ['readonly', 'fast'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  run(context, args, out) {
    out.status(readKey(context, args, 1) >= 0 ? 'string' : 'none');
  },
};

function sameBytes(args: Arguments, i: number, j: number): boolean {
  const length = args.lengths[i];
  if (length !== args.lengths[j]) return false;
  const b = args.bytes;
  for (let k = 0; k < length; k++) if (b[args.offsets[i] + k] !== b[args.offsets[j] + k]) return false;
  return true;
}

/**
 * Copies key argument `from` of `source` to key argument `to` of `target` with its deadline;
 * false (error written) when the target refuses. The value is copied out first: the write may
 * reuse the memory it lived in.
 */
function copyEntry(
  source: KeyValueStore,
  handle: number,
  target: KeyValueStore,
  args: Arguments,
  to: number,
  out: { error(text: string): void },
): boolean {
  const length = source.valueLength(handle);
  const value = scratch.value.room(length);
  copyBytes(source.valueBytes(handle), source.valueOffset(handle), value, 0, length);
  const written = target.set(
    args.bytes,
    args.offsets[to],
    args.lengths[to],
    value,
    0,
    length,
    source.deadline(handle),
  );
  if (written < 0) out.error(refusalError(written));
  return written >= 0;
}

/** RENAME and RENAMENX key newkey: the deadline moves with the value. */
function rename(name: string, onlyNew: boolean, flags: readonly string[]): RedisCommand {
  return {
    name,
    arity: 3,
    flags,
    firstKey: 1,
    lastKey: 2,
    keyStep: 1,
    run(context, args, out) {
      const db = context.store;
      const b = args.bytes;
      const handle = db.find(b, args.offsets[1], args.lengths[1]);
      if (handle < 0) return out.error(RedisError.noSuchKey);
      if (sameBytes(args, 1, 2)) return onlyNew ? out.integer(0) : out.status('OK');
      if (onlyNew && exists(context, args, 2)) return out.integer(0);
      // The lookup of the new name may have reclaimed an expired key: find the source again.
      const source = db.find(b, args.offsets[1], args.lengths[1]);
      if (!copyEntry(db, source, db, args, 2, out)) return;
      db.delete(b, args.offsets[1], args.lengths[1]);
      context.written(b, args.offsets[1], args.lengths[1], context.db);
      context.written(b, args.offsets[2], args.lengths[2], context.db);
      if (onlyNew) out.integer(1);
      else out.status('OK');
    },
  };
}

/** COPY source destination [DB index] [REPLACE] */
const copy: RedisCommand = {
  name: 'copy',
  arity: -3,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 2,
  keyStep: 1,
  run(context, args, out) {
    let replace = false;
    let targetDb = context.db;
    for (let j = 3; j < args.count; j++) {
      if (isKeyword(args, j, 'replace')) {
        replace = true;
      } else if (isKeyword(args, j, 'db') && j + 1 < args.count) {
        const index = scratch.first;
        j++;
        // getIntFromObjectOrReply: an int64 within C's int.
        if (!parseIntegerArgument(args, j, index)) return out.error(RedisError.notInteger);
        targetDb = int64Number(index);
        if (targetDb < -(2 ** 31) || targetDb >= 2 ** 31) return out.error(RedisError.notInt32);
        if (targetDb < 0 || targetDb >= redisDatabaseCount) return out.error(RedisError.databaseOutOfRange);
      } else {
        return out.error(RedisError.syntax);
      }
    }
    if (targetDb === context.db && sameBytes(args, 1, 2)) return out.error(RedisError.sameObject);
    const db = context.store;
    const b = args.bytes;
    if (db.find(b, args.offsets[1], args.lengths[1]) < 0) return out.integer(0);
    const target = targetDb === context.db ? db : context.database(targetDb);
    target.nowMs = context.nowMs;
    if (target.find(b, args.offsets[2], args.lengths[2]) >= 0 && !replace) return out.integer(0);
    // Looked up again: the target's lookup may have reclaimed an expired key in the same store.
    const handle = db.find(b, args.offsets[1], args.lengths[1]);
    if (!copyEntry(db, handle, target, args, 2, out)) return;
    context.written(b, args.offsets[2], args.lengths[2], targetDb);
    out.integer(1);
  },
};

/** KEYS and SCAN's MATCH: "*" alone matches every key (Redis skips the matcher, which fails "**" on ""). */
function matchesPattern(
  args: Arguments,
  patternIndex: number,
  key: Uint8Array,
  offset: number,
  length: number,
) {
  const p = args.offsets[patternIndex];
  const patternLength = args.lengths[patternIndex];
  if (patternLength === 1 && args.bytes[p] === 0x2a) return true;
  return globMatch(args.bytes, p, patternLength, key, offset, length);
}

/** Keys collected for a reply whose length must be known before its first element. */
const found = {
  bytes: [] as Uint8Array[],
  offsets: [] as number[],
  lengths: [] as number[],
  clear() {
    this.bytes.length = 0;
    this.offsets.length = 0;
    this.lengths.length = 0;
  },
  add(bytes: Uint8Array, offset: number, length: number) {
    this.bytes.push(bytes);
    this.offsets.push(offset);
    this.lengths.push(length);
  },
};

const keys: RedisCommand = {
  name: 'keys',
  arity: 2,
  flags: ['readonly'],
  firstKey: 0,
  lastKey: 0,
  keyStep: 0,
  run(context, args, out) {
    found.clear();
    context.store.forEachKey((bytes, offset, length) => {
      if (matchesPattern(args, 1, bytes, offset, length)) found.add(bytes, offset, length);
      return true;
    });
    out.array(found.bytes.length);
    for (let i = 0; i < found.bytes.length; i++) out.bulk(found.bytes[i], found.offsets[i], found.lengths[i]);
    found.clear();
  },
};

const two32 = 2 ** 32;
const uint64MaxDigits = '18446744073709551615';

/**
 * Redis's SCAN cursor (parseScanCursorOrReply: strtoul, base 10): no leading space, an optional
 * sign ('-' negates modulo 2^64), digits up to the end or a NUL, within uint64; "" is 0. Returns the
 * low 32 bits (all a table of fewer than 2^32 homes reads), or -1 when invalid.
 */
export function parseScanCursor(bytes: Uint8Array, offset: number, length: number): number {
  let end = offset;
  while (end < offset + length && bytes[end] !== 0) end++;
  if (end === offset) return 0;
  const first = bytes[offset];
  if (first === 0x20 || (first >= 0x09 && first <= 0x0d)) return -1;
  let i = offset;
  const negative = first === 0x2d;
  if (first === 0x2b || first === 0x2d) i++;
  if (i === end) return -1;
  while (i < end - 1 && bytes[i] === 0x30) i++;
  let low = 0;
  let digits = '';
  for (let j = i; j < end; j++) {
    const d = bytes[j] - 0x30;
    if (d < 0 || d > 9) return -1;
    low = (low * 10 + d) % two32;
    if (end - i >= uint64MaxDigits.length) digits += String.fromCharCode(bytes[j]);
  }
  if (
    digits.length > uint64MaxDigits.length ||
    (digits.length === uint64MaxDigits.length && digits > uint64MaxDigits)
  ) {
    return -1;
  }
  return negative ? (two32 - low) % two32 : low;
}

/** SCAN's COUNT default (Redis's). */
const defaultScanCount = 10;

/** SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]: the cursor a bulk string, "0" at the end. */
const scan: RedisCommand = {
  name: 'scan',
  arity: -2,
  flags: ['readonly'],
  firstKey: 0,
  lastKey: 0,
  keyStep: 0,
  run(context, args, out) {
    const cursor = parseScanCursor(args.bytes, args.offsets[1], args.lengths[1]);
    if (cursor < 0) return out.error(RedisError.invalidCursor);
    let count = defaultScanCount;
    let pattern = 0;
    let typeIndex = 0;
    for (let i = 2; i < args.count; i += 2) {
      const hasValue = i + 1 < args.count;
      if (isKeyword(args, i, 'count') && hasValue) {
        if (!parseIntegerArgument(args, i + 1, scratch.first)) return out.error(RedisError.notInteger);
        count = int64Number(scratch.first);
        if (count < 1) return out.error(RedisError.syntax);
      } else if (isKeyword(args, i, 'match') && hasValue) {
        pattern = i + 1;
      } else if (isKeyword(args, i, 'type') && hasValue) {
        typeIndex = i + 1;
      } else {
        return out.error(RedisError.syntax);
      }
    }
    // Every value is a string: TYPE string keeps all keys, any other name none (Redis 7.0 has no error for unknown names).
    const keepNone = typeIndex !== 0 && !isKeyword(args, typeIndex, 'string');
    found.clear();
    // The store skips expired keys; nothing here writes until the reply.
    const next = context.store.scan(cursor, count, (bytes, offset, length) => {
      if (keepNone) return;
      if (pattern === 0 || matchesPattern(args, pattern, bytes, offset, length))
        found.add(bytes, offset, length);
    });
    out.array(2);
    out.bulkText(String(next));
    out.array(found.bytes.length);
    for (let i = 0; i < found.bytes.length; i++) out.bulk(found.bytes[i], found.offsets[i], found.lengths[i]);
    found.clear();
  },
};

const randomkey: RedisCommand = {
  name: 'randomkey',
  arity: 1,
  flags: ['readonly'],
  firstKey: 0,
  lastKey: 0,
  keyStep: 0,
  run(context, _args, out) {
    const db = context.store;
    // Each expired pick is reclaimed, so this ends within the store's size.
    for (;;) {
      const handle = db.randomHandle();
      if (handle < 0) return out.nil();
      const deadline = db.deadline(handle);
      if (deadline === 0 || deadline > context.nowMs) {
        return out.bulk(db.keyBytes(handle), db.keyOffset(handle), db.keyLength(handle));
      }
      db.delete(db.keyBytes(handle), db.keyOffset(handle), db.keyLength(handle));
    }
  },
};

export const keyspaceCommands: readonly RedisCommand[] = [
  deleteKeys('del', ['write']),
  deleteKeys('unlink', ['write', 'fast']),
  existsCommand,
  type,
  rename('rename', false, ['write']),
  rename('renamenx', true, ['write', 'fast']),
  copy,
  keys,
  scan,
  randomkey,
];
