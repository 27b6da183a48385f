/**
 * Replies in Redis's data model (the types of RESP3), for commands with Redis's semantics. A wire
 * codec encodes each its own way: RESP2 folds maps and sets into arrays, doubles into bulk
 * strings, booleans into integers, nil and nilArray into $-1 and *-1. A command writes exactly one
 * value (an aggregate counts as one, with its elements after it).
 */
export interface ValueWriter {
  /** A status reply (+OK, +PONG, +QUEUED): text without CR or LF. */
  status(text: string): void;
  /** An error reply: the whole text with its code, as Redis words it ('ERR syntax error'). */
  error(text: string): void;
  /** An integer within ±2^53. */
  integer(n: number): void;
  /** An int64 beyond ±2^53. */
  bigInteger(n: bigint): void;
  /** Copies the bytes before it returns: a command may then overwrite or free where they were. */
  bulk(bytes: Uint8Array, offset: number, length: number): void;
  /**
   * A bulk string of a value where the store keeps it: a long one may be sent by reference, as
   * the store never writes an out-of-line value's array again (it only drops it).
   */
  storedValue(bytes: Uint8Array, offset: number, length: number): void;
  bulkText(text: string): void;
  /** No value: RESP2 $-1, RESP3 _. */
  nil(): void;
  /** No array (EXEC aborted by WATCH): RESP2 *-1, RESP3 _. */
  nilArray(): void;
  /** An array header; `count` values follow. */
  array(count: number): void;
  /** A map header; `pairs` key, value pairs follow (RESP2: an array of 2 * pairs). */
  map(pairs: number): void;
  /** A set header; `count` values follow (RESP2: an array). */
  set(count: number): void;
  /** RESP3 double; RESP2 a bulk string of Redis's formatting of it. */
  double(x: number): void;
  /** RESP3 boolean; RESP2 the integer 1 or 0. */
  boolean(b: boolean): void;
  /** RESP3 verbatim string (INFO, CLIENT INFO); RESP2 a bulk string of `text`. */
  verbatim(format: 'txt' | 'mkd', text: string): void;
}
