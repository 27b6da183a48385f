import net from 'node:net';
import type { Recorded } from './redis-session.js';

/** Bytes of one multibulk request. */
export function encodeRequest(argv: ReadonlyArray<string | Uint8Array>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
  for (const a of argv) {
    const bytes = typeof a === 'string' ? Buffer.from(a, 'latin1') : Buffer.from(a);
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Parses one RESP2 reply at offset: its value and where it ends, or null when incomplete. */
export function parseReply(buffer: Buffer, offset: number): { value: Recorded; end: number } | null {
  const lineEnd = buffer.indexOf('\r\n', offset);
  if (lineEnd < 0) return null;
  const line = buffer.toString('latin1', offset + 1, lineEnd);
  const kind = String.fromCharCode(buffer[offset]);
  if (kind === '+' || kind === '-') return { value: `${kind}${line}`, end: lineEnd + 2 };
  if (kind === ':') {
    const n = BigInt(line);
    return { value: n >= -(2n ** 53n) && n <= 2n ** 53n ? Number(n) : n, end: lineEnd + 2 };
  }
  const n = Number(line);
  if (kind === '$') {
    if (n < 0) return { value: null, end: lineEnd + 2 };
    if (buffer.length < lineEnd + 2 + n + 2) return null;
    return { value: `$${buffer.toString('latin1', lineEnd + 2, lineEnd + 2 + n)}`, end: lineEnd + 4 + n };
  }
  if (kind === '*') {
    if (n < 0) return { value: null, end: lineEnd + 2 };
    const items: Recorded[] = [];
    let at = lineEnd + 2;
    for (let i = 0; i < n; i++) {
      const item = parseReply(buffer, at);
      if (item === null) return null;
      items.push(item.value);
      at = item.end;
    }
    return { value: items, end: at };
  }
  throw new Error(`bad reply byte ${kind} at ${offset}: ${buffer.toString('latin1', offset, offset + 40)}`);
}

/** A RESP2 connection sending one command at a time; each reply as raw bytes and parsed. */
export class RespClient {
  private buffer = Buffer.alloc(0);
  private waiting: (() => void) | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.buffer = Buffer.concat([this.buffer, d]);
      this.waiting?.();
    });
  }

  static async connect(options: net.NetConnectOpts): Promise<RespClient> {
    const socket = net.connect(options);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RespClient(socket);
  }

  async command(argv: ReadonlyArray<string | Uint8Array>): Promise<{ raw: Buffer; value: Recorded }> {
    this.socket.write(encodeRequest(argv));
    for (;;) {
      const reply = this.buffer.length === 0 ? null : parseReply(this.buffer, 0);
      if (reply !== null) {
        const raw = this.buffer.subarray(0, reply.end);
        this.buffer = this.buffer.subarray(reply.end);
        return { raw, value: reply.value };
      }
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no reply to ${argv[0]}`)), 5000);
        this.waiting = () => {
          clearTimeout(timer);
          this.waiting = null;
          resolve();
        };
      });
    }
  }

  /** Sends the commands at once (a pipeline); resolves with their replies, in order. */
  async pipeline(argvs: ReadonlyArray<ReadonlyArray<string | Uint8Array>>): Promise<Recorded[]> {
    this.socket.write(Buffer.concat(argvs.map(encodeRequest)));
    const replies: Recorded[] = [];
    let at = 0;
    while (replies.length < argvs.length) {
      const reply = at < this.buffer.length ? parseReply(this.buffer, at) : null;
      if (reply !== null) {
        replies.push(reply.value);
        at = reply.end;
        continue;
      }
      this.buffer = this.buffer.subarray(at);
      at = 0;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no reply to ${argvs[replies.length][0]}`)), 5000);
        this.waiting = () => {
          clearTimeout(timer);
          this.waiting = null;
          resolve();
        };
      });
    }
    this.buffer = this.buffer.subarray(at);
    return replies;
  }

  close(): void {
    this.socket.destroy();
  }
}
