import { copyBytes } from '../../bytes.js';
import type { ValueWriter } from '../../commands/value-writer.js';
import type { OutputBuffer } from '../../io/output-buffer.js';
import { minPinnedValueBytes } from '../../limits.js';

/** The protocol versions HELLO may choose. */
export type RespVersion = 2 | 3;

const cr = 13;
const lf = 10;
/** Room for a type byte, an int64 in decimal with its sign, and CRLF. */
const maxHeaderBytes = 1 + 20 + 2;
/** `$-1\r\n`, `*-1\r\n` and `_\r\n`, written byte by byte. */
const nullBulk2 = [0x24, 0x2d, 0x31, cr, lf];
const nullArray2 = [0x2a, 0x2d, 0x31, cr, lf];
const null3 = [0x5f, cr, lf];

/**
 * Encodes replies as RESP2 or RESP3 (the connection's HELLO choice) into a connection's
 * OutputBuffer. Nothing is allocated per reply: numbers are written digit by digit and texts char
 * by char (status and error texts are ASCII, as Redis's are). When the buffer refuses room (its
 * pending-output limit), `overflowed` is set and further replies are dropped: the caller closes
 * the connection.
 */
export class RespWriter implements ValueWriter {
  out: OutputBuffer | null = null;
  version: RespVersion = 2;
  overflowed = false;
  /** Error replies written (INFO's total_error_replies). */
  errors = 0;

  /** Points the writer at a connection's buffer and protocol version before its commands run. */
  begin(out: OutputBuffer, version: RespVersion): void {
    this.out = out;
    this.version = version;
    this.overflowed = false;
  }

  status(text: string): void {
    this.line(0x2b, text);
  }

  error(text: string): void {
    this.errors++;
    this.line(0x2d, text);
  }

  integer(n: number): void {
    this.header(0x3a, n);
  }

  bigInteger(n: bigint): void {
    this.line(0x3a, n.toString());
  }

  bulk(bytes: Uint8Array, offset: number, length: number): void {
    const at = this.reserve(maxHeaderBytes + length + 2);
    if (at < 0) return;
    const buffer = this.out!.bytes;
    let pos = writeHeader(buffer, at, 0x24, length);
    copyBytes(bytes, offset, buffer, pos, length);
    pos += length;
    buffer[pos] = cr;
    buffer[pos + 1] = lf;
    this.out!.release(at + maxHeaderBytes + length + 2 - (pos + 2));
  }

  storedValue(bytes: Uint8Array, offset: number, length: number): void {
    if (length < minPinnedValueBytes) {
      this.bulk(bytes, offset, length);
      return;
    }
    this.header(0x24, length);
    if (this.overflowed) return;
    if (!this.out!.pin(bytes, offset, length)) {
      this.overflowed = true;
      return;
    }
    const at = this.reserve(2);
    if (at < 0) return;
    this.out!.bytes[at] = cr;
    this.out!.bytes[at + 1] = lf;
  }

  bulkText(text: string): void {
    const length = Buffer.byteLength(text);
    const at = this.reserve(maxHeaderBytes + length + 2);
    if (at < 0) return;
    const buffer = this.out!.bytes;
    let pos = writeHeader(buffer, at, 0x24, length);
    pos += Buffer.from(buffer.buffer, buffer.byteOffset, buffer.length).write(text, pos, 'utf8');
    buffer[pos] = cr;
    buffer[pos + 1] = lf;
    this.out!.release(at + maxHeaderBytes + length + 2 - (pos + 2));
  }

  nil(): void {
    this.raw(this.version === 3 ? null3 : nullBulk2);
  }

  nilArray(): void {
    this.raw(this.version === 3 ? null3 : nullArray2);
  }

  array(count: number): void {
    this.header(0x2a, count);
  }

  map(pairs: number): void {
    if (this.version === 3) this.header(0x25, pairs);
    else this.header(0x2a, 2 * pairs);
  }

  set(count: number): void {
    this.header(this.version === 3 ? 0x7e : 0x2a, count);
  }

