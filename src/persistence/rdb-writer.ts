import { copyBytes } from '../bytes.js';
import { rdbChunkBytes } from '../limits.js';
import { Crc64 } from './crc64.js';
import {
  RdbOpcode,
  RdbStringEncoding,
  RdbType,
  rdbEncodedValue,
  rdbIntegerEncodingMaxBytes,
  rdbLength32Bit,
  rdbLength64Bit,
  rdbMagic,
  rdbVersionWritten,
} from './rdb-format.js';

/** The AUX fields Redis 7.0 writes after the header (rdbSaveInfoAuxFields). */
export interface RdbAuxFields {
  /** What redis-ver says: the Redis release whose files this one matches. */
  redisVersion: string;
  /** When the snapshot was taken (Unix seconds). */
  ctimeSeconds: number;
  /** Memory the data set used when the snapshot began. */
  usedMemoryBytes: number;
  /** Whether the file is the base of a multi-part append-only log (aof-base 1) or a dump (0). */
  aofBase: boolean;
}

/**
 * Takes each finished chunk; the writer never touches a chunk again once handed over, unless it
 * was told the sink copies (then the same array is filled again after the call).
 */
export type ChunkSink = (chunk: Uint8Array) => void;

/** redis-ver of the files fkvs writes: the release whose RDB version (10) they carry. */
export const rdbRedisVersion = '7.0.0';

const twoTo32 = 2 ** 32;
const int32Min = -(2 ** 31);
const int32Max = 2 ** 31 - 1;

/**
 * Writes an RDB file of string keys incrementally: a snapshot taken in slices hands over its keys
 * slice by slice, and gets the file back as chunks of up to rdbChunkBytes, each handed to the
 * sink as soon as it is full (and the last, partial one at flush() or finish()). The CRC-64 runs
 * over the chunks as they go out, so nothing is kept but the chunk being filled.
 *
 * Encodings are those Redis uses with rdbcompression off: a string of up to 11 bytes that is the
 * canonical decimal of an integer fitting 32 bits is stored as that integer (1, 2 or 4 bytes), any
 * other string as length and raw bytes.
 */
export class RdbWriter {
  private chunk: Uint8Array;
  private used = 0;
  /** Bytes of the current chunk already fed to the CRC. */
  private checksummed = 0;
  private readonly crc = new Crc64();
  private finished = false;
  /** Bytes handed to the sink so far. */
  bytesWritten = 0;

  constructor(
    private readonly sink: ChunkSink,
    aux: RdbAuxFields,
    private readonly chunkBytes = rdbChunkBytes,
    /** The sink copies each chunk before it returns: the writer refills one array instead of making one per chunk. */
    private readonly sinkCopies = false,
  ) {
    if (chunkBytes < 64) throw new RangeError(`an RDB chunk of ${chunkBytes} bytes cannot hold a header`);
    this.chunk = new Uint8Array(chunkBytes);
    this.ascii(`${rdbMagic}${String(rdbVersionWritten).padStart(4, '0')}`);
    this.auxField('redis-ver', aux.redisVersion);
    this.auxField('redis-bits', '64');
    this.auxField('ctime', String(Math.floor(aux.ctimeSeconds)));
    this.auxField('used-mem', String(Math.floor(aux.usedMemoryBytes)));
    this.auxField('aof-base', aux.aofBase ? '1' : '0');
  }

  /** Starts the keys of database db: SELECTDB, then RESIZEDB with the table size hints. */
  startDatabase(db: number, keys: number, keysWithDeadline: number): void {
    this.assertOpen();
    this.byte(RdbOpcode.selectDb);
    this.length(db);
    this.byte(RdbOpcode.resizeDb);
    this.length(keys);
    this.length(keysWithDeadline);
  }

  /**
   * SELECTDB alone: goes back to a database already started (a sliced snapshot writes a key of
   * another database as it changes, then returns to the one it walks). Redis reads SELECTDB anywhere.
   */
  selectDatabase(db: number): void {
    this.assertOpen();
    this.byte(RdbOpcode.selectDb);
    this.length(db);
  }

  /** One string key; deadlineMs is absolute Unix milliseconds, 0 for none. */
  writeString(
    key: Uint8Array,
    keyOffset: number,
    keyLength: number,
    value: Uint8Array,
    valueOffset: number,
    valueLength: number,
    deadlineMs: number,
  ): void {
    this.assertOpen();
    if (deadlineMs !== 0) {
      this.reserve(9);
      this.chunk[this.used++] = RdbOpcode.expireTimeMs;
      const ms = Math.floor(deadlineMs);
      const low = ms % twoTo32;
      this.uint32LittleEndian(low);
      this.uint32LittleEndian((ms - low) / twoTo32);
    }
    this.byte(RdbType.string);
    this.string(key, keyOffset, keyLength);
    this.string(value, valueOffset, valueLength);
  }

  /**
   * Runs the CRC over the bytes added since the last call, so that a chunk's handover has little
   * left to checksum: a sliced snapshot calls it every few keys to keep each slice short.
   */
  checksumWritten(): void {
    this.crc.update(this.chunk, this.checksummed, this.used - this.checksummed);
    this.checksummed = this.used;
  }

