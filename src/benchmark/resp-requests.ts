import type { Operation } from './args.js';
import {
  counterKey,
  fixedKey,
  fixedValue,
  type KeySource,
  type OperationRequests,
} from './request-template.js';

/** Keys of one MSET request: redis-benchmark's count. */
export const msetKeys = 10;

const bytes = (text: string) => Buffer.from(text, 'latin1');

/** A RESP2 multibulk request and where each of its arguments' bytes start in it. */
export function encodeRespRequest(args: readonly Uint8Array[]): { frame: Uint8Array; offsets: number[] } {
  const parts: Uint8Array[] = [bytes(`*${args.length}\r\n`)];
  const offsets: number[] = [];
  let size = parts[0].length;
  for (const arg of args) {
    const header = bytes(`$${arg.length}\r\n`);
    parts.push(header, arg, bytes('\r\n'));
    offsets.push(size + header.length);
    size += header.length + arg.length + 2;
  }
  return { frame: Buffer.concat(parts), offsets };
}

const ok = bytes('+OK\r\n');

/**
 * The RESP requests of one request kind and the replies Redis 7 gives them. The keys are the FKVS
 * workload's (`hello`, `counter`, or a fresh 32-hex-char key per request with -r); MSET sets ten
 * keys to `world` in one request, as redis-benchmark's MSET does.
 */
export function respRequests(operation: Operation, keys: KeySource | null): OperationRequests {
  const key = (fixed: string) => (keys === null ? bytes(fixed) : keys.template());
  const request = (args: Uint8Array[], keyArgs: number[], expected: Uint8Array | null) => {
    const { frame, offsets } = encodeRespRequest(args);
    return { frame, keyOffsets: keys === null ? [] : keyArgs.map((i) => offsets[i]), expected };
  };
  const setValue = (name: string, value: string) => request(['SET', name, value].map(bytes), [], ok);
  switch (operation) {
    case 'ping':
      return { request: request([bytes('PING')], [], bytes('+PONG\r\n')), setup: [] };
    case 'set':
      return { request: request([bytes('SET'), key(fixedKey), bytes(fixedValue)], [1], ok), setup: [] };
    case 'get':
      return {
        request: request(
          [bytes('GET'), key(fixedKey)],
          [1],
          bytes(keys !== null ? '$-1\r\n' : `$${fixedValue.length}\r\n${fixedValue}\r\n`),
        ),
        setup: keys === null ? [setValue(fixedKey, fixedValue)] : [],
      };
    case 'incr':
      return {
        request: request([bytes('INCR'), key(counterKey)], [1], keys !== null ? bytes(':1\r\n') : null),
        setup: keys === null ? [setValue(counterKey, '0')] : [],
      };
    case 'mset': {
      const args: Uint8Array[] = [bytes('MSET')];
      const keyArgs: number[] = [];
      for (let i = 0; i < msetKeys; i++) {
        keyArgs.push(args.length);
        args.push(key(fixedKey), bytes(fixedValue));
      }
      return { request: request(args, keyArgs, ok), setup: [] };
    }
  }
}
