import type { Request } from '../../commands/request.js';
import { Opcode } from './constants.js';

/**
 * Where a request's arguments sit in its frame, by opcode (spec 1.2), so decoding is one table
 * lookup: every key-taking command checks its lengths against core_len in the original's order.
 */
const Layout = {
  none: 0,
  /** LP(key): GET INCR DECR DEL TTL PERSIST. */
  key: 1,
  /** LP(key) LP(arg): INCRBY DECRBY EXPIRE. */
  keyArgument: 2,
  /** LP(key) LP(value) [LP(seconds)]. */
  set: 3,
  /** LP(payload). */
  ping: 4,
  /** Nothing may follow the opcode. */
  keys: 5,
} as const;

const layoutByOpcode = new Uint8Array(256);
layoutByOpcode[Opcode.set] = Layout.set;
layoutByOpcode[Opcode.get] = Layout.key;
layoutByOpcode[Opcode.incr] = Layout.key;
layoutByOpcode[Opcode.decr] = Layout.key;
layoutByOpcode[Opcode.del] = Layout.key;
layoutByOpcode[Opcode.ttl] = Layout.key;
layoutByOpcode[Opcode.persist] = Layout.key;
layoutByOpcode[Opcode.incrBy] = Layout.keyArgument;
layoutByOpcode[Opcode.decrBy] = Layout.keyArgument;
layoutByOpcode[Opcode.expire] = Layout.keyArgument;
layoutByOpcode[Opcode.ping] = Layout.ping;
layoutByOpcode[Opcode.info] = Layout.none;
layoutByOpcode[Opcode.keys] = Layout.keys;

function u16(bytes: Uint8Array, at: number): number {
  return (bytes[at] << 8) | bytes[at + 1];
}

/**
 * Where the key of the complete frame at bytes[at] (core_len L) starts, or -1 when its opcode
 * takes no key or the key does not fit the frame; the key's length is the u16 before it. Decoding
 * checks the frame fully later: this only has to be right for well-formed frames, and in bounds.
 */
export function fkvsKeyOffset(bytes: Uint8Array, at: number, L: number): number {
  if (L < 3) return -1;
  const layout = layoutByOpcode[bytes[at + 2]];
  if (layout !== Layout.key && layout !== Layout.keyArgument && layout !== Layout.set) return -1;
  if (3 + u16(bytes, at + 3) > L) return -1;
  return at + 5;
}

type Decoder = (bytes: Uint8Array, c: number, L: number, r: Request) => boolean;

/**
 * The decoder of each opcode's layout, and for INCR its own (it refuses the empty key). A table
 * rather than a branch per layout, so that V8 inlines into the frame loop only the decoders a
 * workload sends, not the code of all of them.
 */
const decoders: Decoder[] = new Array(256).fill(decodeNone);
for (let opcode = 0; opcode < 256; opcode++) {
  const layout = layoutByOpcode[opcode];
  if (layout === Layout.set) decoders[opcode] = decodeSet;
  else if (layout === Layout.key) decoders[opcode] = opcode === Opcode.incr ? decodeIncrKey : decodeKey;
  else if (layout === Layout.keyArgument) decoders[opcode] = decodeKeyArgument;
  else if (layout === Layout.ping)
    decoders[opcode] = decodeKey; // the payload is laid out as a key is
  else if (layout === Layout.keys) decoders[opcode] = decodeKeys;
}

/**
 * Decodes the arguments of the frame at bytes[at] (core_len L, core from at + 2) into r. False
 * for a malformed frame, which gets the ERROR reply. Where the C server reads a key past the end
 * of the frame (spec 7 row 2) this refuses instead; trailing bytes after the last field are
 * ignored, as by the original.
 */
export function decodeFkvsRequest(
  opcode: number,
  bytes: Uint8Array,
  at: number,
  L: number,
  r: Request,
): boolean {
  return decoders[opcode](bytes, at + 2, L, r);
}

function decodeNone(): boolean {
  return true;
}

/** Nothing may follow the opcode. */
function decodeKeys(_bytes: Uint8Array, _c: number, L: number): boolean {
  return L === 1;
}

/** LP(key) at core c + 1 of a frame of core_len L: pushes the key; false when it does not fit. */
function decodeKey(bytes: Uint8Array, c: number, L: number, r: Request): boolean {
  if (L < 3) return false;
  const k = u16(bytes, c + 1);
  if (3 + k > L) return false;
  r.push(c + 3, k);
  return true;
}

function decodeIncrKey(bytes: Uint8Array, c: number, L: number, r: Request): boolean {
  return decodeKey(bytes, c, L, r) && r.lengths[0] !== 0; // INCR alone refuses the empty key (spec 3.3)
}

/** LP(key) LP(arg) from core c; returns the length of the two fields (5 + k + v), or -1 when they do not fit. */
function decodeTwoFields(bytes: Uint8Array, c: number, L: number, r: Request): number {
  if (L < 3) return -1;
  const k = u16(bytes, c + 1);
  if (5 + k > L) return -1;
  const v = u16(bytes, c + 3 + k);
  if (5 + k + v > L) return -1;
  r.setTwo(c + 3, k, c + 5 + k, v);
  return 5 + k + v;
}

function decodeKeyArgument(bytes: Uint8Array, c: number, L: number, r: Request): boolean {
  return decodeTwoFields(bytes, c, L, r) >= 0;
}

function decodeSet(bytes: Uint8Array, c: number, L: number, r: Request): boolean {
  const used = decodeTwoFields(bytes, c, L, r);
  if (used === L) return true;
  if (used < 0) return false;
  // More bytes after the value: an EX seconds field must follow (spec 3.1).
  if (L - used < 2) return false;
  const s = u16(bytes, c + used);
  if (used + 2 + s > L) return false;
  r.push(c + used + 2, s);
  return true;
}