  /** Hands the bytes gathered so far to the sink (at the end of a slice), if there are any. */
  flush(): void {
    if (this.used === 0) return;
    this.crc.update(this.chunk, this.checksummed, this.used - this.checksummed);
    this.handOver();
  }

  /** EOF and the checksum; everything is handed to the sink. No write may follow. */
  finish(): void {
    this.assertOpen();
    this.byte(RdbOpcode.eof);
    this.reserve(8);
    this.crc.update(this.chunk, this.checksummed, this.used - this.checksummed);
    this.crc.writeLittleEndian(this.chunk, this.used);
    this.used += 8;
    this.handOver();
    this.finished = true;
  }

  private assertOpen(): void {
    if (this.finished) throw new Error('RdbWriter: write after finish()');
  }

  private handOver(): void {
    const full = this.chunk.subarray(0, this.used);
    this.bytesWritten += this.used;
    if (!this.sinkCopies) this.chunk = new Uint8Array(this.chunkBytes);
    this.used = 0;
    this.checksummed = 0;
    this.sink(full);
  }

  /** Makes room for n more bytes in the current chunk (n <= chunkBytes). */
  private reserve(n: number): void {
    if (this.used + n > this.chunk.length) this.flush();
  }

  private byte(value: number): void {
    this.reserve(1);
    this.chunk[this.used++] = value;
  }

  private uint32LittleEndian(value: number): void {
    const c = this.chunk;
    c[this.used++] = value & 0xff;
    c[this.used++] = (value >>> 8) & 0xff;
    c[this.used++] = (value >>> 16) & 0xff;
    c[this.used++] = (value >>> 24) & 0xff;
  }

  private uint32BigEndian(value: number): void {
    const c = this.chunk;
    c[this.used++] = (value >>> 24) & 0xff;
    c[this.used++] = (value >>> 16) & 0xff;
    c[this.used++] = (value >>> 8) & 0xff;
    c[this.used++] = value & 0xff;
  }

  private length(n: number): void {
    this.reserve(9);
    const c = this.chunk;
    if (n < 1 << 6) {
      c[this.used++] = n;
    } else if (n < 1 << 14) {
      c[this.used++] = 0x40 | (n >>> 8);
      c[this.used++] = n & 0xff;
    } else if (n < twoTo32) {
      c[this.used++] = rdbLength32Bit;
      this.uint32BigEndian(n);
    } else {
      c[this.used++] = rdbLength64Bit;
      const low = n % twoTo32;
      this.uint32BigEndian((n - low) / twoTo32);
      this.uint32BigEndian(low);
    }
  }

  private string(bytes: Uint8Array, offset: number, length: number): void {
    const integer = integerEncodable(bytes, offset, length);
    if (!Number.isNaN(integer)) {
      this.integer(integer);
      return;
    }
    this.length(length);
    let done = 0;
    while (done < length) {
      if (this.used === this.chunk.length) this.flush();
      const n = Math.min(length - done, this.chunk.length - this.used);
      copyBytes(bytes, offset + done, this.chunk, this.used, n);
      this.used += n;
      done += n;
    }
  }

  private integer(value: number): void {
    this.reserve(5);
    const c = this.chunk;
    const special = rdbEncodedValue << 6;
    if (value >= -128 && value <= 127) {
      c[this.used++] = special | RdbStringEncoding.int8;
      c[this.used++] = value & 0xff;
    } else if (value >= -32768 && value <= 32767) {
      c[this.used++] = special | RdbStringEncoding.int16;
      c[this.used++] = value & 0xff;
      c[this.used++] = (value >> 8) & 0xff;
    } else {
      c[this.used++] = special | RdbStringEncoding.int32;
      this.uint32LittleEndian(value);
    }
  }

  private auxField(name: string, value: string): void {
    this.byte(RdbOpcode.aux);
    const nameBytes = Buffer.from(name, 'latin1');
    const valueBytes = Buffer.from(value, 'latin1');
    this.string(nameBytes, 0, nameBytes.length);
    this.string(valueBytes, 0, valueBytes.length);
  }

  private ascii(text: string): void {
    for (let i = 0; i < text.length; i++) this.byte(text.charCodeAt(i));
  }
}

/**
 * The integer a string is the canonical decimal of, if Redis would store it as one (string2ll
 * accepts it, it has at most 11 bytes and fits 32 bits); NaN otherwise. Canonical: an optional
 * '-', then no leading zero (except "0" itself), digits only; "-0" is not canonical.
 */
export function integerEncodable(bytes: Uint8Array, offset: number, length: number): number {
  if (length === 0 || length > rdbIntegerEncodingMaxBytes) return Number.NaN;
  if (length === 1 && bytes[offset] === 0x30) return 0;
  let i = offset;
  const end = offset + length;
  const negative = bytes[i] === 0x2d;
  if (negative) i++;
  if (i === end || bytes[i] < 0x31 || bytes[i] > 0x39) return Number.NaN;
  let value = 0;
  for (; i < end; i++) {
    const digit = bytes[i] - 0x30;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  if (negative) value = -value;
  return value >= int32Min && value <= int32Max ? value : Number.NaN;
}
