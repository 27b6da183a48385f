import { maxLoadStringBytes } from '../limits.js';
import { type KeyValueStore, StoreRefusal } from '../store/store-api.js';
import { Crc64 } from './crc64.js';
import { lzfDecompress } from './lzf.js';
import { quoteBytes } from './quote.js';
import {
  RdbOpcode,
  RdbStringEncoding,
  RdbType,
  rdbChecksumBytes,
  rdbEncodedValue,
  rdbHeaderBytes,
  rdbLength32Bit,
  rdbLength64Bit,
  rdbMagic,
  rdbTypeName,
  rdbVersionMaxRead,
  rdbVersionWithChecksum,
} from './rdb-format.js';
import type { ReadWindow } from './read-window.js';

export interface RdbLoadOptions {
  /** The store of database db, or undefined when db is beyond the databases configured. */
  storeFor(db: number): KeyValueStore | undefined;
  /** Keys whose deadline is at or before this (Unix ms) are not loaded (as a Redis master does); -Infinity keeps them all. */
  nowMs: number;
  /** Leave out keys of other types (and function libraries), counted, instead of stopping at the first. */
  skipOtherTypes: boolean;
  /** The file's name, for messages. */
  fileName: string;
}

export interface RdbLoadResult {
  version: number;
  /** AUX fields (redis-ver, ctime, ...), values up to maxAuxValueBytes. */
  aux: Map<string, string>;
  keysLoaded: number;
  expiredKeysSkipped: number;
  /** Keys of other types left out (skipOtherTypes). */
  otherTypeKeysSkipped: number;
  /** Function libraries left out (skipOtherTypes). */
  functionsSkipped: number;
  /** Bytes of the file, checksum included. */
  bytes: number;
}

/** A file the loader cannot load: what is wrong, in which file, at which byte offset. */
export class RdbLoadError extends Error {
  constructor(
    readonly fileName: string,
    readonly offset: number,
    readonly reason: string,
    message = `${fileName}: ${reason} at offset ${offset}; check the file with: redis-check-rdb ${fileName}`,
  ) {
    super(message);
    this.name = 'RdbLoadError';
  }
}

/** A key of a type fkvs does not hold (stops the load unless skipOtherTypes): the file is sound, so no check is suggested. */
export class RdbUnsupportedTypeError extends RdbLoadError {
  constructor(
    fileName: string,
    offset: number,
    readonly key: string,
    readonly db: number,
    readonly typeName: string,
    readonly rdbType: number,
  ) {
    const reason = `key ${key} in database ${db} is a ${typeName} (RDB type ${rdbType}), and fkvs holds strings only`;
    super(
      fileName,
      offset,
      reason,
      `${fileName}: ${reason} (offset ${offset}); keys of other types can be skipped, counted`,
    );
    this.name = 'RdbUnsupportedTypeError';
  }
}

/** AUX values longer than this are skipped rather than reported. */
const maxAuxValueBytes = 4096;
const twoTo32 = 2 ** 32;

/**
 * Loads an RDB file of string keys into stores, one per database, reading it from the window (at
 * its start) up to and including the checksum, and leaving the window there: an AOF with an RDB
 * preamble goes on from that point. Any other type stops the load with an RdbUnsupportedTypeError
 * naming the first such key, or is skipped and counted. Corruption, truncation and a wrong
 * checksum throw an RdbLoadError with the offset.
 */
export function loadRdb(window: ReadWindow, options: RdbLoadOptions): RdbLoadResult {
  return new RdbReader(window, options).load();
}

class RdbReader {
  private readonly crc = new Crc64();
  /** The key just read, copied out of the window (reading the value may move the window). */
  private key = new Uint8Array(256);
  private keyLength = 0;
  /** Where the string just read lives: the window's buffer, or a scratch array for decoded strings. */
  private stringBytes: Uint8Array = new Uint8Array(0);
  private stringOffset = 0;
  private stringLength = 0;
  private scratch = new Uint8Array(256);
  private readonly result: RdbLoadResult;

  constructor(
    private readonly window: ReadWindow,
    private readonly options: RdbLoadOptions,
  ) {
    this.result = {
      version: 0,
      aux: new Map(),
      keysLoaded: 0,
      expiredKeysSkipped: 0,
      otherTypeKeysSkipped: 0,
      functionsSkipped: 0,
      bytes: 0,
    };
  }

