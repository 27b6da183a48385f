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
  const c = at + 2; // core: the opcode, then the fields
  const layout = layoutByOpcode[opcode];
  if (layout === Layout.none) return true;
  if (layout === Layout.keys) return L === 1;
  if (L < 3) return false;
  const k = u16(bytes, c + 1);
  if (layout === Layout.ping) {
    if (3 + k > L) return false;
    r.push(c + 3, k);
    return true;
  }
  if (layout === Layout.key) {
    if (3 + k > L) return false;
    if (opcode === Opcode.incr && k === 0) return false; // INCR alone refuses the empty key (spec 3.3)
    r.push(c + 3, k);
    return true;
  }
  if (5 + k > L) return false;
  const v = u16(bytes, c + 3 + k);
  if (5 + k + v > L) return false;
  r.push(c + 3, k);
  r.push(c + 5 + k, v);
  if (layout === Layout.keyArgument || L === 5 + k + v) return true;
  // SET with more bytes after the value: an EX seconds field must follow (spec 3.1).
  if (L - (5 + k + v) < 2) return false;
  const s = u16(bytes, c + 5 + k + v);
  if (7 + k + v + s > L) return false;
  r.push(c + 7 + k + v, s);
  return true;
}
