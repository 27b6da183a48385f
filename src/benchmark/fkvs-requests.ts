import { encodeRequest } from '../protocol/fkvs/client-request-encoder.js';
import { Opcode, ReplyTag } from '../protocol/fkvs/constants.js';
import type { Operation } from './args.js';
import {
  counterKey,
  fixedKey,
  fixedValue,
  type KeySource,
  type OperationRequests,
} from './request-template.js';

/** A VALUE (tag 0x01) or PONG (tag 0x05) reply carrying payload: the shape of a one-field request. */
function payloadReply(tag: number, payload: string): Uint8Array {
  return encodeRequest(tag, [Buffer.from(payload, 'latin1')]);
}

const errorOrNilReply = Uint8Array.of(0, 1, ReplyTag.error);
/** Where the first field (the key) starts in a request frame: length (2), opcode, field length (2). */
const firstFieldOffset = 5;

const bytes = (text: string) => Buffer.from(text, 'latin1');

/** The FKVS frames of one request kind and the replies they must get (the original's, spec 6.2). */
export function fkvsRequests(operation: Operation, keys: KeySource | null): OperationRequests {
  const key = (fixed: string) => (keys === null ? bytes(fixed) : keys.template());
  const keyOffsets = keys === null ? [] : [firstFieldOffset];
  const setValue = (name: string, value: string) => ({
    frame: encodeRequest(Opcode.set, [bytes(name), bytes(value)]),
    keyOffsets: [],
    expected: payloadReply(ReplyTag.okOrValue, value),
  });
  switch (operation) {
    case 'ping':
      return {
        request: {
          frame: encodeRequest(Opcode.ping, [new Uint8Array(0)]),
          keyOffsets: [],
          expected: payloadReply(ReplyTag.pong, ''),
        },
        setup: [],
      };
    case 'set':
      return {
        request: {
          frame: encodeRequest(Opcode.set, [key(fixedKey), bytes(fixedValue)]),
          keyOffsets,
          expected: payloadReply(ReplyTag.okOrValue, fixedValue),
        },
        setup: [],
      };
    case 'get':
      // A fresh random key is missing: nil, which FKVS writes like an error (spec 1.3).
      return {
        request: {
          frame: encodeRequest(Opcode.get, [key(fixedKey)]),
          keyOffsets,
          expected: keys !== null ? errorOrNilReply : payloadReply(ReplyTag.okOrValue, fixedValue),
        },
        setup: keys === null ? [setValue(fixedKey, fixedValue)] : [],
      };
    case 'incr':
      return {
        request: {
          frame: encodeRequest(Opcode.incr, [key(counterKey)]),
          keyOffsets,
          expected: keys !== null ? payloadReply(ReplyTag.okOrValue, '1') : null,
        },
        setup: keys === null ? [setValue(counterKey, '0')] : [],
      };
    case 'mset':
      throw new Error('FKVS has no MSET'); // args.ts refuses -t mset without --resp
  }
}
