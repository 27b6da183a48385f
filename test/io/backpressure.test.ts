import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Transport } from '../../src/io/transport.js';
import { drainAskBytes } from '../../src/limits.js';
import { newServerInfo } from '../../src/server-info.js';
import { LineEchoFactory, RawClient } from '../support/line-echo.js';
import { tempSocketPath } from '../support/server-process.js';

/** The echo listener's pause threshold. */
const pauseBytes = 128 * 1024;
/** What the client writes without reading: far more than the threshold and the kernel's buffers. */
const writtenBytes = 32 * 1024 * 1024;
/** Bytes of one connection the addon hands JS in one batch at most (native/limits.h). */
const batchBytesPerConnection = 64 * 1024;
/**
 * What a paused connection may still bring: pausing stops new reads, but bytes the backend has
 * read already still arrive (io_uring: what the multishot recv put in the buffer ring).
 */
const alreadyReadBytes = 1024 * 1024;

function transportFor(useIoUring: boolean, maxClientOutputBytes: number) {
  const info = newServerInfo();
  const transport = new Transport(
    {
      useIoUring,
      ioUring: { deferTaskrun: true, coopTaskrun: true, multishotAccept: true, multishotRecv: true },
      maxClients: 16,
      maxQueuedOutputBytes: 8 * 1024 * 1024,
      tcpKeepaliveSeconds: 0,
      maxClientOutputBytes,
    },
    info,
  );
  return { info, transport };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const useIoUring of [true, false]) {
  const backend = useIoUring ? 'io_uring' : 'epoll';
  describe(`backpressure and maxmemory-clients, ${backend} backend`, () => {
    test('a client that does not read is not read from past the pause threshold; it gets every byte once it reads', async () => {
      const { info, transport } = transportFor(useIoUring, 1024 * 1024 * 1024);
      try {
        const path = tempSocketPath();
        const echo = new LineEchoFactory(4 * 1024 * 1024, pauseBytes);
        transport.listenUnix(path, echo);
        const client = await RawClient.connect(path);
        client.socket.pause(); // reads nothing yet
        const line = Buffer.alloc(1024, 0x62);
        line[line.length - 1] = 0x0a;
        const all = Buffer.concat(Array.from({ length: writtenBytes / line.length }, () => line));
        client.socket.write(all);
        await sleep(1000);
        // The server holds the threshold and what it had read already, not the 32 MiB.
        assert.ok(info.clientOutputBytes > 0, 'replies are waiting');
        assert.ok(
          info.clientOutputBytes <= pauseBytes + alreadyReadBytes,
          `unsent ${info.clientOutputBytes} bytes`,
        );
        assert.ok(echo.fedBytes < writtenBytes / 4, `the rest waits in the kernel (fed ${echo.fedBytes})`);
        client.socket.resume();
        await client.until('every echo', () => client.receivedBytes === writtenBytes);
        assert.ok(client.received.equals(all));
        await sleep(100);
        // An upper bound: it falls at drained records, asked for past drainAskBytes.
        assert.ok(info.clientOutputBytes <= drainAskBytes, `all sent: ${info.clientOutputBytes} counted`);
        assert.equal(info.evictedClients, 0);
        client.socket.end();
        await client.until('closed', () => client.ended);
        await sleep(50);
        assert.equal(info.clientOutputBytes, 0, 'nothing counted once it is gone');
      } finally {
        await transport.shutdown(1000);
      }
    });

    test('past maxmemory-clients the clients holding the most are closed; the others are served', async () => {
      const maxClientOutputBytes = 1024 * 1024;
      const { info, transport } = transportFor(useIoUring, maxClientOutputBytes);
      try {
        const path = tempSocketPath();
        // No pause: each hog's replies pile up in the addon (its own limit is 8 MiB).
        transport.listenUnix(path, new LineEchoFactory(4 * 1024 * 1024));
        const hogs = await Promise.all([0, 1, 2, 3].map(() => RawClient.connect(path)));
        const line = Buffer.alloc(16 * 1024, 0x63);
        line[line.length - 1] = 0x0a;
        for (const hog of hogs) {
          hog.socket.pause();
          for (let i = 0; i < 256; i++) hog.socket.write(line); // 4 MiB each, never read
        }
        const good = await RawClient.connect(path);
        for (let i = 0; i < 20; i++) {
          good.socket.write(`ping ${i}\n`);
          await sleep(50);
          assert.ok(info.clientOutputBytes <= maxClientOutputBytes + 4 * batchBytesPerConnection);
        }
        await good.until('20 echoes', () => good.received.toString().split('\n').length === 21);
        assert.ok(info.evictedClients >= 1, `evicted ${info.evictedClients}`);
        assert.equal(good.ended, false, 'the client that reads is kept');
        await Promise.all(
          hogs.map((hog) => hog.until('closed', () => hog.ended || info.evictedClients === 4)),
        );
        for (const hog of hogs) hog.socket.destroy();
        good.socket.end();
        await sleep(200);
        assert.equal(info.clientOutputBytes, 0, 'memory given back when they go');
      } finally {
        await transport.shutdown(1000);
      }
    });
  });
}
