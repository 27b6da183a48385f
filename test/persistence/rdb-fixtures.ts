import { type RdbAuxFields, RdbWriter, rdbRedisVersion } from '../../src/persistence/rdb-writer.js';

/** One string key of a test data set; deadlineMs 0: none. */
export interface StringEntry {
  db: number;
  key: Buffer;
  value: Buffer;
  deadlineMs: number;
}

export const fixedAux: RdbAuxFields = {
  redisVersion: rdbRedisVersion,
  ctimeSeconds: 1_700_000_000,
  usedMemoryBytes: 1_234_567,
  aofBase: false,
};

/** Every byte value 0-255, in order, then in reverse. */
export const everyByte = Buffer.concat([
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i)),
]);

/**
 * Strings that exercise every encoding: integer candidates on both sides of each boundary
 * (int8/16/32, non-canonical forms that must stay raw), binary keys and values, empty ones, large
 * values, and deadlines, over three databases.
 */
export function sampleEntries(nowMs: number, largeValueBytes: number): StringEntry[] {
  const entries: StringEntry[] = [];
  const add = (db: number, key: string | Buffer, value: string | Buffer, deadlineMs = 0) =>
    entries.push({ db, key: Buffer.from(key), value: Buffer.from(value), deadlineMs });
  const integers = ['0', '-1', '1', '127', '128', '-128', '-129', '32767', '32768', '-32768', '-32769'];
  integers.push('2147483647', '2147483648', '-2147483648', '-2147483649', '12345678901', '99999999999');
  integers.push('007', '-0', '+1', ' 1', '1 ', '1.5', '1e3', '-', '');
  for (const text of integers) add(0, `int:${text}`, text);
  add(0, '42', 'a key that is an integer');
  add(0, everyByte, everyByte);
  add(0, '', 'empty key');
  add(0, 'empty value', '');
  const large = Buffer.alloc(largeValueBytes);
  for (let i = 0; i < large.length; i++) large[i] = (i * 7 + (i >> 8)) & 0xff;
  add(0, 'large', large);
  add(0, 'repetitive', Buffer.alloc(largeValueBytes, 'abc'));
  add(0, 'ttl:soon', 'v', nowMs + 60_000);
  add(0, 'ttl:far', 'v', nowMs + 10 * 365 * 86_400_000);
  add(0, 'ttl:exact-ms', '123', nowMs + 123_457);
  for (let i = 0; i < 200; i++)
    add(3, `db3:${i}`, `value ${i}`.repeat(i % 5), i % 3 === 0 ? nowMs + 3_600_000 + i : 0);
  add(15, 'last db', 'x');
  return entries;
}

/** The entries as an RDB file, database by database, keys handed over slicedBy at a time with a flush after each slice. */
export function writeRdb(
  entries: StringEntry[],
  options: { chunkBytes?: number; sliceKeys?: number; aux?: RdbAuxFields } = {},
): { file: Buffer; chunks: number } {
  const chunks: Uint8Array[] = [];
  const writer = new RdbWriter((chunk) => chunks.push(chunk), options.aux ?? fixedAux, options.chunkBytes);
  const dbs = [...new Set(entries.map((e) => e.db))].sort((a, b) => a - b);
  const sliceKeys = options.sliceKeys ?? Number.MAX_SAFE_INTEGER;
  for (const db of dbs) {
    const inDb = entries.filter((e) => e.db === db);
    writer.startDatabase(db, inDb.length, inDb.filter((e) => e.deadlineMs !== 0).length);
    for (let at = 0; at < inDb.length; at += sliceKeys) {
      for (const e of inDb.slice(at, at + sliceKeys)) {
        writer.writeString(e.key, 0, e.key.length, e.value, 0, e.value.length, e.deadlineMs);
      }
      writer.flush();
    }
  }
  writer.finish();
  const file = Buffer.concat(chunks);
  if (file.length !== writer.bytesWritten) throw new Error('bytesWritten disagrees with the chunks');
  return { file, chunks: chunks.length };
}

/** entries as db -> key (latin1) -> value and deadline, the shape readStrings and the store dumps give. */
export function byDatabase(
  entries: StringEntry[],
): Map<number, Map<string, { value: Buffer; deadlineMs: number }>> {
  const result = new Map<number, Map<string, { value: Buffer; deadlineMs: number }>>();
  for (const e of entries) {
    if (!result.has(e.db)) result.set(e.db, new Map());
    result.get(e.db)!.set(e.key.toString('latin1'), { value: e.value, deadlineMs: e.deadlineMs });
  }
  return result;
}
