import { unknownKeyHash } from './key-prefetch.js';

/** Arguments a command can take at most (SET key value seconds). */
export const maxArguments = 3;

/**
 * One decoded request: its arguments as byte ranges of `bytes` (the receive buffer or a frame
 * carried across reads). Reused for every request of a connection batch: nothing per request.
 */
export class Request {
  bytes: Uint8Array = new Uint8Array(0);
  readonly offsets = new Int32Array(maxArguments);
  readonly lengths = new Int32Array(maxArguments);
  count = 0;
  /** The store's hash of the first argument (the key), when known ahead (KeyPrefetch). */
  keyHash = unknownKeyHash;

  reset(bytes: Uint8Array, keyHash: number): void {
    this.bytes = bytes;
    this.count = 0;
    this.keyHash = keyHash;
  }

  /** Sets the first two arguments at once (after reset): one call for the common case of a decoder. */
  setTwo(firstOffset: number, firstLength: number, secondOffset: number, secondLength: number): void {
    this.offsets[0] = firstOffset;
    this.lengths[0] = firstLength;
    this.offsets[1] = secondOffset;
    this.lengths[1] = secondLength;
    this.count = 2;
  }

  push(offset: number, length: number): void {
    this.offsets[this.count] = offset;
    this.lengths[this.count] = length;
    this.count++;
  }
}
