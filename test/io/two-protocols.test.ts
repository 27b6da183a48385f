import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Commands } from '../../src/commands/commands.js';
import { Transport } from '../../src/io/transport.js';
import { Dispatcher } from '../../src/protocol/fkvs/dispatcher.js';
import { FkvsSessionFactory } from '../../src/protocol/fkvs/session.js';
import { newServerInfo } from '../../src/server-info.js';
import { ArenaStore } from '../../src/store/arena-store.js';
import { hex, rep, req } from '../support/fkvs.js';
import { LineEchoFactory, newline, RawClient } from '../support/line-echo.js';
import { FrameClient, freePort, tempSocketPath } from '../support/server-process.js';

/** Larger than FKVS's 1 MiB output limit: only a listener of its own can send this line back. */
const longLineBytes = 3 * 1024 * 1024;

for (const useIoUring of [true, false]) {
  const backend = useIoUring ? 'io_uring' : 'epoll';
  describe(`two wire protocols on one transport, ${backend} backend`, () => {
    test('FKVS on TCP beside a line echo on a unix socket, each with its own sessions and output limit', async () => {
      const info = newServerInfo();
      const fkvs = new FkvsSessionFactory(
        new Dispatcher(new Commands(new ArenaStore({ maxMemoryBytes: 64 * 1024 * 1024 }), info)),
        () => {},
      );
      const echo = new LineEchoFactory(4 * longLineBytes);
      const transport = new Transport(
        {
          useIoUring,
          ioUring: { deferTaskrun: true, coopTaskrun: true, multishotAccept: true, multishotRecv: true },
          maxClients: 16,
          maxQueuedOutputBytes: echo.maxPendingOutputBytes,
          tcpKeepaliveSeconds: 0,
          maxClientOutputBytes: 64 * echo.maxPendingOutputBytes,
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
        lines.clear();
        const long = Buffer.alloc(longLineBytes, 0x61);
        long[long.length - 1] = newline;
        lines.socket.write(long);
        await lines.until('the long line', () => lines.receivedBytes === longLineBytes);
        assert.ok(lines.received.equals(long));

        // Each wire closes the way its session asks: the echo after "bye", FKVS on core_len 65535.
        lines.clear();
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
