import type { OutputBuffer } from './output-buffer.js';

/**
 * The seam between the transport and a wire protocol. The transport knows bytes and connection
 * ids only; each listener is given a SessionFactory, whose session per connection finds that
 * wire's requests in the bytes, runs them and appends the replies. A new wire protocol is a
 * folder src/protocol/<name>/ with a factory, and one line in server/main.ts.
 */

/** What a session's feed() asks of the transport. */
export const SessionStatus = {
  ok: 0,
  /** Send the replies appended so far, then close (a request the wire cannot accept). */
  closeAfterReplies: 1,
  /** Close at once, dropping unsent replies (the output limit was hit). */
  closeNow: 2,
} as const;

export interface ProtocolSession {
  /**
   * Bytes received (a view valid only during the call): run every complete request, append
   * replies to out, keep a partial one. Returns a SessionStatus.
   */
  feed(bytes: Uint8Array, offset: number, length: number, out: OutputBuffer, nowMs: number): number;
  /** The connection is gone (closed by either side): release what the session holds. */
  closed(): void;
}

/** Makes the session of each new connection accepted on one listener. */
export interface SessionFactory {
  open(connectionId: number): ProtocolSession;
  /**
   * Unsent reply bytes one connection of this listener may hold in its OutputBuffer between two
   * sends (reserve() fails past it); the transport's default (limits.maxPendingOutputBytes) when
   * absent. A wire whose single replies can be larger needs more.
   */
  readonly maxPendingOutputBytes?: number;
}
