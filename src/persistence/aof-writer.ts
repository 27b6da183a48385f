import { initialLogBufferBytes, maxLogBufferBytes } from '../limits.js';

const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const selectName = ascii('SELECT');
/** Four characters as the little-endian 32-bit word that stores them in one write. */
const word = (text: string) =>
  (text.charCodeAt(0) |
    (text.charCodeAt(1) << 8) |
    (text.charCodeAt(2) << 16) |
    (text.charCodeAt(3) << 24)) >>>
  0;
/**
 * A SET's first 13 bytes, "*3\r\n$3\r\nSET\r\n" (or "*5" with PXAT), as three words and a byte: the
 * log writes it for nearly every command, and three word stores beat a 13-byte copy loop.
 */
const setHeaderBytes = 13;
const setArgc3Word = word('*3\r\n');
const setArgc5Word = word('*5\r\n');
const setNameWord0 = word('$3\r\n');
const setNameWord1 = word('SET\r');
/** The first bytes of other commands the log writes, each copied as one piece. */
const pxatArgument = ascii('$4\r\nPXAT\r\n');
const pexpireatHeader = ascii('*3\r\n$9\r\nPEXPIREAT\r\n');
const delHeader = ascii('*2\r\n$3\r\nDEL\r\n');
/**
 * Most bytes of a bulk string besides its content ("$", a length of at most 17 characters, two
 * CRLFs), and of a whole integer argument ("$17\r\n", at most 17 characters, CRLF).
 */
const bulkFrameBytes = 24;
/** Lengths up to this are copied byte by byte: cheaper than a subarray and set() for keys and small values. */
const loopCopyMaxBytes = 64;

/**
 * Encodes the append-only log: every write as the RESP command that reproduces it, as Redis 7.0
 * logs them (feedAppendOnlyFile): a SELECT whenever the database differs from the last command's,
 * SET with a deadline as SET key value PXAT <ms>, expiries as PEXPIREAT <ms> (absolute, so a replay
 * hours later gives the same deadlines). Commands are appended to one buffer that the caller writes
 * out once per loop turn (pending()) and then clears; nothing is allocated per command.
 */
export class AofWriter {
  private buffer = new Uint8Array(initialLogBufferBytes);
  /** A view of buffer, for the word stores of set(). */
  private view = new DataView(this.buffer.buffer);
  private used = 0;
  /** The database of the last command logged; -1: none yet in this file (the next command selects). */
  private selectedDb = -1;
  /** Arguments still to come of the command being logged. */
  private argumentsLeft = 0;

  /** The bytes logged since the last clear(). Valid until the next write to the log. */
  pending(): Uint8Array {
    return this.buffer.subarray(0, this.used);
  }

  get pendingBytes(): number {
    return this.used;
  }

  /** Forgets the pending bytes (after they were written out). */
  clear(): void {
    this.assertComplete();
    this.used = 0;
  }

  /** A new log file starts (after a rewrite): its first command selects its database again. */
  startFile(): void {
    this.selectedDb = -1;
  }

  /** Starts a command of argc arguments (its name included) in database db; argument() each of them next. */
  command(db: number, argc: number): void {
    this.startKnown(db, bulkFrameBytes);
    this.used = putHeader(this.buffer, this.used, 0x2a, argc);
    this.argumentsLeft = argc;
  }

  argument(bytes: Uint8Array, offset: number, length: number): void {
    this.takeArgument();
    this.reserve(bulkFrameBytes + length);
    this.used = putBulk(this.buffer, this.used, bytes, offset, length);
  }

  /** An integer argument, in decimal. */
  argumentNumber(value: number): void {
    this.takeArgument();
    this.reserve(bulkFrameBytes);
    this.used = putBulkNumber(this.buffer, this.used, value);
  }

  /** SET key value, or SET key value PXAT deadlineMs when the key has a deadline. */
  set(
    db: number,
    key: Uint8Array,
    keyOffset: number,
    keyLength: number,
    value: Uint8Array,
    valueOffset: number,
    valueLength: number,
    deadlineMs: number,
  ): void {
    this.startKnown(db, setHeaderBytes + pxatArgument.length + 3 * bulkFrameBytes + keyLength + valueLength);
    const to = this.buffer;
    const view = this.view;
    let at = this.used;
    view.setUint32(at, deadlineMs === 0 ? setArgc3Word : setArgc5Word, true);
    view.setUint32(at + 4, setNameWord0, true);
    view.setUint32(at + 8, setNameWord1, true);
    to[at + 12] = 0x0a;
    at = putBulk(to, at + setHeaderBytes, key, keyOffset, keyLength);
    at = putBulk(to, at, value, valueOffset, valueLength);
    if (deadlineMs !== 0) {
      at = putBytes(to, at, pxatArgument, 0, pxatArgument.length);
      at = putBulkNumber(to, at, deadlineMs);
    }
    this.used = at;
  }

