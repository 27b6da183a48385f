import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import { Commands } from '../../src/commands/commands.js';
import type { OutputBuffer } from '../../src/io/output-buffer.js';
import { type ProtocolSession, type SessionFactory, SessionStatus } from '../../src/io/session.js';
import { Transport } from '../../src/io/transport.js';
import { Dispatcher } from '../../src/protocol/fkvs/dispatcher.js';
import { FkvsSessionFactory } from '../../src/protocol/fkvs/session.js';
import { newServerInfo } from '../../src/server-info.js';
import { ArenaStore } from '../../src/store/arena-store.js';
import { hex, rep, req } from '../support/fkvs.js';
import { FrameClient, freePort, tempSocketPath } from '../support/server-process.js';

const newline = 0x0a;
/** Larger than FKVS's 1 MiB output limit: only a listener of its own can send this line back. */
const longLineBytes = 3 * 1024 * 1024;

/**
 * A toy second wire: every line comes back as sent; "quit" is answered "bye" and closes the
 * connection after it. A line split across reads is kept until its newline.
 */
class LineEchoSession implements ProtocolSession {
  /** Bytes of a line not yet ended, as they came (joined once its newline arrives). */
  private partial: Buffer[] = [];

  constructor(private readonly factory: LineEchoFactory) {}

  feed(bytes: Uint8Array, offset: number, length: number, out: OutputBuffer): number {
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

class LineEchoFactory implements SessionFactory {
  readonly maxPendingOutputBytes = 4 * longLineBytes;
  opened: number[] = [];
  closedSessions = 0;

  open(connectionId: number): ProtocolSession {
    this.opened.push(connectionId);
    return new LineEchoSession(this);
  }
}

/** A raw client: every byte received, and whether the server closed. */
class RawClient {
  received = Buffer.alloc(0);
  ended = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.received = Buffer.concat([this.received, d]);
    });
    socket.on('close', () => {
      this.ended = true;
    });
    socket.on('error', () => {});
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

for (const useIoUring of [true, false]) {
  const backend = useIoUring ? 'io_uring' : 'epoll';
  describe(`two wire protocols on one transport, ${backend} backend`, () => {
    test('FKVS on TCP beside a line echo on a unix socket, each with its own sessions and output limit', async () => {
      const info = newServerInfo();
      const fkvs = new FkvsSessionFactory(
        new Dispatcher(new Commands(new ArenaStore({ maxMemoryBytes: 64 * 1024 * 1024 }), info)),
        () => {},
      );
      const echo = new LineEchoFactory();
      const transport = new Transport(
        {
          useIoUring,
          ioUring: { deferTaskrun: true, coopTaskrun: true, multishotAccept: true, multishotRecv: true },
          maxClients: 16,
          maxQueuedOutputBytes: echo.maxPendingOutputBytes,
          tcpKeepaliveSeconds: 0,
        },
        info,
      );
      try {
        if (useIoUring) assert.equal(transport.native.backend, 'io_uring', String(transport.fallbackReason));
        const port = await freePort();
        const path = tempSocketPath();
        transport.listenTcp('127.0.0.1', port, fkvs);
        transport.listenUnix(path, echo);

        const frames = await FrameClient.connect({ host: '127.0.0.1', port });
        const lines = await RawClient.connect(path);
        frames.send(Buffer.concat([req.set('k', 'v'), req.ping('fkvs')]));
        lines.socket.write('hello\nwor');
        assert.deepEqual(await frames.frames(2), [rep.value('v'), rep.pong('fkvs')]);
        await lines.until('the first line', () => lines.received.length === 6);
        lines.socket.write('ld\n');
        await lines.until('the split line', () => lines.received.toString() === 'hello\nworld\n');
        assert.equal(echo.opened.length, 1, 'the FKVS connection got no echo session');
        assert.equal(info.connectedClients, 2);

        // One line larger than the FKVS listener's output limit comes back whole on its own listener.
        lines.received = Buffer.alloc(0);
        const long = Buffer.alloc(longLineBytes, 0x61);
        long[long.length - 1] = newline;
        lines.socket.write(long);
        await lines.until('the long line', () => lines.received.length === longLineBytes);
        assert.ok(lines.received.equals(long));

        // Each wire closes the way its session asks: the echo after "bye", FKVS on core_len 65535.
        lines.received = Buffer.alloc(0);
        lines.socket.write('last\nquit\nnever\n');
        await lines.until('the close', () => lines.ended);
        assert.equal(lines.received.toString(), 'last\nbye\n');
        await lines.until('the echo session closed', () => echo.closedSessions === 1);
        frames.send(Buffer.concat([req.get('k'), hex('ff ff 01')]));
        assert.deepEqual(await frames.frames(1), [rep.value('v')]);
        await frames.closedByServer();
        await lines.until('both counted closed', () => info.connectedClients === 0);
        assert.equal(info.disconnectedClients, 2);
      } finally {
        await transport.shutdown(1000);
      }
    });
  });
}
