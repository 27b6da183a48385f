import { initialLogBufferBytes, maxLogBufferBytes } from '../limits.js';

const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const setName = ascii('SET');
const pxatName = ascii('PXAT');
const pexpireatName = ascii('PEXPIREAT');
const selectName = ascii('SELECT');
const delName = ascii('DEL');

/**
 * Encodes the append-only log: every write as the RESP command that reproduces it, as Redis 7.0
 * logs them (feedAppendOnlyFile): a SELECT whenever the database differs from the last command's,
 * SET with a deadline as SET key value PXAT <ms>, expiries as PEXPIREAT <ms> (absolute, so a replay
 * hours later gives the same deadlines). Commands are appended to one buffer that the caller writes
 * out once per loop turn (pending()) and then clears; nothing is allocated per command.
 */
export class AofWriter {
  private buffer = new Uint8Array(initialLogBufferBytes);
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
    this.assertComplete();
    if (db !== this.selectedDb) {
      this.header(0x2a, 2);
      this.bulk(selectName, 0, selectName.length);
      this.bulkNumber(db);
      this.selectedDb = db;
    }
    this.header(0x2a, argc);
    this.argumentsLeft = argc;
  }

  argument(bytes: Uint8Array, offset: number, length: number): void {
    this.takeArgument();
    this.bulk(bytes, offset, length);
  }

  /** An integer argument, in decimal. */
  argumentNumber(value: number): void {
    this.takeArgument();
    this.bulkNumber(value);
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
    this.command(db, deadlineMs === 0 ? 3 : 5);
    this.argument(setName, 0, setName.length);
    this.argument(key, keyOffset, keyLength);
    this.argument(value, valueOffset, valueLength);
    if (deadlineMs !== 0) {
      this.argument(pxatName, 0, pxatName.length);
      this.argumentNumber(deadlineMs);
    }
  }

  /** PEXPIREAT key deadlineMs: a deadline set or changed on an existing key. */
  pexpireat(db: number, key: Uint8Array, keyOffset: number, keyLength: number, deadlineMs: number): void {
    this.command(db, 3);
    this.argument(pexpireatName, 0, pexpireatName.length);
    this.argument(key, keyOffset, keyLength);
    this.argumentNumber(deadlineMs);
  }

  /** DEL key: a key removed (or expired, as Redis logs an expiry). */
  del(db: number, key: Uint8Array, keyOffset: number, keyLength: number): void {
    this.command(db, 2);
    this.argument(delName, 0, delName.length);
    this.argument(key, keyOffset, keyLength);
  }

  private takeArgument(): void {
    if (this.argumentsLeft <= 0) throw new Error('AofWriter: more arguments than the command announced');
    this.argumentsLeft--;
  }

  private assertComplete(): void {
    if (this.argumentsLeft !== 0)
      throw new Error(`AofWriter: a command is missing ${this.argumentsLeft} arguments`);
  }

  private bulk(bytes: Uint8Array, offset: number, length: number): void {
    this.header(0x24, length);
    this.reserve(length + 2);
    if (length <= 64) {
      for (let i = 0; i < length; i++) this.buffer[this.used + i] = bytes[offset + i];
    } else {
      this.buffer.set(bytes.subarray(offset, offset + length), this.used);
    }
    this.used += length;
    this.buffer[this.used++] = 0x0d;
    this.buffer[this.used++] = 0x0a;
  }

  private bulkNumber(value: number): void {
    const length = decimalLength(value);
    this.header(0x24, length);
    this.reserve(length + 2);
    writeDecimal(this.buffer, this.used, value, length);
    this.used += length;
    this.buffer[this.used++] = 0x0d;
    this.buffer[this.used++] = 0x0a;
  }

  /** "*<n>\r\n" or "$<n>\r\n". */
  private header(kind: number, n: number): void {
    const length = decimalLength(n);
    this.reserve(length + 3);
    this.buffer[this.used++] = kind;
    writeDecimal(this.buffer, this.used, n, length);
    this.used += length;
    this.buffer[this.used++] = 0x0d;
    this.buffer[this.used++] = 0x0a;
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
  }
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