  /** PEXPIREAT key deadlineMs: a deadline set or changed on an existing key. */
  pexpireat(db: number, key: Uint8Array, keyOffset: number, keyLength: number, deadlineMs: number): void {
    this.startKnown(db, pexpireatHeader.length + 2 * bulkFrameBytes + keyLength);
    const to = this.buffer;
    let at = putBytes(to, this.used, pexpireatHeader, 0, pexpireatHeader.length);
    at = putBulk(to, at, key, keyOffset, keyLength);
    this.used = putBulkNumber(to, at, deadlineMs);
  }

  /** DEL key: a key removed (or expired, as Redis logs an expiry). */
  del(db: number, key: Uint8Array, keyOffset: number, keyLength: number): void {
    this.startKnown(db, delHeader.length + bulkFrameBytes + keyLength);
    this.used = putBulk(
      this.buffer,
      putBytes(this.buffer, this.used, delHeader, 0, delHeader.length),
      key,
      keyOffset,
      keyLength,
    );
  }

  /** Starts a command written whole by the caller, of at most maxBytes: the SELECT first if needed, then room. */
  private startKnown(db: number, maxBytes: number): void {
    this.assertComplete();
    if (db !== this.selectedDb) this.select(db);
    this.reserve(maxBytes);
  }

  private select(db: number): void {
    this.reserve(4 + 2 * bulkFrameBytes + selectName.length);
    const to = this.buffer;
    let at = putHeader(to, this.used, 0x2a, 2);
    at = putBulk(to, at, selectName, 0, selectName.length);
    this.used = putBulkNumber(to, at, db);
    this.selectedDb = db;
  }

  private takeArgument(): void {
    if (this.argumentsLeft <= 0) throw new Error('AofWriter: more arguments than the command announced');
    this.argumentsLeft--;
  }

  private assertComplete(): void {
    if (this.argumentsLeft !== 0)
      throw new Error(`AofWriter: a command is missing ${this.argumentsLeft} arguments`);
  }

  private reserve(n: number): void {
    if (this.used + n <= this.buffer.length) return;
    const needed = this.used + n;
    if (needed > maxLogBufferBytes) {
      throw new RangeError(
        `AofWriter: the log buffer would exceed ${maxLogBufferBytes} bytes; write it out each loop turn`,
      );
    }
    const grown = new Uint8Array(Math.min(maxLogBufferBytes, Math.max(needed, this.buffer.length * 2)));
    grown.set(this.buffer.subarray(0, this.used));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }
}

/** Copies bytes[offset, offset + length) to `to` at `at`; returns the end. The caller reserved room. */
function putBytes(to: Uint8Array, at: number, bytes: Uint8Array, offset: number, length: number): number {
  if (length <= loopCopyMaxBytes) {
    for (let i = 0; i < length; i++) to[at + i] = bytes[offset + i];
  } else {
    to.set(bytes.subarray(offset, offset + length), at);
  }
  return at + length;
}

/** "$<length>\r\n<bytes>\r\n"; returns the end. */
function putBulk(to: Uint8Array, at: number, bytes: Uint8Array, offset: number, length: number): number {
  at = putHeader(to, at, 0x24, length);
  at = putBytes(to, at, bytes, offset, length);
  to[at] = 0x0d;
  to[at + 1] = 0x0a;
  return at + 2;
}

/** An integer as a bulk string, in decimal; returns the end. */
function putBulkNumber(to: Uint8Array, at: number, value: number): number {
  const length = decimalLength(value);
  at = putHeader(to, at, 0x24, length);
  writeDecimal(to, at, value, length);
  to[at + length] = 0x0d;
  to[at + length + 1] = 0x0a;
  return at + length + 2;
}

/** "*<n>\r\n" or "$<n>\r\n" (kind: '*' or '$'; n >= 0); returns the end. */
function putHeader(to: Uint8Array, at: number, kind: number, n: number): number {
  to[at++] = kind;
  if (n < 10) {
    to[at++] = 0x30 + n;
  } else if (n < 100) {
    const tens = (n / 10) | 0;
    to[at++] = 0x30 + tens;
    to[at++] = 0x30 + n - 10 * tens;
  } else {
    const length = decimalLength(n);
    writeDecimal(to, at, n, length);
    at += length;
  }
  to[at] = 0x0d;
  to[at + 1] = 0x0a;
  return at + 2;
}
/** Characters of the decimal of an integer, sign included. */
function decimalLength(value: number): number {
  if (!Number.isSafeInteger(value)) throw new RangeError(`AofWriter: ${value} is not an integer it can log`);
  let n = Math.abs(value);
  let length = value < 0 ? 2 : 1;
  while (n >= 10) {
    length++;
    n = Math.floor(n / 10);
  }
  return length;
}

function writeDecimal(to: Uint8Array, at: number, value: number, length: number): void {
  let n = Math.abs(value);
  for (let i = at + length - 1; i >= at; i--) {
    to[i] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  if (value < 0) to[at] = 0x2d;
}
