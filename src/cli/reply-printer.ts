import { decodeReply, ReplyKind } from '../protocol/fkvs/client-reply-decoder.js';

const quote = Buffer.from('"');
const quoteSpaceNewline = Buffer.from('" \n');
const newline = Buffer.from('\n');

/**
 * What the original CLI prints for a reply frame (spec 5.4), as bytes: payloads are written raw,
 * so binary values come out as stored (the original stops at the first NUL byte). Null for a
 * malformed frame, which the original silently skips and we report.
 */
export function formatReply(frame: Uint8Array): Buffer | null {
  const { kind, payload } = decodeReply(frame);
  switch (kind) {
    case ReplyKind.error:
      return Buffer.from('(nil) \n');
    case ReplyKind.ok:
      return Buffer.from('OK\n');
    case ReplyKind.value:
      return payload.length === 0 ? Buffer.from('OK\n') : Buffer.concat([quote, payload, quoteSpaceNewline]);
    case ReplyKind.pong:
      return payload.length === 0
        ? Buffer.from('PONG\n')
        : Buffer.concat([quote, payload, quoteSpaceNewline]);
    case ReplyKind.info:
      return Buffer.concat([payload, newline]);
    case ReplyKind.keys:
      return payload.length === 0 ? Buffer.from('(empty list)\n') : Buffer.concat([payload, newline]);
    default:
      return null;
  }
}
