import type { OutputBuffer } from '../protocol/output-buffer.js';

/** What a session's feed() asks of the transport. */
export const SessionStatus = { ok: 0, closeAfterReplies: 1, closeNow: 2 } as const;

/** The wire protocol of one connection: fed its received bytes, it appends replies to `out`. */
export interface ProtocolSession {
  feed(bytes: Uint8Array, offset: number, length: number, out: OutputBuffer, nowMs: number): number; // SessionStatus
  closed(): void;
}

/** Makes the session of each connection a listener accepts. */
export interface SessionFactory {
  open(connectionId: number): ProtocolSession;
}
