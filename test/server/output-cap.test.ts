import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import { maxPendingOutputBytes } from '../../src/limits.js';
import { hex, rep, req } from '../support/fkvs.js';
import { FrameClient, type RunningServer, serverBackends, withServer } from '../support/server-process.js';

/**
 * The per-connection output cap (maxPendingOutputBytes of unsent replies) alike on both
 * backends: a client that never reads is closed at it; a client that reads is never closed, however
 * deep its pipeline, because each backend hands JS at most 64 KiB of one connection per batch.
 */

const value = '0123456789';
/** GETs of the 10-byte value: 15 bytes per reply. */
const neverReadGets = 1_000_000;
const readGets = 200_000;
const replyBytes = rep.value(value).split(' ').length;
const closeTimeoutMs = 15_000;

async function connectedClients(client: FrameClient): Promise<number> {
  client.send(req.info());
  const [info] = await client.frames(1);
  return Number(/connected clients: (\d+) \n/.exec(hex(info).toString('latin1'))![1]);
}

function pipeline(count: number): Buffer {
  const one = req.get('k');
  const all = Buffer.alloc(one.length * count);
  for (let i = 0; i < count; i++) one.copy(all, i * one.length);
  return all;
}

/** The addon's unsent output across connections, as the server logged it when stopping. */
function loggedUnsentBytes(server: RunningServer): number {
  const match = /transport counters: (\{.*\})/.exec(server.output());
  assert.ok(match !== null, 'counters logged');
  return JSON.parse(match[1]).unsentOutputBytes;
}

for (const [backend, backendArgs] of serverBackends) {
  describe(`the output cap, ${backend} backend`, () => {
    test(`a client that never reads ${neverReadGets} replies is closed at the cap`, async () => {
      let stopped: RunningServer | null = null;
      await withServer(backendArgs as string[], async (server) => {
        stopped = server;
        const watcher = await FrameClient.connect(server.address);
        watcher.send(req.set('k', value));
        assert.deepEqual(await watcher.frames(1), [rep.value(value)]);
        const address = server.address as { port: number; host: string };
        const reader = net.connect(address.port, address.host);
        reader.pause(); // never reads
        let closed = false;
        reader.on('close', () => {
          closed = true;
        });
        reader.on('error', () => {});
        await new Promise((resolve) => reader.once('connect', resolve));
        reader.write(pipeline(neverReadGets));
        const deadline = Date.now() + closeTimeoutMs;
        while ((await connectedClients(watcher)) !== 1) {
          assert.ok(Date.now() < deadline, 'the server closed the reader');
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        // What reached the reader before the close is far less than every reply.
        let got = 0;
        reader.on('data', (data) => {
          got += data.length;
        });
        reader.resume();
        while (!closed) {
          assert.ok(Date.now() < deadline, 'the reader sees the close');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        assert.ok(
          got < neverReadGets * replyBytes - maxPendingOutputBytes,
          `${got} bytes reached the reader`,
        );
        watcher.end();
      });
      assert.equal(loggedUnsentBytes(stopped!), 0);
    });

    test(`a client that reads gets all ${readGets} replies of one pipelined write`, async () => {
      await withServer(backendArgs as string[], async (server) => {
        const client = await FrameClient.connect(server.address);
        client.send(req.set('k', value));
        assert.deepEqual(await client.frames(1), [rep.value(value)]);
        client.send(pipeline(readGets));
        const replies = await client.frames(readGets, closeTimeoutMs);
        assert.equal(replies[readGets - 1], rep.value(value));
        client.end();
      });
    });
  });
}
