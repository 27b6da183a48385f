import type { Arguments } from '../../commands/redis-command.js';
import {
  maxRespArguments,
  maxRespInlineBytes,
  maxUnauthenticatedArguments,
  maxUnauthenticatedBulkBytes,
} from '../../limits.js';
import { splitInline } from './inline.js';

/** What parse() found at a position. */
const incomplete = -1;
const protocolError = -2;

/** First size of a connection's argument arrays; they grow to the largest command it sent. */
const initialArguments = 16;
/** A carry buffer larger than this (a big value arrived in pieces) is dropped after its command ran. */
const keptCarryBytes = 1024 * 1024;

/** What feed() returns besides a sink's own non-zero status (negative, so that the two never meet). */
export const ParseStatus = {
  ok: 0,
  /** `errorText` holds the reply (`ERR Protocol error: ...`); close after it. */
  protocolError: -1,
  /** An incomplete command passed client-query-buffer-limit: close without a reply, as Redis. */
  queryBufferLimit: -2,
} as const;

/** Receives each complete command; returns 0 to go on, anything else to stop feeding (returned by feed). */
export interface CommandSink {
  onCommand(args: Arguments): number;
}

export interface ParserLimits {
  /** proto-max-bulk-len */
  maxBulkBytes: number;
  /** client-query-buffer-limit */
  maxQueryBufferBytes: number;
}

/**
 * The RESP request parser of one connection: RESP2 multibulk commands and inline (telnet-style)
 * commands, pipelined, as Redis 7 reads them, with its protocol error texts. Multibulk arguments
 * are parsed in place: `args` points into the receive buffer. Only a command split across reads is
 * copied, into this connection's carry buffer, and completed from the following reads. Inline
 * arguments are unquoted into a scratch buffer (Redis's sdssplitargs rules).
 */
export class RequestParser {
  readonly args: Arguments = {
    bytes: new Uint8Array(0),
    offsets: new Int32Array(initialArguments),
    lengths: new Int32Array(initialArguments),
    count: 0,
  };
  /** Set by the session: before AUTH, Redis's unauthenticated limits apply (10 arguments, 16 KB bulks). */
  authenticated = true;
  /** Where the command last handed to the sink starts in its buffer (args.bytes). */
  commandStart = 0;
  /** The protocol error reply (without `-` and CRLF) when feed returned protocolError. */
  errorText = '';
  private carry: Uint8Array | null = null;
  private carryLength = 0;
  /** Length the carried command is known to need before parsing is worth retrying; 0 when unknown. */
  private needBytes = 0;
  private scratch: Uint8Array | null = null;

  constructor(private readonly limits: ParserLimits) {}

  /** Bytes held of an incomplete command (CLIENT LIST qbuf). */
  get bufferedBytes(): number {
    return this.carryLength;
  }

  reset(): void {
    this.carryLength = 0;
    this.needBytes = 0;
    this.carry = null;
  }

  /**
   * Hands every complete command of bytes[offset, offset + length), after the one carried, to the
   * sink. Returns a ParseStatus, or the sink's status when it stopped. Keeps no reference to bytes.
   */
  feed(bytes: Uint8Array, offset: number, length: number, sink: CommandSink): number {
    let pos = offset;
    const end = offset + length;
    while (this.carryLength > 0) {
      if (pos >= end) return ParseStatus.ok;
      const before = this.carryLength;
      const take = this.needBytes > 0 ? Math.min(end - pos, this.needBytes - before) : end - pos;
      this.append(bytes, pos, pos + take);
      pos += take;
      if (this.needBytes > 0 && this.carryLength < this.needBytes) return ParseStatus.ok;
      const carry = this.carry!;
      const next = this.parse(carry, 0, this.carryLength);
      if (next === protocolError) return ParseStatus.protocolError;
      if (next === incomplete) {
        const status = this.carried();
        if (status !== ParseStatus.ok) return status;
        continue;
      }
      // The command ended inside what was appended: the rest is read in place from `bytes`.
      pos -= this.carryLength - next;
      this.carryLength = 0;
      this.needBytes = 0;
      const status = this.args.count > 0 ? sink.onCommand(this.args) : ParseStatus.ok;
      if (carry.length > keptCarryBytes) this.carry = null;
      if (status !== ParseStatus.ok) return status;
    }
    while (pos < end) {
      const next = this.parse(bytes, pos, end);
      if (next === protocolError) return ParseStatus.protocolError;
      if (next === incomplete) {
        this.carryLength = 0;
        this.append(bytes, pos, end);
        return this.carried();
      }
      pos = next;
      if (this.args.count > 0) {
        const status = sink.onCommand(this.args);
        if (status !== ParseStatus.ok) return status;
      }
    }
    return ParseStatus.ok;
  }

