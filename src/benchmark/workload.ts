import { randomBytes } from 'node:crypto';
import { encodeRequest } from '../protocol/fkvs/client-request-encoder.js';
import { Opcode, ReplyTag } from '../protocol/fkvs/constants.js';
import type { MixEntry, Operation } from './args.js';
import { RandomKeys, randomKeyBytes } from './random-keys.js';

/** The original's fixed key and value of the set workload (spec 6.2). */
const fixedKey = 'hello';
const fixedValue = 'world';
/** Key of the incr workload: its own, so the value under `hello` stays a string. */
const counterKey = 'counter';

/** One request of the repeating pattern and the reply it must get. */
export interface RequestTemplate {
  frame: Uint8Array;
  /** Where the key starts in the frame when every request gets a fresh random key, else -1. */
  keyOffset: number;
  /** The exact reply, or null when any integer VALUE is right (INCR of a shared key). */
  expected: Uint8Array | null;
}

/** A VALUE (tag 0x01) or PONG (tag 0x05) reply carrying payload: the shape of a one-field request. */
function payloadReply(tag: number, payload: string): Uint8Array {
  return encodeRequest(tag, [Buffer.from(payload, 'latin1')]);
}

const errorOrNilReply = Uint8Array.of(0, 1, ReplyTag.error);

/** The request kinds of a run: a repeating pattern, the setup it needs, and per-connection keys. */
export class Workload {
  readonly pattern: RequestTemplate[] = [];
  /** Requests sent once before the timing starts, so the workload's replies are predictable. */
  readonly setup: RequestTemplate[] = [];
  /** Null unless every request gets a fresh key (-r). */
  readonly keys: RandomKeys | null;

  constructor(mix: MixEntry[], randomKeys: boolean) {
    this.keys = randomKeys ? new RandomKeys(randomBytes(16)) : null;
    const templates = new Map<Operation, RequestTemplate>();
    for (const { operation, weight } of mix) {
      let template = templates.get(operation);
      if (template === undefined) {
        template = this.template(operation, randomKeys);
        templates.set(operation, template);
      }
      for (let i = 0; i < weight; i++) this.pattern.push(template);
    }
  }

  private template(operation: Operation, randomKeys: boolean): RequestTemplate {
    const bytes = (text: string) => Buffer.from(text, 'latin1');
    // A random key's first 16 hex chars (the run's prefix) are written here once; the counter half
    // is written per request into the batch buffer.
    const key = (fixed: string) => (randomKeys ? randomKeyBytes(this.keys!) : bytes(fixed));
    const keyOffset = randomKeys ? 5 : -1;
    switch (operation) {
      case 'ping':
        return {
          frame: encodeRequest(Opcode.ping, [new Uint8Array(0)]),
          keyOffset: -1,
          expected: payloadReply(ReplyTag.pong, ''),
        };
      case 'set':
        return {
          frame: encodeRequest(Opcode.set, [key(fixedKey), bytes(fixedValue)]),
          keyOffset,
          expected: payloadReply(ReplyTag.okOrValue, fixedValue),
        };
      case 'get':
        if (!randomKeys) {
          this.setup.push({
            frame: encodeRequest(Opcode.set, [bytes(fixedKey), bytes(fixedValue)]),
            keyOffset: -1,
            expected: payloadReply(ReplyTag.okOrValue, fixedValue),
          });
        }
        // A fresh random key is missing: nil, which FKVS writes like an error (spec 1.3).
        return {
          frame: encodeRequest(Opcode.get, [key(fixedKey)]),
          keyOffset,
          expected: randomKeys ? errorOrNilReply : payloadReply(ReplyTag.okOrValue, fixedValue),
        };
      case 'incr':
        if (!randomKeys) {
          this.setup.push({
            frame: encodeRequest(Opcode.set, [bytes(counterKey), bytes('0')]),
            keyOffset: -1,
            expected: payloadReply(ReplyTag.okOrValue, '0'),
          });
        }
        return {
          frame: encodeRequest(Opcode.incr, [key(counterKey)]),
          keyOffset,
          expected: randomKeys ? payloadReply(ReplyTag.okOrValue, '1') : null,
        };
    }
  }
}