  load(): RdbLoadResult {
    const w = this.window;
    const start = w.offset();
    w.startCrc(this.crc);
    this.need(rdbHeaderBytes, 'the header');
    const header = Buffer.from(w.bytes.subarray(w.pos, w.pos + rdbHeaderBytes)).toString('latin1');
    if (!header.startsWith(rdbMagic) || !/^[0-9]{4}$/.test(header.slice(5))) {
      this.fail('not an RDB file (no REDISnnnn header)');
    }
    const version = Number(header.slice(5));
    if (version < 1 || version > rdbVersionMaxRead) {
      this.fail(`RDB version ${version} is not one fkvs reads (1 to ${rdbVersionMaxRead})`);
    }
    this.result.version = version;
    w.pos += rdbHeaderBytes;

    let db = 0;
    let store = this.storeOf(0);
    let deadlineMs = 0;
    for (;;) {
      const typeOffset = w.offset();
      const type = this.byte('an opcode');
      switch (type) {
        case RdbOpcode.eof:
          this.checksum(version);
          this.result.bytes = w.offset() - start;
          return this.result;
        case RdbOpcode.selectDb:
          db = this.length();
          store = this.storeOf(db);
          continue;
        case RdbOpcode.resizeDb:
          this.length();
          this.length();
          continue;
        case RdbOpcode.aux:
          this.aux();
          continue;
        case RdbOpcode.expireTimeMs:
          this.need(8, 'an expire time');
          deadlineMs = this.uint32LittleEndian(w.pos) + this.uint32LittleEndian(w.pos + 4) * twoTo32;
          w.pos += 8;
          continue;
        case RdbOpcode.expireTime:
          this.need(4, 'an expire time');
          deadlineMs = (this.uint32LittleEndian(w.pos) | 0) * 1000;
          w.pos += 4;
          continue;
        case RdbOpcode.freq:
          this.byte('an LFU frequency');
          continue;
        case RdbOpcode.idle:
          this.length();
          continue;
        case RdbOpcode.function2:
          if (!this.options.skipOtherTypes) {
            this.failAt(typeOffset, 'a function library (FUNCTION LOAD); fkvs has no functions');
          }
          this.skipString();
          this.result.functionsSkipped++;
          continue;
        case RdbOpcode.functionPreGa:
        case RdbOpcode.moduleAux:
          this.failAt(
            typeOffset,
            `opcode ${type} (module or pre-release function data), which fkvs cannot read`,
          );
      }
      if (type === RdbType.string) {
        this.readKey();
        this.string();
        if (deadlineMs !== 0 && deadlineMs <= this.options.nowMs) {
          this.result.expiredKeysSkipped++;
        } else {
          this.store(store, db, deadlineMs, typeOffset);
        }
        deadlineMs = 0;
        continue;
      }
      const typeName = rdbTypeName(type);
      if (typeName === undefined) this.failAt(typeOffset, `unknown value type ${type}`);
      this.readKey();
      if (typeName === 'module')
        this.failAt(typeOffset, 'a module value, which fkvs can neither load nor skip');
      if (!this.options.skipOtherTypes) {
        throw new RdbUnsupportedTypeError(
          this.options.fileName,
          typeOffset,
          quoteBytes(this.key, 0, this.keyLength),
          db,
          typeName,
          type,
        );
      }
      this.skipValue(type);
      this.result.otherTypeKeysSkipped++;
      deadlineMs = 0;
    }
  }

  private storeOf(db: number): KeyValueStore {
    const store = this.options.storeFor(db);
    if (store === undefined) this.fail(`database ${db} is beyond the databases configured`);
    return store;
  }

  private store(store: KeyValueStore, db: number, deadlineMs: number, offset: number): void {
    const handle = store.set(
      this.key,
      0,
      this.keyLength,
      this.stringBytes,
      this.stringOffset,
      this.stringLength,
      deadlineMs,
    );
    if (handle >= 0) {
      this.result.keysLoaded++;
      return;
    }
    const key = quoteBytes(this.key, 0, this.keyLength);
    const why =
      handle === StoreRefusal.keyTooLarge
        ? `its key (${this.keyLength} bytes) is over the store's key limit`
        : handle === StoreRefusal.valueTooLarge
          ? `its value (${this.stringLength} bytes) is over the store's value limit`
          : handle === StoreRefusal.outOfMemory
            ? 'the store is out of memory (maxmemory)'
            : 'the store holds its maximum number of keys';
    this.failAt(offset, `key ${key} in database ${db} cannot be stored: ${why}`);
  }