  /** After an incomplete parse of the carry: within client-query-buffer-limit, or closing. */
  private carried(): number {
    const limit = this.limits.maxQueryBufferBytes;
    return this.carryLength > limit || this.needBytes > limit ? ParseStatus.queryBufferLimit : ParseStatus.ok;
  }

  /**
   * Parses the command at `pos` into args: returns its end, `incomplete` (setting needBytes when
   * the missing length is known), or `protocolError` (setting errorText). A multibulk count of 0
   * or less, or a blank inline line, gives a command of 0 arguments, skipped as Redis does.
   */
  private parse(bytes: Uint8Array, pos: number, end: number): number {
    this.needBytes = 0;
    this.commandStart = pos;
    return bytes[pos] === 0x2a ? this.parseMultibulk(bytes, pos, end) : this.parseInline(bytes, pos, end);
  }

  private parseMultibulk(bytes: Uint8Array, start: number, end: number): number {
    const args = this.args;
    let count = digitLine(bytes, start + 1, end);
    let countEnd = digitLineEnd;
    if (count < 0) {
      countEnd = findByte(bytes, start + 1, end, 0x0d);
      if (countEnd < 0 || countEnd + 1 >= end) {
        if (end - start > maxRespInlineBytes) return this.fail('Protocol error: too big mbulk count string');
        return incomplete;
      }
      count = parseLong(bytes, start + 1, countEnd);
      if (Number.isNaN(count)) return this.fail('Protocol error: invalid multibulk length');
    }
    if (count > maxRespArguments) return this.fail('Protocol error: invalid multibulk length');
    if (!this.authenticated && count > maxUnauthenticatedArguments)
      return this.fail('Protocol error: unauthenticated multibulk length');
    let pos = countEnd + 2;
    args.bytes = bytes;
    args.count = 0;
    if (count <= 0) return pos;
    if (count > args.offsets.length) this.growArguments(count);
    const offsets = args.offsets;
    const lengths = args.lengths;
    const maxBulk = this.authenticated ? this.limits.maxBulkBytes : maxUnauthenticatedBulkBytes;
    for (let i = 0; i < count; i++) {
      if (pos >= end) return incomplete;
      if (bytes[pos] !== 0x24) {
        return this.fail(`Protocol error: expected '$', got '${String.fromCharCode(bytes[pos])}'`);
      }
      let length = digitLine(bytes, pos + 1, end);
      let lengthEnd = digitLineEnd;
      if (length < 0) {
        lengthEnd = findByte(bytes, pos + 1, end, 0x0d);
        if (lengthEnd < 0 || lengthEnd + 1 >= end) {
          if (end - pos > maxRespInlineBytes) return this.fail('Protocol error: too big bulk count string');
          return incomplete;
        }
        length = parseLong(bytes, pos + 1, lengthEnd);
        if (Number.isNaN(length) || length < 0) return this.fail('Protocol error: invalid bulk length');
      }
      if (length > this.limits.maxBulkBytes) return this.fail('Protocol error: invalid bulk length');
      if (length > maxBulk) return this.fail('Protocol error: unauthenticated bulk length');
      pos = lengthEnd + 2;
      // Redis skips the two bytes after the data without looking at them; so do we.
      if (end - pos < length + 2) {
        this.needBytes = pos - start + length + 2;
        return incomplete;
      }
      offsets[i] = pos;
      lengths[i] = length;
      pos += length + 2;
    }
    args.count = count;
    return pos;
  }