  double(x: number): void {
    const text = formatDouble(x);
    if (this.version === 3) this.line(0x2c, text);
    else this.bulkText(text);
  }

  boolean(b: boolean): void {
    if (this.version === 3) this.line(0x23, b ? 't' : 'f');
    else this.header(0x3a, b ? 1 : 0);
  }

  verbatim(format: 'txt' | 'mkd', text: string): void {
    if (this.version === 2) {
      this.bulkText(text);
      return;
    }
    const length = Buffer.byteLength(text) + 4;
    const at = this.reserve(maxHeaderBytes + length + 2);
    if (at < 0) return;
    const buffer = this.out!.bytes;
    let pos = writeHeader(buffer, at, 0x3d, length);
    for (let i = 0; i < 3; i++) buffer[pos++] = format.charCodeAt(i);
    buffer[pos++] = 0x3a;
    pos += Buffer.from(buffer.buffer, buffer.byteOffset, buffer.length).write(text, pos, 'utf8');
    buffer[pos] = cr;
    buffer[pos + 1] = lf;
    this.out!.release(at + maxHeaderBytes + length + 2 - (pos + 2));
  }

  /** Bytes already encoded (a queued reply, a cached constant), appended as they are. */
  encoded(bytes: Uint8Array, offset: number, length: number): void {
    const at = this.reserve(length);
    if (at >= 0) copyBytes(bytes, offset, this.out!.bytes, at, length);
  }

  private reserve(n: number): number {
    if (this.overflowed) return -1;
    const at = this.out!.reserve(n);
    if (at < 0) this.overflowed = true;
    return at;
  }

  private header(type: number, n: number): void {
    const at = this.reserve(maxHeaderBytes);
    if (at < 0) return;
    const end = writeHeader(this.out!.bytes, at, type, n);
    this.out!.release(at + maxHeaderBytes - end);
  }

  /** A type byte, an ASCII text, CRLF. */
  private line(type: number, text: string): void {
    const length = text.length;
    const at = this.reserve(length + 3);
    if (at < 0) return;
    const buffer = this.out!.bytes;
    buffer[at] = type;
    for (let i = 0; i < length; i++) buffer[at + 1 + i] = text.charCodeAt(i);
    buffer[at + 1 + length] = cr;
    buffer[at + 2 + length] = lf;
  }

  private raw(bytes: readonly number[]): void {
    const at = this.reserve(bytes.length);
    if (at < 0) return;
    const buffer = this.out!.bytes;
    for (let i = 0; i < bytes.length; i++) buffer[at + i] = bytes[i];
  }
}

/** Largest integer written with 32-bit arithmetic. */
const smallIntegerMax = 0x7fffffff;

/** Writes `type`, the decimal of the integer n (|n| <= 2^53), CRLF at `at`; returns the end. */
function writeHeader(buffer: Uint8Array, at: number, type: number, n: number): number {
  buffer[at] = type;
  let pos = at + 1;
  if (n < 0) {
    buffer[pos++] = 0x2d;
    n = -n;
  }
  let digits = 1;
  if (n <= smallIntegerMax) {
    // Lengths, counts and most counters: 32-bit integer division, several times cheaper than
    // Math.floor on doubles (INCR's reply was 5% of the server's time at -P 128).
    for (let rest = n; rest >= 10; rest = (rest / 10) | 0) digits++;
    for (let i = digits - 1, rest = n; i >= 0; i--) {
      const next = (rest / 10) | 0;
      buffer[pos + i] = 0x30 + rest - next * 10;
      rest = next;
    }
  } else {
    for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    for (let i = digits - 1; i >= 0; i--) {
      buffer[pos + i] = 0x30 + (n % 10);
      n = Math.floor(n / 10);
    }
  }
  pos += digits;
  buffer[pos] = cr;
  buffer[pos + 1] = lf;
  return pos + 2;
}

/** Redis 7.2's formatting of a double (shortest round-trip form; inf, -inf, nan). */
export function formatDouble(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Number.POSITIVE_INFINITY) return 'inf';
  if (x === Number.NEGATIVE_INFINITY) return '-inf';
  return String(x);
}
