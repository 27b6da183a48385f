import type { ReplyStream, RequestTemplate } from './request-template.js';

/** Where the reader is inside the current reply. */
const State = {
  /** At the type byte of the next reply. */
  type: 0,
  /** In a simple string, error or integer: up to its LF. */
  line: 1,
  /** In a bulk string's length, up to its LF. */
  bulkLength: 2,
  /** In a bulk string's data and its CRLF: `left` bytes to go. */
  bulkData: 3,
} as const;

/** A bulk length is read up to this many digits; a longer one is wrong anyway (the replies are short). */
const maxBulkLengthDigits = 15;

/**
 * Walks one connection's RESP2 reply stream over the received bytes and checks each reply against
 * the one its request expects (the workload pattern, in order): a byte compare with the
 * pre-encoded reply, or an integer-reply check for INCR of a shared key. A reply that arrives
 * whole is compared in place; one split across reads goes through a byte-at-a-time state machine
 * that keeps only counters, so nothing is copied or allocated. The replies of the workloads are
 * simple strings, integers, errors and bulk strings (nil included); arrays are not expected.
 * A wrong reply still ends its request, so the stream stays aligned.
 */
export class RespReplyChecker implements ReplyStream {
  ok = 0;
  wrong = 0;
  private position = 0;
  private state: number = State.type;
  /** Bytes of the current reply seen so far. */
  private seen = 0;
  /** The current reply differs from the expected one. */
  private differs = false;
  private bulkLength = 0;
  private bulkDigits = 0;
  private left = 0;

  constructor(private readonly pattern: RequestTemplate[]) {}

  feed(bytes: Uint8Array, offset: number, length: number): number {
    let at = offset;
    const end = offset + length;
    let completed = 0;
    while (at < end) {
      if (this.state === State.type) {
        const expected = this.pattern[this.position].expected;
        if (expected !== null && end - at >= expected.length && sameBytes(bytes, at, expected)) {
          at += expected.length;
          this.ok++;
          this.advance();
          completed++;
          continue;
        }
      }
      const next = this.step(bytes, at, end);
      if (next < 0) {
        at = -next;
        completed++;
      } else {
        at = next;
      }
    }
    return completed;
  }

  /**
   * Reads the current reply from `at` on; returns the position after its end negated (it ended), or
   * `end` (it goes on in the next read).
   */
  private step(bytes: Uint8Array, at: number, end: number): number {
    const expected = this.pattern[this.position].expected;
    for (; at < end; at++) {
      const byte = bytes[at];
      if (expected === null) {
        // An integer reply: ':', an optional '-', digits, CRLF.
        const right =
          this.seen === 0
            ? byte === 0x3a
            : byte === 0x0d ||
              byte === 0x0a ||
              (byte >= 0x30 && byte <= 0x39) ||
              (byte === 0x2d && this.seen === 1);
        if (!right) this.differs = true;
      } else if (this.seen >= expected.length || expected[this.seen] !== byte) {
        this.differs = true;
      }
      this.seen++;
      switch (this.state) {
        case State.type:
          this.state = byte === 0x24 ? State.bulkLength : State.line;
          this.bulkLength = 0;
          this.bulkDigits = 0;
          break;
        case State.line:
          if (byte === 0x0a) return -this.complete(at + 1);
          break;
        case State.bulkLength:
          if (byte === 0x0a) {
            // $-1: nil, no data follows.
            if (this.bulkLength < 0) return -this.complete(at + 1);
            this.left = this.bulkLength + 2;
            this.state = State.bulkData;
          } else if (byte === 0x2d && this.bulkDigits === 0) {
            this.bulkLength = -1;
          } else if (byte >= 0x30 && byte <= 0x39 && this.bulkLength >= 0) {
            if (++this.bulkDigits > maxBulkLengthDigits) this.differs = true;
            else this.bulkLength = this.bulkLength * 10 + (byte - 0x30);
          }
          break;
        case State.bulkData:
          if (--this.left === 0) return -this.complete(at + 1);
          break;
      }
    }
    return end;
  }

  private complete(next: number): number {
    const expected = this.pattern[this.position].expected;
    if (this.differs || (expected !== null && this.seen !== expected.length)) this.wrong++;
    else this.ok++;
    this.state = State.type;
    this.seen = 0;
    this.differs = false;
    this.advance();
    return next;
  }

  private advance(): void {
    this.position = this.position + 1 === this.pattern.length ? 0 : this.position + 1;
  }
}

function sameBytes(bytes: Uint8Array, at: number, expected: Uint8Array): boolean {
  for (let i = 0; i < expected.length; i++) if (bytes[at + i] !== expected[i]) return false;
  return true;
}