  private parseInline(bytes: Uint8Array, start: number, end: number): number {
    const newline = findByte(bytes, start, end, 0x0a);
    if (newline < 0 || newline - start > maxRespInlineBytes) {
      if (newline >= 0 || end - start > maxRespInlineBytes)
        return this.fail('Protocol error: too big inline request');
      return incomplete;
    }
    const lineEnd = newline > start && bytes[newline - 1] === 0x0d ? newline - 1 : newline;
    const lineLength = lineEnd - start;
    if (this.scratch === null || this.scratch.length < lineLength) {
      this.scratch = new Uint8Array(Math.max(256, lineLength));
    }
    const args = this.args;
    if (args.offsets.length < lineLength) this.growArguments(Math.min(lineLength, maxRespArguments));
    args.bytes = this.scratch;
    args.count = 0;
    if (!splitInline(bytes, start, lineEnd, this.scratch, args))
      return this.fail('Protocol error: unbalanced quotes in request');
    return newline + 1;
  }

  private fail(text: string): number {
    this.errorText = `ERR ${text}`;
    return protocolError;
  }

  private growArguments(count: number): void {
    let size = this.args.offsets.length;
    while (size < count) size *= 2;
    this.args.offsets = new Int32Array(size);
    this.args.lengths = new Int32Array(size);
  }

  private append(bytes: Uint8Array, from: number, to: number): void {
    const needed = this.carryLength + (to - from);
    let carry = this.carry;
    if (carry === null || carry.length < needed) {
      let size = carry === null ? 256 : carry.length;
      while (size < needed) size *= 2;
      if (this.needBytes > size) size = this.needBytes;
      const grown = new Uint8Array(size);
      if (carry !== null) grown.set(carry.subarray(0, this.carryLength));
      this.carry = carry = grown;
    }
    carry.set(bytes.subarray(from, to), this.carryLength);
    this.carryLength = needed;
  }
}

/** Where the last digitLine() that returned a value found its CR. */
let digitLineEnd = 0;
/** Digits digitLine() takes: any count or length up to 999,999,999 (proto-max-bulk-len's default is 512 MB). */
const maxDigitLineDigits = 9;

/**
 * The usual header line (`*3`, `$5`) in one pass: 1 to 9 digits without a leading zero (or "0"
 * alone), a CR, and at least one byte after it. Returns its value, with the CR's index in
 * digitLineEnd; -1 for any other line (a sign, a leading zero, more digits, bad bytes, a line not
 * all there), which findByte and parseLong then read, with their errors.
 */
function digitLine(bytes: Uint8Array, from: number, end: number): number {
  let n = 0;
  let i = from;
  for (; i < end; i++) {
    const digit = bytes[i] - 0x30;
    if (digit < 0 || digit > 9) break;
    n = n * 10 + digit;
  }
  const digits = i - from;
  if (digits === 0 || digits > maxDigitLineDigits || i + 1 >= end || bytes[i] !== 0x0d) return -1;
  if (bytes[from] === 0x30 && digits > 1) return -1;
  digitLineEnd = i;
  return n;
}

/** Index of the first `byte` in bytes[from, to), or -1. */
function findByte(bytes: Uint8Array, from: number, to: number, byte: number): number {
  for (let i = from; i < to; i++) if (bytes[i] === byte) return i;
  return -1;
}

/**
 * Redis's string2ll on bytes[from, to): an optional '-', then digits without a leading zero (or
 * "0" alone), within int64; NaN otherwise. Values beyond 2^53 come back inexact, which the
 * callers' limits (far below) make harmless.
 */
export function parseLong(bytes: Uint8Array, from: number, to: number): number {
  if (from >= to || to - from > 20) return Number.NaN;
  let pos = from;
  const negative = bytes[pos] === 0x2d;
  if (negative) pos++;
  if (pos >= to) return Number.NaN;
  if (bytes[pos] === 0x30) return to - pos === 1 && !negative ? 0 : Number.NaN;
  let n = 0;
  for (; pos < to; pos++) {
    const digit = bytes[pos] - 0x30;
    if (digit < 0 || digit > 9) return Number.NaN;
    n = n * 10 + digit;
  }
  if (n >= 2 ** 63 && !(negative && n === 2 ** 63)) return Number.NaN;
  return negative ? -n : n;
}
