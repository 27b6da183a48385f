import { Commands } from '../../src/commands/commands.js';
import { OutputBuffer } from '../../src/io/output-buffer.js';
import { maxPendingOutputBytes } from '../../src/limits.js';
import { Dispatcher } from '../../src/protocol/fkvs/dispatcher.js';
import { FeedResult, FrameReader } from '../../src/protocol/fkvs/frame-reader.js';
import { newServerInfo, type ServerInfo } from '../../src/server-info.js';
import { ArenaStore } from '../../src/store/arena-store.js';
import type { KeyValueStore } from '../../src/store/store-api.js';
import { MapStore } from './map-store.js';
import { pendingOutput } from './pending-output.js';

/** "00 0C 01" → bytes. */
export function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

/** Bytes → "00 0c 01", for readable assertion failures. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes)
    .toString('hex')
    .replace(/(..)(?!$)/g, '$1 ');
}

/** u16 length-prefixed field. */
export function lp(value: string | Uint8Array): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'latin1') : Buffer.from(value);
  const out = Buffer.alloc(2 + bytes.length);
  out.writeUInt16BE(bytes.length, 0);
  bytes.copy(out, 2);
  return out;
}

/** A request frame: core_len, then the opcode and the fields. */
export function frame(opcode: number, ...fields: Array<string | Uint8Array>): Buffer {
  const core = Buffer.concat([Buffer.from([opcode]), ...fields.map(lp)]);
  const out = Buffer.alloc(2 + core.length);
  out.writeUInt16BE(core.length, 0);
  core.copy(out, 2);
  return out;
}

export const req = {
  set: (k: string, v: string, ex?: string) => (ex === undefined ? frame(1, k, v) : frame(1, k, v, ex)),
  get: (k: string) => frame(2, k),
  incr: (k: string) => frame(3, k),
  incrBy: (k: string, d: string) => frame(4, k, d),
  ping: (p: string) => frame(5, p),
  decr: (k: string) => frame(6, k),
  info: () => hex('00 01 07'),
  decrBy: (k: string, d: string) => frame(8, k, d),
  del: (k: string) => frame(9, k),
  expire: (k: string, s: string) => frame(0x0a, k, s),
  ttl: (k: string) => frame(0x0b, k),
  persist: (k: string) => frame(0x0c, k),
  keys: () => hex('00 01 0d'),
};

/** Expected replies. */
export const rep = {
  ok: '00 01 01',
  err: '00 01 00',
  value: (v: string) => toHex(Buffer.concat([u16(3 + Buffer.byteLength(v, 'latin1')), hex('01'), lp(v)])),
  pong: (v: string) => toHex(Buffer.concat([u16(3 + v.length), hex('05'), lp(v)])),
};

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

export const storeKinds: Array<[string, () => KeyValueStore]> = [
  // Look-ahead on however small the table, so that command tests run through it too.
  ['ArenaStore', () => new ArenaStore({ maxMemoryBytes: 256 * 1024 * 1024, prefetchMinTableBytes: 0 })],
  ['MapStore', () => new MapStore()],
];

/** One connection to a dispatcher: bytes in, reply bytes out, with a clock the test controls. */
export class Session {
  readonly info: ServerInfo = newServerInfo();
  readonly dispatcher: Dispatcher;
  readonly reader = new FrameReader();
  readonly out = new OutputBuffer(maxPendingOutputBytes);
  nowMs = 1_700_000_000_000;
  lastResult: number = FeedResult.ok;

  constructor(readonly store: KeyValueStore) {
    this.dispatcher = new Dispatcher(new Commands(store, this.info));
  }

  /** Feeds the chunks in order; returns every reply byte produced, as hex. */
  send(...chunks: Uint8Array[]): string {
    for (const chunk of chunks) {
      this.lastResult = this.dispatcher.feed(this.reader, chunk, 0, chunk.length, this.out, this.nowMs);
      if (this.lastResult !== FeedResult.ok) break;
    }
    return this.takeOutput();
  }

  takeOutput(): string {
    const text = toHex(pendingOutput(this.out));
    this.out.consume(this.out.pendingBytes);
    return text;
  }
}