  private checksum(version: number): void {
    const w = this.window;
    w.finishCrc();
    if (version < rdbVersionWithChecksum) return;
    this.need(rdbChecksumBytes, 'the checksum');
    const stored = this.uint32LittleEndian(w.pos) + this.uint32LittleEndian(w.pos + 4);
    // A zero checksum means the writer had rdbchecksum off (Redis skips the check too).
    if (stored !== 0 && !this.crc.equalsLittleEndian(w.bytes, w.pos)) {
      const file = Buffer.from(w.bytes.subarray(w.pos, w.pos + 8))
        .reverse()
        .toString('hex');
      this.fail(`checksum mismatch: the file says ${file}, its bytes give ${this.crc.hex()}`);
    }
    w.pos += rdbChecksumBytes;
  }

  private aux(): void {
    this.string();
    const name = Buffer.from(
      this.stringBytes.subarray(this.stringOffset, this.stringOffset + this.stringLength),
    ).toString('latin1');
    this.string();
    if (this.stringLength <= maxAuxValueBytes) {
      const value = this.stringBytes.subarray(this.stringOffset, this.stringOffset + this.stringLength);
      this.result.aux.set(name, Buffer.from(value).toString('latin1'));
    }
  }

  private readKey(): void {
    this.string();
    if (this.key.length < this.stringLength)
      this.key = new Uint8Array(Math.max(this.stringLength, this.key.length * 2));
    this.key.set(this.stringBytes.subarray(this.stringOffset, this.stringOffset + this.stringLength));
    this.keyLength = this.stringLength;
  }

  /** Reads a string; it is then stringBytes[stringOffset, stringOffset + stringLength). */
  private string(): void {
    const w = this.window;
    const first = this.byte('a string');
    if (first >> 6 !== rdbEncodedValue) {
      const length = this.lengthAfter(first);
      this.checkStringLength(length);
      this.need(length, `a string of ${length} bytes`);
      this.stringBytes = w.bytes;
      this.stringOffset = w.pos;
      this.stringLength = length;
      w.pos += length;
      return;
    }
    const encoding = first & 0x3f;
    if (encoding === RdbStringEncoding.lzf) {
      this.lzfString();
      return;
    }
    let value: number;
    if (encoding === RdbStringEncoding.int8) {
      this.need(1, 'an integer');
      value = (w.bytes[w.pos] << 24) >> 24;
      w.pos += 1;
    } else if (encoding === RdbStringEncoding.int16) {
      this.need(2, 'an integer');
      value = ((w.bytes[w.pos] | (w.bytes[w.pos + 1] << 8)) << 16) >> 16;
      w.pos += 2;
    } else if (encoding === RdbStringEncoding.int32) {
      this.need(4, 'an integer');
      value = this.uint32LittleEndian(w.pos) | 0;
      w.pos += 4;
    } else {
      this.fail(`unknown string encoding ${encoding}`);
    }
    this.decimal(value);
  }

