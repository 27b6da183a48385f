import type { OutputBuffer } from '../../io/output-buffer.js';
import type { ProtocolSession, SessionFactory } from '../../io/session.js';
import { maxPendingOutputBytes } from '../../limits.js';
import type { Dispatcher } from './dispatcher.js';
import { FeedResult, FrameReader } from './frame-reader.js';

/** One FKVS connection: its frame carried across reads, run by the server's one Dispatcher. */
class FkvsSession implements ProtocolSession {
  private readonly reader = new FrameReader();

  constructor(
    private readonly id: number,
    private readonly dispatcher: Dispatcher,
    private readonly log: (message: string) => void,
  ) {}

  feed(bytes: Uint8Array, offset: number, length: number, out: OutputBuffer, nowMs: number): number {
    // A FeedResult is the SessionStatus it asks for (frame-reader.ts).
    const result = this.dispatcher.feed(this.reader, bytes, offset, length, out, nowMs);
    if (result === FeedResult.closeFrameTooLarge) {
      this.log(`client ${this.id}: frame too large (core_len 65535), closing`);
    } else if (result === FeedResult.closeOutputLimit) {
      this.log(`client ${this.id}: pending output over ${out.maxPendingBytes} bytes, closing`);
    }
    return result;
  }

  closed(): void {
    this.reader.reset();
  }
}

/** The FKVS protocol on a listener: a session per connection, all run by one Dispatcher. */
export class FkvsSessionFactory implements SessionFactory {
  /** The original's output limit (spec 2.3). */
  readonly maxPendingOutputBytes = maxPendingOutputBytes;

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly log: (message: string) => void,
  ) {}

  open(connectionId: number): ProtocolSession {
    return new FkvsSession(connectionId, this.dispatcher, this.log);
  }
}
