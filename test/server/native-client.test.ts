import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { getSystemErrorName } from 'node:util';
import { addon, EventKind, type NativeTransport } from '../../src/io/native.js';
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
  private readonly received = new Map<number, Buffer[]>();

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
    this.native.send(Int32Array.of(id), Int32Array.of(0), Int32Array.of(bytes.length), [bytes], 1);
  }

  /** Reply frames received so far on the connection, as hex. */
  frames(id: number): string[] {
    let bytes = Buffer.concat(this.received.get(id) ?? []);
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
    const records = this.native.records;
    const area = Buffer.from(this.native.receiveArea);
    for (let i = 0; i < count; i++) {
      const [kind, id, offset, length] = records.subarray(4 * i, 4 * i + 4);
      if (kind === EventKind.open) {
        this.opened.set(id, offset);
        this.received.set(id, []);
      } else if (kind === EventKind.data) {
        this.received.get(id)?.push(Buffer.from(area.subarray(offset, offset + length)));
      } else if (kind === EventKind.closed) {
        this.closed.set(id, offset);
      }
    }
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
  });
}
