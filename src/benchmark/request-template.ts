/** What the workloads of both wires are made of. */

/** The original's fixed key and value of the set workload (spec 6.2). */
export const fixedKey = 'hello';
export const fixedValue = 'world';
/** Key of the incr workload: its own, so the value under `hello` stays a string. */
export const counterKey = 'counter';

/** One request of the repeating pattern and the reply it must get. */
export interface RequestTemplate {
  frame: Uint8Array;
  /** Where each key starts in the frame when every request gets fresh random keys (-r); else empty. */
  keyOffsets: readonly number[];
  /** The exact reply, or null when any integer reply is right (INCR of a shared key). */
  expected: Uint8Array | null;
}

/** Checks one connection's replies against the requests it sent, in order. */
export interface ReplyStream {
  /** Replies as expected. */
  ok: number;
  /** Replies that differ from the expected one (error replies included). */
  wrong: number;
  /** Checks the bytes [offset, offset + length); returns how many replies they completed. */
  feed(bytes: Uint8Array, offset: number, length: number): number;
}

/** Random keys of a -r run: a key to place in a template (its counter half written per request). */
export interface KeySource {
  template(): Uint8Array;
}

/** A request kind on one wire: its request, and what must be stored before the timing starts. */
export interface OperationRequests {
  request: RequestTemplate;
  setup: RequestTemplate[];
}
