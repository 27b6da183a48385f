import { copyBytes } from '../../bytes.js';
import type { Int64 } from '../../commands/int64.js';
import type { LiveKeys, Reply } from '../../commands/reply.js';
import { formatSafeInteger, safeIntegerLength } from '../../decimal.js';
import type { OutputBuffer } from '../../io/output-buffer.js';
import { maxInfoTextBytes, maxKeysListingBytes, minPinnedValueBytes } from '../../limits.js';
import { ReplyTag } from './constants.js';

/** The reply frame of a payload: u16 core_len, tag, u16 payload length. */
const payloadHeaderBytes = 5;
/** Largest payload a reply frame carries: its u16 core_len counts the tag and the payload's u16 length too. */
const maxPayloadBytes = 0xffff - 3;
const newline = 0x0a;

/**
 * Encodes command outcomes as FKVS reply frames (spec 1.3), straight into a connection's
 * OutputBuffer. Every failure is the one ERROR frame; DEL, EXPIRE and PERSIST answer OK.
 */
export class FkvsReplyWriter implements Reply {
  /** The connection being answered; set by the dispatcher for each batch. */
  out!: OutputBuffer;

  failed(_failure: number): boolean {
    return this.short(ReplyTag.error);
  }

  stored(bytes: Uint8Array, offset: number, length: number): boolean {
    return this.payload(ReplyTag.okOrValue, bytes, offset, length);
  }

  /** A value stored by another front (Redis) may be too large for a frame: ERROR, as for a missing key. */
  value(bytes: Uint8Array, offset: number, length: number): boolean {
    if (length > maxPayloadBytes) return this.short(ReplyTag.error);
    if (length < minPinnedValueBytes) return this.payload(ReplyTag.okOrValue, bytes, offset, length);
    const p = this.out.reserve(payloadHeaderBytes);
    if (p < 0) return false;
    writeHeader(this.out.bytes, p, ReplyTag.okOrValue, length);
    return this.out.pin(bytes, offset, length);
  }

  nil(): boolean {
    return this.short(ReplyTag.error);
  }

  integer(n: Int64): boolean {
    const length = n.formattedLength();
    const p = this.header(ReplyTag.okOrValue, length);
    if (p < 0) return false;
    n.format(this.out.bytes, p + payloadHeaderBytes);
    return true;
  }

  ttl(seconds: number): boolean {
    const p = this.header(ReplyTag.okOrValue, safeIntegerLength(seconds));
    if (p < 0) return false;
    formatSafeInteger(seconds, this.out.bytes, p + payloadHeaderBytes);
    return true;
  }

  deleted(_count: number): boolean {
    return this.short(ReplyTag.okOrValue);
  }

  expireSet(): boolean {
    return this.short(ReplyTag.okOrValue);
  }

  persisted(_hadDeadline: boolean): boolean {
    return this.short(ReplyTag.okOrValue);
  }

  pong(bytes: Uint8Array, offset: number, length: number): boolean {
    return this.payload(ReplyTag.pong, bytes, offset, length);
  }

  info(text: string): boolean {
    const length = Buffer.byteLength(text);
    if (length > maxInfoTextBytes) return this.short(ReplyTag.error);
    const p = this.header(ReplyTag.info, length);
    if (p < 0) return false;
    Buffer.from(this.out.bytes.buffer, this.out.bytes.byteOffset).write(text, p + payloadHeaderBytes);
    return true;
  }

  /** "1) key" lines joined by newlines; ERROR when they pass maxKeysListingBytes, counting a newline after each (spec 3.11). */
  keys(store: LiveKeys): boolean {
    const out = this.out;
    const reserved = payloadHeaderBytes + maxKeysListingBytes;
    const p = out.reserve(reserved);
    if (p < 0) return false;
    const bytes = out.bytes;
    let at = p + payloadHeaderBytes;
    const limit = at + maxKeysListingBytes;
    let line = 0;
    let tooLong = false;
    store.forEachKey((key, offset, length) => {
      line++;
      const lineBytes = safeIntegerLength(line) + 2 + length;
      if (at + lineBytes + 1 > limit) {
        tooLong = true;
        return false;
      }
      at += formatSafeInteger(line, bytes, at);
      bytes[at++] = 0x29; // ')'
      bytes[at++] = 0x20;
      bytes.set(key.subarray(offset, offset + length), at);
      at += length;
      bytes[at++] = newline;
      return true;
    });
    if (tooLong) {
      out.release(reserved);
      return this.short(ReplyTag.error);
    }
    const body = line === 0 ? 0 : at - (p + payloadHeaderBytes) - 1; // no newline after the last line
    writeHeader(bytes, p, ReplyTag.keys, body);
    out.release(reserved - payloadHeaderBytes - body);
    return true;
  }

  private short(tag: number): boolean {
    const p = this.out.reserve(3);
    if (p < 0) return false;
    const bytes = this.out.bytes;
    bytes[p] = 0;
    bytes[p + 1] = 1;
    bytes[p + 2] = tag;
    return true;
  }

  /** Not through header(): one level less for V8 to inline on the path of SET, GET and PING. */
  private payload(tag: number, from: Uint8Array, offset: number, length: number): boolean {
    const out = this.out;
    const p = out.reserve(payloadHeaderBytes + length);
    if (p < 0) return false;
    const bytes = out.bytes;
    writeHeader(bytes, p, tag, length);
    copyBytes(from, offset, bytes, p + payloadHeaderBytes, length);
    return true;
  }

  /** Reserves a payload frame and writes its header; returns its offset, or -1 at the output limit. */
  private header(tag: number, length: number): number {
    const p = this.out.reserve(payloadHeaderBytes + length);
    if (p >= 0) writeHeader(this.out.bytes, p, tag, length);
    return p;
  }
}

function writeHeader(bytes: Uint8Array, p: number, tag: number, length: number): void {
  const core = 3 + length;
  bytes[p] = core >>> 8;
  bytes[p + 1] = core & 0xff;
  bytes[p + 2] = tag;
  bytes[p + 3] = length >>> 8;
  bytes[p + 4] = length & 0xff;
}
