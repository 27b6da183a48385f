import net from 'node:net';
import type { OutputBuffer } from '../../src/io/output-buffer.js';
import { type ProtocolSession, type SessionFactory, SessionStatus } from '../../src/io/session.js';

export const newline = 0x0a;

/**
 * A toy second wire: every line comes back as sent; "quit" is answered "bye" and closes the
 * connection after it. A line split across reads is kept until its newline.
 */
export class LineEchoSession implements ProtocolSession {
  /** Bytes of a line not yet ended, as they came (joined once its newline arrives). */
  private partial: Buffer[] = [];

  constructor(private readonly factory: LineEchoFactory) {}

  feed(bytes: Uint8Array, offset: number, length: number, out: OutputBuffer): number {
    this.factory.fedBytes += length;
    let rest = Buffer.from(bytes.subarray(offset, offset + length));
    for (let end = rest.indexOf(newline); end >= 0; end = rest.indexOf(newline)) {
      const line = Buffer.concat([...this.partial, rest.subarray(0, end + 1)]);
      this.partial = [];
      rest = rest.subarray(end + 1);
      const quit = line.toString() === 'quit\n';
      const reply = quit ? Buffer.from('bye\n') : line;
      const at = out.reserve(reply.length);
      if (at < 0) return SessionStatus.closeNow;
      out.bytes.set(reply, at);
      if (quit) return SessionStatus.closeAfterReplies;
    }
    if (rest.length > 0) this.partial.push(rest);
    return SessionStatus.ok;
  }

  closed(): void {
    this.factory.closedSessions++;
  }
}

export class LineEchoFactory implements SessionFactory {
  opened: number[] = [];
  closedSessions = 0;
  /** Bytes its sessions were fed, all together. */
  fedBytes = 0;

  constructor(
    readonly maxPendingOutputBytes: number,
    readonly outputPauseBytes?: number,
  ) {}

  open(connectionId: number): ProtocolSession {
    this.opened.push(connectionId);
    return new LineEchoSession(this);
  }
}

/** A raw client: every byte received, and whether the server closed. */
export class RawClient {
  ended = false;
  /** What arrived since the last clear(), in pieces (joined when read: no copy per read). */
  private chunks: Buffer[] = [];
  private bytes = 0;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.chunks.push(d);
      this.bytes += d.length;
    });
    socket.on('close', () => {
      this.ended = true;
    });
    socket.on('error', () => {});
  }

  get receivedBytes(): number {
    return this.bytes;
  }

  /** Every byte received since the last clear(). */
  get received(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  clear(): void {
    this.chunks = [];
    this.bytes = 0;
  }

  static connect(path: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(path);
      socket.once('connect', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  async until(what: string, done: () => boolean): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timeout waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}
