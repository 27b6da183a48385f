import type { KeyValueStore } from '../store/store-api.js';
import type { Int64 } from './int64.js';

/** What a codec needs of the store to list keys (KEYS): their walk, nothing else. */
export type LiveKeys = Pick<KeyValueStore, 'forEachKey'>;

/** Why a command failed. The FKVS protocol sends one ERROR frame for all; other codecs may not. */
export const Failure = {
  /** A malformed request (bad lengths, bad seconds, empty INCR key). */
  syntax: 0,
  /** The key holds a value that is not an int64, or a delta is not one. */
  notInteger: 1,
  overflow: 2,
  noSuchKey: 3,
  /** maxmemory or max keys reached: the store refused the write. */
  outOfMemory: 4,
  /** The append-only log cannot be written, or a snapshot failed (MISCONF): writes are turned away. */
  persistence: 5,
} as const;

/**
 * The outcomes of commands, as a wire codec encodes them. Command handlers report outcomes, never
 * bytes, so that a second protocol can encode the same semantics its own way. Every method
 * returns false when the connection's output limit was hit (the caller closes the connection).
 */
export interface Reply {
  failed(failure: number): boolean;
  /** SET done; FKVS echoes the stored value. */
  stored(bytes: Uint8Array, offset: number, length: number): boolean;
  /**
   * GET found the key: its value, where the store keeps it. A long one may be sent by reference
   * (the store never writes an out-of-line value's array again; it only drops it).
   */
  value(bytes: Uint8Array, offset: number, length: number): boolean;
  /** GET found no live key. */
  nil(): boolean;
  /** An integer result (INCR family). */
  integer(n: Int64): boolean;
  /** TTL: seconds left, -1 for no deadline, -2 for no key. */
  ttl(seconds: number): boolean;
  /** DEL done (count: keys removed). */
  deleted(count: number): boolean;
  /** EXPIRE done on an existing key. */
  expireSet(): boolean;
  /** PERSIST done (hadDeadline: a deadline was removed). */
  persisted(hadDeadline: boolean): boolean;
  pong(bytes: Uint8Array, offset: number, length: number): boolean;
  info(text: string): boolean;
  /** KEYS: the codec walks the live keys itself. */
  keys(store: LiveKeys): boolean;
}
