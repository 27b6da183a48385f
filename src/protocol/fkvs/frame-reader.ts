import { SessionStatus } from '../../io/session.js';
import { framePrefixBytes, maxCoreLengthBytes } from '../../limits.js';

/** What a FrameSink returns for a frame, and feed() for a chunk: the SessionStatus it asks for. */
export const FeedResult = {
  ok: SessionStatus.ok,
  /** core_len 65535: close the connection without a reply to it, after the earlier ones (spec 2.1). */
  closeFrameTooLarge: SessionStatus.closeAfterReplies,
  /** Pending output passed its limit: close the connection (spec 2.3). */
  closeOutputLimit: SessionStatus.closeNow,
} as const;

export interface FrameSink {
  /** One complete frame: core_len at bytes[at, at + 2), core after it. Returns a FeedResult. */
  onFrame(bytes: Uint8Array, at: number, coreLength: number): number;
}

/** First carry buffer; it grows to the split frame's size (at most maxFrameBytes) and is kept. */
const initialCarryBytes = 256;

/**
 * Walks received bytes frame by frame, in place. Only a frame split across reads is copied, into
 * this connection's carry buffer, and completed from the next read. One per connection.
 */
export class FrameReader {
  private carry: Uint8Array | null = null;
  private carryLength = 0;

  get carriedBytes(): number {
    return this.carryLength;
  }

  reset(): void {
    this.carryLength = 0;
  }

  /** Hands every complete frame of bytes[offset, offset + length) to the sink; returns a FeedResult. */
  feed(bytes: Uint8Array, offset: number, length: number, sink: FrameSink): number {
    let pos = offset;
    const end = offset + length;
    if (this.carryLength > 0) {
      pos = this.completeCarried(bytes, pos, end);
      if (pos < 0) return FeedResult.closeFrameTooLarge;
      if (this.carryLength > 0) {
        const carry = this.carry!;
        const core = (carry[0] << 8) | carry[1];
        if (this.carryLength < framePrefixBytes || this.carryLength < framePrefixBytes + core)
          return FeedResult.ok;
        this.carryLength = 0;
        const result = sink.onFrame(carry, 0, core);
        if (result !== FeedResult.ok) return result;
      }
    }
    while (end - pos >= framePrefixBytes) {
      const core = (bytes[pos] << 8) | bytes[pos + 1];
      if (core > maxCoreLengthBytes) return FeedResult.closeFrameTooLarge;
      if (end - pos < framePrefixBytes + core) break;
      const result = sink.onFrame(bytes, pos, core);
      if (result !== FeedResult.ok) return result;
      pos += framePrefixBytes + core;
    }
    if (pos < end) this.append(bytes, pos, end);
    return FeedResult.ok;
  }

  /** Moves bytes into the carried frame until it is complete; returns the new position, or -1 for a frame too large. */
  private completeCarried(bytes: Uint8Array, pos: number, end: number): number {
    if (this.carryLength < framePrefixBytes) {
      const take = Math.min(framePrefixBytes - this.carryLength, end - pos);
      this.append(bytes, pos, pos + take);
      pos += take;
      if (this.carryLength < framePrefixBytes) return pos;
    }
    const carry = this.carry!;
    const core = (carry[0] << 8) | carry[1];
    if (core > maxCoreLengthBytes) return -1;
    const take = Math.min(framePrefixBytes + core - this.carryLength, end - pos);
    this.append(bytes, pos, pos + take);
    return pos + take;
  }

  private append(bytes: Uint8Array, from: number, to: number): void {
    const needed = this.carryLength + (to - from);
    let carry = this.carry;
    if (carry === null || carry.length < needed) {
      let size = carry === null ? initialCarryBytes : carry.length;
      while (size < needed) size *= 2;
      const grown = new Uint8Array(size);
      if (carry !== null) grown.set(carry.subarray(0, this.carryLength));
      this.carry = carry = grown;
    }
    carry.set(bytes.subarray(from, to), this.carryLength);
    this.carryLength = needed;
  }
}
