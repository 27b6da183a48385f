import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Commands } from '../../src/commands/commands.js';
import { Transport } from '../../src/io/transport.js';
import { maxPendingOutputBytes } from '../../src/limits.js';
import { Dispatcher } from '../../src/protocol/fkvs/dispatcher.js';
import { FkvsSessionFactory } from '../../src/protocol/fkvs/session.js';
import { newServerInfo } from '../../src/server-info.js';
import { ArenaStore } from '../../src/store/arena-store.js';
import { rep, req } from '../support/fkvs.js';
import { LineEchoFactory, newline, RawClient } from '../support/line-echo.js';
import { FrameClient, freePort, tempSocketPath } from '../support/server-process.js';

/**
 * The addon's send queue limit is each listener's: FKVS connections are dropped past FKVS's 1 MiB
 * even when another listener of the same transport allows far more (the Redis front's 1 GiB), and
 * that listener's connections keep its own limit.
 */

const valueBytes = 60_000;
/** GETs per write: 600 KB of replies, under the 1 MiB an FKVS connection may hold between sends. */
const getsPerWrite = 10;
/** Writes of the FKVS client that never reads: 24 MB asked, far past what the kernel buffers. */
const writes = 40;
/** The transport's limit for listeners that name none, and the echo's own: both far above FKVS's. */
const largeLimitBytes = 64 * 1024 * 1024;
/** A line the echo client does not read at first: over FKVS's limit, under its listener's. */
const unreadLineBytes = 3 * 1024 * 1024;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const useIoUring of [true, false]) {
  const backend = useIoUring ? 'io_uring' : 'epoll';
  describe(`send queue limit per listener, ${backend} backend`, () => {
    test('an FKVS client that does not read is dropped at 1 MiB; an echo client holding 3 MiB is not', async () => {
      const info = newServerInfo();
      const fkvs = new FkvsSessionFactory(
        new Dispatcher(new Commands(new ArenaStore({ maxMemoryBytes: 64 * 1024 * 1024 }), info)),
        () => {},
      );
      const echo = new LineEchoFactory(largeLimitBytes);
      const transport = new Transport(
        {
          useIoUring,
          ioUring: { deferTaskrun: true, coopTaskrun: true, multishotAccept: true, multishotRecv: true },
          maxClients: 16,
          maxQueuedOutputBytes: largeLimitBytes,
          tcpKeepaliveSeconds: 0,
          maxClientOutputBytes: 1024 * 1024 * 1024,
        },
        info,
      );
      try {
        const port = await freePort();
        const path = tempSocketPath();
        transport.listenTcp('127.0.0.1', port, fkvs);
        transport.listenUnix(path, echo);
        const writer = await FrameClient.connect({ host: '127.0.0.1', port });
        const value = 'v'.repeat(valueBytes);
        writer.send(req.set('big', value));
        assert.deepEqual(await writer.frames(1), [rep.value(value)]);

        const lines = await RawClient.connect(path);
        lines.socket.pause();
        const line = Buffer.alloc(unreadLineBytes, 0x61);
        line[line.length - 1] = newline;
        lines.socket.write(line);

        const reader = await FrameClient.connect({ host: '127.0.0.1', port });
        reader.socket.pause(); // never reads
        const gets = Buffer.concat(Array.from({ length: getsPerWrite }, () => req.get('big')));
        for (let i = 0; i < writes && !reader.closed; i++) {
          reader.send(gets);
          await sleep(10); // each write in a batch of its own
        }
        await reader.closedByServer(10_000);
        assert.equal(info.connectedClients, 2, 'the writer and the echo client are still served');

        // The echo client, holding more than FKVS's limit unsent, gets every byte once it reads.
        lines.socket.resume();
        await lines.until('the unread line', () => lines.receivedBytes === unreadLineBytes);
        assert.ok(lines.received.equals(line));
        writer.send(req.ping('after'));
        assert.deepEqual(await writer.frames(1), [rep.pong('after')]);
        assert.ok(maxPendingOutputBytes < unreadLineBytes);
      } finally {
        await transport.shutdown(1000);
      }
    });
  });
}
