import { framePrefixBytes, maxCoreLengthBytes } from '../../limits.js';

/** Bytes of the u16 big-endian length before every request field. */
const fieldPrefixBytes = 2;

/** core_len of a request: the opcode, then every field with its u16 length (spec 1.2). */
export function requestCoreLength(fields: readonly Uint8Array[]): number {
  let core = 1;
  for (const field of fields) core += fieldPrefixBytes + field.length;
  return core;
}

/**
 * Client side (fkvs-cli, fkvs-benchmark): a request frame: u16 core_len, the opcode, then LP(field) for each field (spec 1.2). INFO and
 * KEYS have no fields; PING has one, even when empty. Throws a RangeError when the core would
 * pass maxCoreLengthBytes: callers check requestCoreLength first to report it in their own words.
 */
export function encodeRequest(opcode: number, fields: readonly Uint8Array[]): Uint8Array {
  const core = requestCoreLength(fields);
  if (core > maxCoreLengthBytes)
    throw new RangeError(`request core of ${core} bytes exceeds ${maxCoreLengthBytes}`);
  const frame = new Uint8Array(framePrefixBytes + core);
  frame[0] = core >>> 8;
  frame[1] = core & 0xff;
  frame[2] = opcode;
  let at = 3;
  for (const field of fields) {
    frame[at] = field.length >>> 8;
    frame[at + 1] = field.length & 0xff;
    frame.set(field, at + fieldPrefixBytes);
    at += fieldPrefixBytes + field.length;
  }
  return frame;
}
