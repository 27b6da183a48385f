import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import { getSystemErrorName } from 'node:util';
import { addon, dispatchEvents, type NativeTransport, SendBatch } from '../../src/io/native.js';
import { type BackendName, ioUringOptions, testedBackends } from '../support/backends.js';
import { hex, rep, req, toHex } from '../support/fkvs.js';
import { freePort, type RunningServer, tempSocketPath, withServer } from '../support/server-process.js';
import { scaledMs } from '../support/time-scale.js';

/** How long a test waits for an expected event. */
const eventTimeoutMs = scaledMs(5000);

/** The addon's Transport used as a client, recording every event it hands over. */
class NativeClient {
  readonly native: NativeTransport;
  /** Open connections and the listener index their open record carried (-1: outgoing). */
  readonly opened = new Map<number, number>();
  /** Closed connections and the errno their closed record carried. */
  readonly closed = new Map<number, number>();
  private readonly bytes = new Map<number, Buffer[]>();
  private readonly sends = new SendBatch(1);
  /** Drained records per connection. */
  readonly drained = new Map<number, number>();

  constructor(backend: BackendName, maxOutgoing: number, maxClients = 0) {
    const options = { maxClients, maxOutgoing, maxPendingOutputBytes: 1 << 20, ...ioUringOptions() };
    this.native = new addon.Transport(backend, options, (count) => this.onEvents(count));
  }

  connect(address: RunningServer['address']): number {
    return 'path' in address
      ? this.native.connectUnix(address.path)
      : this.native.connectTcp(address.host, address.port);
  }

  send(id: number, bytes: Uint8Array): void {
    this.sends.add(id, bytes, 0, bytes.length);
    this.sends.sendThrough(this.native);
  }

  /** Bytes received so far on the connection. */
  receivedBytes(id: number): number {
    return (this.bytes.get(id) ?? []).reduce((sum, chunk) => sum + chunk.length, 0);
  }

  /** Reply frames received so far on the connection, as hex. */
  frames(id: number): string[] {
    let bytes = Buffer.concat(this.bytes.get(id) ?? []);
    const out: string[] = [];
    while (bytes.length >= 2 && bytes.length >= 2 + bytes.readUInt16BE(0)) {
      const size = 2 + bytes.readUInt16BE(0);
      out.push(toHex(bytes.subarray(0, size)));
      bytes = bytes.subarray(size);
    }
    return out;
  }

