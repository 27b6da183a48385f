import { ReplyTag } from './constants.js';

/** The six reply shapes of spec 1.3, plus anything else a peer might send. */
export const ReplyKind = {
  /** `00 01 00`: every failure, a missing key included. */
  error: 0,
  /** `00 01 01`. */
  ok: 1,
  /** Tag 0x01 with a payload (possibly empty). */
  value: 2,
  pong: 3,
  info: 4,
  keys: 5,
  /** Unknown tag, core_len 2, or an inner length other than core_len - 3. */
  malformed: 6,
} as const;

export type ReplyKindValue = (typeof ReplyKind)[keyof typeof ReplyKind];

export interface DecodedReply {
  kind: ReplyKindValue;
  /** The payload bytes (a view into the frame); empty for error, ok and malformed. */
  payload: Uint8Array;
}

const payloadKindByTag = new Map<number, ReplyKindValue>([
  [ReplyTag.okOrValue, ReplyKind.value],
  [ReplyTag.pong, ReplyKind.pong],
  [ReplyTag.info, ReplyKind.info],
  [ReplyTag.keys, ReplyKind.keys],
]);

const empty = new Uint8Array(0);

/** Client side (fkvs-cli): decodes one whole reply frame (prefix included) by the client rules of spec 8.2. */
export function decodeReply(frame: Uint8Array): DecodedReply {
  const core = (frame[0] << 8) | frame[1];
  if (core !== frame.length - 2 || core === 0) return { kind: ReplyKind.malformed, payload: empty };
  const tag = frame[2];
  if (core === 1) {
    if (tag === ReplyTag.error) return { kind: ReplyKind.error, payload: empty };
    if (tag === ReplyTag.okOrValue) return { kind: ReplyKind.ok, payload: empty };
    return { kind: ReplyKind.malformed, payload: empty };
  }
  const kind = payloadKindByTag.get(tag);
  if (kind === undefined || core < 3 || ((frame[3] << 8) | frame[4]) !== core - 3) {
    return { kind: ReplyKind.malformed, payload: empty };
  }
  return { kind, payload: frame.subarray(5) };
}