  /** Writes the decimal of an integer into the scratch array as the current string. */
  private decimal(value: number): void {
    let n = Math.abs(value);
    let at = this.scratch.length;
    do {
      this.scratch[--at] = 0x30 + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
    if (value < 0) this.scratch[--at] = 0x2d;
    this.stringBytes = this.scratch;
    this.stringOffset = at;
    this.stringLength = this.scratch.length - at;
  }

  private lzfString(): void {
    const w = this.window;
    const compressedLength = this.length();
    const length = this.length();
    this.checkStringLength(compressedLength);
    this.checkStringLength(length);
    const at = w.offset();
    this.need(compressedLength, `a compressed string of ${compressedLength} bytes`);
    if (this.scratch.length < length)
      this.scratch = new Uint8Array(Math.max(length, this.scratch.length * 2));
    const written = lzfDecompress(w.bytes, w.pos, compressedLength, this.scratch, 0, length);
    if (written < 0) this.failAt(at, `an LZF string that does not decompress to its ${length} bytes`);
    w.pos += compressedLength;
    this.stringBytes = this.scratch;
    this.stringOffset = 0;
    this.stringLength = length;
  }

  private skipString(): void {
    const first = this.byte('a string');
    if (first >> 6 !== rdbEncodedValue) {
      this.skip(this.lengthAfter(first));
      return;
    }
    const encoding = first & 0x3f;
    if (encoding === RdbStringEncoding.int8) this.skip(1);
    else if (encoding === RdbStringEncoding.int16) this.skip(2);
    else if (encoding === RdbStringEncoding.int32) this.skip(4);
    else if (encoding === RdbStringEncoding.lzf) {
      const compressedLength = this.length();
      this.length();
      this.skip(compressedLength);
    } else this.fail(`unknown string encoding ${encoding}`);
  }

  /** Reads past a value of another type (the layouts of rdbSaveObject). */
  private skipValue(type: number): void {
    switch (type) {
      case RdbType.list:
      case RdbType.set:
      case RdbType.listQuicklist:
        this.repeat(this.length(), () => this.skipString());
        return;
      case RdbType.zset:
        this.repeat(this.length(), () => {
          this.skipString();
          // The score as text: a length byte, with 253-255 standing for nan, +inf and -inf.
          const length = this.byte('a score');
          if (length < 253) this.skip(length);
        });
        return;
      case RdbType.zset2:
        this.repeat(this.length(), () => {
          this.skipString();
          this.skip(8);
        });
        return;
      case RdbType.hash:
        this.repeat(this.length(), () => {
          this.skipString();
          this.skipString();
        });
        return;
      case RdbType.listQuicklist2:
        this.repeat(this.length(), () => {
          this.length();
          this.skipString();
        });
        return;
      case RdbType.streamListpacks:
      case RdbType.streamListpacks2:
      case RdbType.streamListpacks3:
        this.skipStream(type);
        return;
      default:
        // The ziplist, listpack, intset and zipmap encodings: one string holding the whole value.
        this.skipString();
    }
  }

  private skipStream(type: number): void {
    this.repeat(this.length(), () => {
      this.skipString(); // the master ID of the node
      this.skipString(); // the listpack
    });
    this.length(); // entries
    this.length(); // last ID, ms
    this.length(); // last ID, seq
    if (type !== RdbType.streamListpacks) {
      this.repeat(5, () => this.length()); // first ID, max deleted ID (ms, seq each), entries added
    }
    this.repeat(this.length(), () => {
      this.skipString(); // group name
      this.length(); // last delivered ID, ms
      this.length(); // and seq
      if (type !== RdbType.streamListpacks) this.length(); // entries read
      this.repeat(this.length(), () => {
        this.skip(16); // pending entry ID
        this.skip(8); // delivery time
        this.length(); // delivery count
      });
      this.repeat(this.length(), () => {
        this.skipString(); // consumer name
        this.skip(8); // seen time
        if (type === RdbType.streamListpacks3) this.skip(8); // active time
        this.repeat(this.length(), () => this.skip(16)); // its pending IDs
      });
    });
  }

  private repeat(count: number, step: () => void): void {
    for (let i = 0; i < count; i++) step();
  }

  private skip(n: number): void {
    const w = this.window;
    while (n > 0) {
      this.need(1, 'a value');
      const available = Math.min(n, w.end - w.pos);
      w.pos += available;
      n -= available;
    }
  }

  private length(): number {
    return this.lengthAfter(this.byte('a length'));
  }

  private lengthAfter(first: number): number {
    const w = this.window;
    const kind = first >> 6;
    if (kind === 0) return first & 0x3f;
    if (kind === 1) return ((first & 0x3f) << 8) | this.byte('a length');
    if (first === rdbLength32Bit) {
      this.need(4, 'a length');
      const n = this.uint32BigEndian(w.pos);
      w.pos += 4;
      return n;
    }
    if (first === rdbLength64Bit) {
      this.need(8, 'a length');
      const n = this.uint32BigEndian(w.pos) * twoTo32 + this.uint32BigEndian(w.pos + 4);
      // Beyond 2^53 only as a stream's sentinel IDs and counters (UINT64_MAX), which are skipped.
      w.pos += 8;
      return n;
    }
    this.fail(`a string where a length belongs (byte 0x${first.toString(16)})`);
  }

  private checkStringLength(length: number): void {
    if (length > maxLoadStringBytes)
      this.fail(`a string of ${length} bytes, over the ${maxLoadStringBytes} fkvs loads`);
  }

  private byte(what: string): number {
    this.need(1, what);
    return this.window.bytes[this.window.pos++];
  }

  private need(n: number, what: string): void {
    if (!this.window.ensure(n)) this.fail(`unexpected end of file reading ${what}`);
  }

  private uint32LittleEndian(i: number): number {
    const b = this.window.bytes;
    return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
  }

  private uint32BigEndian(i: number): number {
    const b = this.window.bytes;
    return ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
  }

  private fail(reason: string): never {
    this.failAt(this.window.offset(), reason);
  }

  private failAt(offset: number, reason: string): never {
    throw new RdbLoadError(this.options.fileName, offset, reason);
  }
}