  async until(what: string, done: () => boolean): Promise<void> {
    const deadline = Date.now() + eventTimeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timeout waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  private onEvents(count: number): void {
    const area = Buffer.from(this.native.receiveArea);
    dispatchEvents(this.native.records, count, {
      opened: (id, listener) => {
        this.opened.set(id, listener);
        this.bytes.set(id, []);
      },
      received: (id, offset, length) => {
        this.bytes.get(id)?.push(Buffer.from(area.subarray(offset, offset + length)));
      },
      closed: (id, errno) => this.closed.set(id, errno),
      refused: () => {},
      drained: (id) => this.drained.set(id, (this.drained.get(id) ?? 0) + 1),
    });
  }
}

/** Runs fn with a fresh client and always destroys it (a live transport keeps the process up). */
async function withClient(
  backend: BackendName,
  maxOutgoing: number,
  fn: (client: NativeClient) => Promise<void>,
  maxClients = 0,
): Promise<void> {
  const client = new NativeClient(backend, maxOutgoing, maxClients);
  try {
    await fn(client);
  } finally {
    client.native.destroy();
  }
}

/** The client listens on TCP and a node socket connects to it: the socket and the accepted id. */
async function acceptPeer(client: NativeClient): Promise<{ peer: net.Socket; id: number }> {
  const port = await freePort();
  client.native.listenTcp('127.0.0.1', port);
  const peer = net.connect(port, '127.0.0.1');
  peer.on('error', () => {});
  await client.until('open', () => client.opened.size === 1);
  const [id] = client.opened.keys();
  return { peer, id };
}

for (const backend of testedBackends) {
  describe(`the native transport as a client, ${backend} backend`, () => {
    for (const where of ['tcp', 'tcp6', 'unix'] as const) {
      test(`${where}: pipelines sent before the connect completes are held, sent and answered`, async () => {
        const port = await freePort();
        const serverArgs = {
          tcp: ['--port', String(port)],
          tcp6: ['--bind', '::1', '--port', String(port)],
          unix: ['--unixsocket', tempSocketPath()],
        }[where];
        await withServer(serverArgs, async (server) => {
          await withClient(backend, 8, async (client) => {
            assert.equal(client.native.backend, backend);
            const address = where === 'tcp6' ? { host: '::1', port } : server.address;
            const ids = [0, 1, 2].map(() => client.connect(address));
            assert.equal(new Set(ids).size, 3);
            for (const [n, id] of ids.entries()) {
              client.send(id, Buffer.concat(Array.from({ length: 100 }, () => req.incr(`n${n}`))));
            }
            await client.until('300 replies', () => ids.every((id) => client.frames(id).length === 100));
            for (const [n, id] of ids.entries()) {
              assert.ok(client.opened.has(id));
              assert.equal(client.frames(id)[99], rep.value('100'), `connection ${n}`);
            }
            // The server closes the first (core_len 65535); the client closes the second itself.
            client.send(ids[0], hex('ff ff 01'));
            client.native.close(ids[1], true);
            await client.until('two closed records', () => client.closed.size === 2);
            assert.deepEqual([client.closed.get(ids[0]), client.closed.get(ids[1])], [0, 0]);
            client.send(ids[2], req.ping('last'));
            await client.until('the last reply', () => client.frames(ids[2]).length === 101);
            assert.equal(client.frames(ids[2])[100], rep.pong('last'));
          });
        });
      });
    }

    test('open records name the listener that accepted the connection, -1 for outgoing ones', async () => {
      await withClient(
        backend,
        2,
        async (client) => {
          const port = await freePort();
          const path = tempSocketPath();
          assert.equal(client.native.listenTcp('127.0.0.1', port), 0);
          assert.equal(client.native.listenUnix(path), 1);
          const toUnix = client.native.connectUnix(path);
          const toTcp = client.native.connectTcp('127.0.0.1', port);
          await client.until('four open records', () => client.opened.size === 4);
          assert.equal(client.opened.get(toUnix), -1);
          assert.equal(client.opened.get(toTcp), -1);
          const accepted = [...client.opened].filter(([id]) => id !== toUnix && id !== toTcp);
          assert.deepEqual(accepted.map(([, listener]) => listener).sort(), [0, 1]);
        },
        2,
      );
    });

    test('a refused connect arrives as a closed record with its errno, never as open', async () => {
      await withClient(backend, 8, async (client) => {
        const tcp = client.native.connectTcp('127.0.0.1', await freePort());
        const unix = client.native.connectUnix(tempSocketPath());
        await client.until('two closed records', () => client.closed.size === 2);
        assert.equal(getSystemErrorName(-client.closed.get(tcp)!), 'ECONNREFUSED');
        assert.equal(getSystemErrorName(-client.closed.get(unix)!), 'ENOENT');
        assert.equal(client.opened.size, 0);
        assert.equal(client.native.openConnections, 0);
      });
    });

    test('bad addresses and the maxOutgoing limit throw clear errors', async () => {
      await withServer([], async (server) => {
        await withClient(backend, 1, async (client) => {
          assert.throws(() => client.native.connectTcp('localhost', 1), /not an IPv4 or IPv6 literal/);
          assert.throws(() => client.native.connectTcp('127.0.0.1', 70000), /port 70000/);
          assert.throws(() => client.native.connectUnix(''), /unix socket path must be 1 to 107 bytes/);
          const id = client.connect(server.address);
          assert.throws(
            () => client.connect(server.address),
            /maxOutgoing \(1\) outgoing connections already open/,
          );
          await client.until('open', () => client.opened.has(id));
        });
      });
    });
    test("pauseReading: the peer's bytes wait in the kernel until resumeReading", async () => {
      await withClient(
        backend,
        0,
        async (client) => {
          const { peer, id } = await acceptPeer(client);
          client.native.pauseReading(id);
          peer.write(Buffer.alloc(100, 1));
          await new Promise((resolve) => setTimeout(resolve, 200));
          const before = client.receivedBytes(id);
          peer.write(Buffer.alloc(300_000, 2));
          await new Promise((resolve) => setTimeout(resolve, 300));
          // io_uring may hand over what its recv had taken as the pause came: at most the first write.
          assert.ok(
            client.receivedBytes(id) <= 100,
            `${client.receivedBytes(id)} bytes arrived while paused`,
          );
          assert.ok(before <= 100);
          client.native.resumeReading(id);
          await client.until('every byte', () => client.receivedBytes(id) === 300_100);
          peer.destroy();
        },
        4,
      );
    });

    test('notifyDrained: a drained record once the kernel took every queued byte', async () => {
      await withClient(
        backend,
        0,
        async (client) => {
          const { peer, id } = await acceptPeer(client);
          peer.pause(); // reads nothing until resumed
          client.native.notifyDrained(id);
          await client.until('drained at once: nothing queued', () => client.drained.get(id) === 1);
          // Fill the kernel's buffers until bytes stay queued in the addon (under its 1 MiB cap).
          const chunk = Buffer.alloc(256 << 10, 3);
          let sent = 0;
          for (let i = 0; i < 400 && client.native.counters().unsentOutputBytes === 0; i++) {
            client.send(id, chunk);
            sent += chunk.length;
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          assert.ok(client.native.counters().unsentOutputBytes > 0, 'bytes wait in the addon');
          client.native.notifyDrained(id);
          await new Promise((resolve) => setTimeout(resolve, 100));
          assert.equal(client.drained.get(id), 1, 'not drained while the peer reads nothing');
          let got = 0;
          peer.on('data', (data) => {
            got += data.length;
          });
          peer.resume();
          await client.until('drained', () => client.drained.get(id) === 2);
          assert.equal(client.native.counters().unsentOutputBytes, 0);
          await client.until('every byte at the peer', () => got === sent);
          peer.destroy();
          await client.until('closed', () => client.closed.has(id));
          assert.equal(client.drained.get(id), 2, 'one drained record per ask');
        },
        4,
      );
    });

    test('misuse from JS throws a TypeError', async () => {
      await withClient(backend, 1, async (client) => {
        const native = client.native as unknown as Record<string, (...args: unknown[]) => unknown>;
        assert.throws(() => native.send.call(client.native, [1], [0], [1], [Buffer.alloc(1)], 1), TypeError);
        assert.throws(() => native.close.call(client.native, 'one', true), TypeError);
        assert.throws(() => native.pauseReading.call(client.native), TypeError);
        assert.throws(() => native.notifyDrained.call(client.native, null), TypeError);
        assert.throws(() => native.listenTcp.call(client.native, 1, 2), TypeError);
      });
    });
  });
}
