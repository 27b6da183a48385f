import { maxInt64DecimalBytes } from '../limits.js';
import type { ReplyStream, RequestTemplate } from './request-template.js';

/** Largest integer VALUE reply: prefix, tag, inner length, an int64 in decimal. */
const maxIntegerReplyBytes = 2 + 1 + 2 + maxInt64DecimalBytes;

/**
 * Walks one connection's reply stream in place over the received bytes and checks each reply
 * against the one its request expects (the workload pattern, in order): a byte compare with the
 * pre-encoded reply, or an integer-VALUE check for INCR of a shared key. Only a reply split
 * across reads is copied, into a small carry; a split reply too long to be right is skipped.
 * A wrong reply still ends its request, so the stream stays aligned.
 */
export class ReplyChecker implements ReplyStream {
  /** Replies as expected. */
  ok = 0;
  /** Replies that differ from the expected one (error frames included). */
  wrong = 0;
  private position = 0;
  private readonly carry: Uint8Array;
  private carried = 0;
  /** Bytes still to pass of a split reply longer than the carry (already counted as wrong). */
  private skip = 0;

  constructor(private readonly pattern: RequestTemplate[]) {
    let longest = maxIntegerReplyBytes;
    for (const template of pattern) {
      if (template.expected !== null) longest = Math.max(longest, template.expected.length);
    }
    this.carry = new Uint8Array(longest);
  }

  /** Checks the bytes [offset, offset + length); returns how many replies they completed. */
  feed(bytes: Uint8Array, offset: number, length: number): number {
    let at = offset;
    const end = offset + length;
    let completed = 0;
    if (this.skip > 0) {
      const n = Math.min(this.skip, length);
      this.skip -= n;
      at += n;
      if (this.skip > 0) return 0;
      completed++;
    }
    if (this.carried > 0) {
      const carry = this.carry;
      while (this.carried < 2 && at < end) carry[this.carried++] = bytes[at++];
      if (this.carried < 2) return completed;
      const size = 2 + ((carry[0] << 8) | carry[1]);
      if (size > carry.length) {
        this.skipLongReply(size - this.carried);
        this.carried = 0;
        const n = Math.min(this.skip, end - at);
        this.skip -= n;
        at += n;
        if (this.skip > 0) return completed;
        completed++;
      } else {
        while (this.carried < size && at < end) carry[this.carried++] = bytes[at++];
        if (this.carried < size) return completed;
        this.check(carry, 0, size);
        this.carried = 0;
        completed++;
      }
    }
    while (end - at >= 2) {
      const size = 2 + ((bytes[at] << 8) | bytes[at + 1]);
      if (size > end - at) break;
      this.check(bytes, at, size);
      at += size;
      completed++;
    }
    if (at < end) {
      const left = end - at;
      if (left >= 2 && 2 + ((bytes[at] << 8) | bytes[at + 1]) > this.carry.length) {
        this.skipLongReply(2 + ((bytes[at] << 8) | bytes[at + 1]) - left);
      } else {
        for (let i = 0; i < left; i++) this.carry[i] = bytes[at + i];
        this.carried = left;
      }
    }
    return completed;
  }

  private skipLongReply(bytesLeft: number): void {
    this.wrong++;
    this.advance();
    this.skip = bytesLeft;
  }

  private check(bytes: Uint8Array, at: number, size: number): void {
    const expected = this.pattern[this.position].expected;
    let right: boolean;
    if (expected === null) {
      right = isIntegerValue(bytes, at, size);
    } else {
      right = expected.length === size;
      for (let i = 0; right && i < size; i++) right = bytes[at + i] === expected[i];
    }
    if (right) this.ok++;
    else this.wrong++;
    this.advance();
  }

  private advance(): void {
    this.position = this.position + 1 === this.pattern.length ? 0 : this.position + 1;
  }
}

/** A VALUE frame (tag 0x01) whose payload is a decimal integer, as INCR answers. */
function isIntegerValue(bytes: Uint8Array, at: number, size: number): boolean {
  if (size < 6 || bytes[at + 2] !== 0x01 || ((bytes[at + 3] << 8) | bytes[at + 4]) !== size - 5) return false;
  let i = at + 5;
  if (bytes[i] === 0x2d && size > 6) i++;
  for (; i < at + size; i++) {
    if (bytes[i] < 0x30 || bytes[i] > 0x39) return false;
  }
  return true;
}
