import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { addon, EventKind, type NativeTransport, type NativeTransportOptions } from '../../src/io/native.js';
import { freePort } from '../support/server-process.js';

const options: NativeTransportOptions = {
  maxClients: 4,
  maxOutgoing: 4,
  maxPendingOutputBytes: 1024,
  deferTaskrun: true,
  coopTaskrun: true,
  multishotAccept: true,
  multishotRecv: true,
};

/** Runs fn with a transport of the backend, recording its records; always destroys it. */
async function withTransport(
  backend: 'io_uring' | 'epoll',
  fn: (native: NativeTransport, records: number[][]) => Promise<void> | void,
): Promise<void> {
  const records: number[][] = [];
  const native: NativeTransport = new addon.Transport(backend, options, (count) => {
    for (let i = 0; i < count; i++) records.push(Array.from(native.records.subarray(4 * i, 4 * i + 4)));
  });
  try {
    await fn(native, records);
  } finally {
    native.destroy();
  }
}

async function until(what: string, done: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timeout waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('the addon refuses bad constructor arguments and unknown backends with clear errors', () => {
  const T = addon.Transport as unknown as new (...args: unknown[]) => NativeTransport;
  assert.throws(() => new T('epoll', options), /Transport\(backend, options, onEvents\)/);
  assert.throws(
    () => new T('epoll', {}, () => {}),
    /maxClients, maxOutgoing and maxPendingOutputBytes are required/,
  );
  assert.throws(() => new T('kqueue', options, () => {}), /unknown backend 'kqueue'/);
});

for (const backend of ['io_uring', 'epoll'] as const) {
  describe(`the addon's errors, ${backend} backend`, () => {
    test('bad arguments to connect and send, and any call after destroy, throw', async () => {
      const native = new addon.Transport(backend, options, () => {});
      const anyNative = native as unknown as Record<string, (...args: unknown[]) => unknown>;
      assert.throws(() => anyNative.connectTcp(1), /connectTcp\(host, port\)/);
      assert.throws(() => anyNative.connectUnix(), /connectUnix\(path\)/);
      const one = Int32Array.of(0);
      assert.throws(() => native.send(one, one, one, [new Uint8Array(1)], 2), /count exceeds the arrays/);
      assert.throws(
        () => native.send(one, one, Int32Array.of(2), [new Uint8Array(1)], 1),
        /range outside its buffer/,
      );
      native.destroy();
      native.destroy(); // twice is harmless
      assert.throws(() => native.listenTcp('127.0.0.1', 0), /transport destroyed/);
      assert.equal(native.openConnections, 0);
      assert.deepEqual(native.counters(), {});
    });

    test('listeners that cannot open say why', async () => {
      await withTransport(backend, async (native) => {
        assert.throws(
          () => native.listenTcp('localhost', 1),
          /bind address 'localhost' is not an IPv4 or IPv6 literal/,
        );
        const dir = mkdtempSync(join(tmpdir(), 'fkvs-listen-'));
        assert.throws(
          () => native.listenUnix(join(dir, 'a/b/fkvs.sock')),
          /mkdir .*\/a\/b: No such file or directory/,
        );
        const file = join(dir, 'not-a-socket');
        writeFileSync(file, 'data');
        assert.throws(() => native.listenUnix(file), /bind .*not-a-socket: Address already in use/);
      });
    });

    test('a send past maxPendingOutputBytes closes the connection', async () => {
      await withTransport(backend, async (native, records) => {
        const port = await freePort();
        native.listenTcp('127.0.0.1', port);
        const id = native.connectTcp('127.0.0.1', port);
        await until('both ends open', () => records.filter((r) => r[0] === EventKind.open).length === 2);
        const big = new Uint8Array(options.maxPendingOutputBytes + 1);
        native.send(Int32Array.of(id), Int32Array.of(0), Int32Array.of(big.length), [big], 1);
        await until('the closed record', () => records.some((r) => r[0] === EventKind.closed && r[1] === id));
        assert.ok(native.counters().dropped >= 1);
      });
    });
  });
}
