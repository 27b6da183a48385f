/**
 * The constants of Redis's RDB file format (rdb.h), as far as fkvs writes or reads them. A file
 * is "REDIS" and four version digits, then opcodes and typed key-value pairs, then EOF and an
 * 8-byte CRC-64 of everything before it (see docs/persistence.md).
 */

export const rdbMagic = 'REDIS';
/** The version Redis 7.0 writes and the newest it reads. */
export const rdbVersionWritten = 10;
/** The newest version the reader takes: Redis 7.2's (11) differs only in types fkvs skips. */
export const rdbVersionMaxRead = 11;
/** From this version on a file ends with a CRC-64 (earlier ones end at the EOF opcode). */
export const rdbVersionWithChecksum = 5;
/** "REDIS0010": magic and version. */
export const rdbHeaderBytes = 9;
export const rdbChecksumBytes = 8;

export const RdbOpcode = {
  function2: 245,
  functionPreGa: 246,
  moduleAux: 247,
  idle: 248,
  freq: 249,
  aux: 250,
  resizeDb: 251,
  expireTimeMs: 252,
  expireTime: 253,
  selectDb: 254,
  eof: 255,
} as const;

export const RdbType = {
  string: 0,
  list: 1,
  set: 2,
  zset: 3,
  hash: 4,
  zset2: 5,
  modulePreGa: 6,
  module2: 7,
  hashZipmap: 9,
  listZiplist: 10,
  setIntset: 11,
  zsetZiplist: 12,
  hashZiplist: 13,
  listQuicklist: 14,
  streamListpacks: 15,
  hashListpack: 16,
  zsetListpack: 17,
  listQuicklist2: 18,
  streamListpacks2: 19,
  setListpack: 20,
  streamListpacks3: 21,
} as const;

/** The Redis type a value type byte stands for, as TYPE names it; undefined for an unknown byte. */
export function rdbTypeName(type: number): string | undefined {
  switch (type) {
    case RdbType.string:
      return 'string';
    case RdbType.list:
    case RdbType.listZiplist:
    case RdbType.listQuicklist:
    case RdbType.listQuicklist2:
      return 'list';
    case RdbType.set:
    case RdbType.setIntset:
    case RdbType.setListpack:
      return 'set';
    case RdbType.zset:
    case RdbType.zset2:
    case RdbType.zsetZiplist:
    case RdbType.zsetListpack:
      return 'zset';
    case RdbType.hash:
    case RdbType.hashZipmap:
    case RdbType.hashZiplist:
    case RdbType.hashListpack:
      return 'hash';
    case RdbType.streamListpacks:
    case RdbType.streamListpacks2:
    case RdbType.streamListpacks3:
      return 'stream';
    case RdbType.modulePreGa:
    case RdbType.module2:
      return 'module';
    default:
      return undefined;
  }
}

/**
 * Length encoding: the top two bits of the first byte. 00: 6-bit length; 01: 14-bit (big-endian
 * over two bytes); 0x80: 32-bit big-endian follows; 0x81: 64-bit big-endian follows; 11: a
 * special string encoding in the low six bits.
 */
export const rdbLength6Bit = 0;
export const rdbLength14Bit = 1;
export const rdbLength32Bit = 0x80;
export const rdbLength64Bit = 0x81;
export const rdbEncodedValue = 3;

/** Special string encodings (after the 11 bits). Integers are little-endian. */
export const RdbStringEncoding = {
  int8: 0,
  int16: 1,
  int32: 2,
  lzf: 3,
} as const;

/** Redis tries the integer encoding only on strings up to this long (rdbSaveRawString). */
export const rdbIntegerEncodingMaxBytes = 11;
