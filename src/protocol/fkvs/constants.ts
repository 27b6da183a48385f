/** Opcodes of the FKVS protocol: the first byte of a request's core (spec 1.2). */
export const Opcode = {
  set: 0x01,
  get: 0x02,
  incr: 0x03,
  incrBy: 0x04,
  ping: 0x05,
  decr: 0x06,
  info: 0x07,
  decrBy: 0x08,
  del: 0x09,
  expire: 0x0a,
  ttl: 0x0b,
  persist: 0x0c,
  keys: 0x0d,
} as const;

/** The tag byte after core_len in a reply (spec 1.3). */
export const ReplyTag = {
  error: 0x00,
  /** With core_len 1: OK. With a payload: VALUE. */
  okOrValue: 0x01,
  pong: 0x05,
  info: 0x07,
  keys: 0x0d,
} as const;
