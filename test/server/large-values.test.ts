import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { minPinnedValueBytes } from '../../src/limits.js';
import { maxInlineEntryBytes } from '../../src/store/arena.js';
import { frame } from '../support/fkvs.js';
import { seededRandom } from '../support/random.js';
import { encodeRequest } from '../support/resp-client.js';
import {
  freePort,
  type RunningServer,
  serverBackends,
  startServer,
  tempSocketPath,
} from '../support/server-process.js';
import { scaledMs } from '../support/time-scale.js';

/**
 * Large values leave by reference (docs/transport.md, "Large values without copies"): byte-exact
 * over both wires and both backends, in order with the small replies around them, whole when the
 * key is overwritten or deleted while they are being sent, and their pins given back when the
 * client goes away mid-send.
 */

const kib = 1024;
const mib = 1024 * 1024;
const waitMs = scaledMs(20_000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A raw connection that keeps every byte received, and can stop reading. */
class RawConnection {
  private chunks: Buffer[] = [];
  private length = 0;
  private waiter: (() => void) | null = null;
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.length += d.length;
      this.waiter?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
    socket.on('error', () => {});
  }

  static connect(address: { path: string } | { port: number; host: string }): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = 'path' in address ? net.connect(address.path) : net.connect(address.port, address.host);
      socket.once('connect', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  get received(): number {
    return this.length;
  }

  /** Waits for n bytes in all and returns them (consumed). */
  async take(n: number): Promise<Buffer> {
    const deadline = Date.now() + waitMs;
    while (this.length < n) {
      if (this.closed) throw new Error(`closed after ${this.length} of ${n} bytes`);
      if (Date.now() > deadline) throw new Error(`${this.length} of ${n} bytes within ${waitMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiter = () => {
          clearTimeout(timer);
          this.waiter = null;
          resolve();
        };
      });
    }
    const all = Buffer.concat(this.chunks);
    this.chunks = [all.subarray(n)];
    this.length = all.length - n;
    return all.subarray(0, n);
  }

  close(): void {
    this.socket.destroy();
  }
}

function bulk(value: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`$${value.length}\r\n`), value, Buffer.from('\r\n')]);
}

/** An FKVS value reply frame (GET found, SET's echo). */
function valueFrame(value: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt16BE(3 + value.length, 0);
  head[2] = 1;
  head.writeUInt16BE(value.length, 3);
  return Buffer.concat([head, value]);
}

/** The addon's counters the server logs as it stops. */
function loggedCounters(output: string): { pins: number; pinnedBytes: number; unsentOutputBytes: number } {
  const line = output.split('\n').find((l) => l.includes('transport counters: '));
  assert.ok(line !== undefined, `no counters logged:\n${output}`);
  return JSON.parse(line.slice(line.indexOf('{')));
}

test('values sent by reference live out of line, where the store never writes them again', () => {
  assert.ok(minPinnedValueBytes > maxInlineEntryBytes);
});

for (const [backend, flags] of serverBackends) {
  describe(`large values, ${backend} backend`, () => {
    let server: RunningServer;
    const respPath = tempSocketPath();
    const fkvsPath = tempSocketPath();
    let respTcp: { port: number; host: string };

    before(async () => {
      const port = await freePort();
      server = await startServer([
        ...flags,
        '--unixsocket',
        fkvsPath,
        '--resp-port',
        String(port),
        '--resp-unixsocket',
        respPath,
      ]);
      respTcp = { port, host: '127.0.0.1' };
    });

    after(async () => {
      const code = await server.stop();
      assert.equal(code, 0, server.output());
      const counters = loggedCounters(server.output());
      // Every pin went back: sent, or its connection gone and its last send completed.
      assert.equal(counters.pins, 0, server.output());
      assert.equal(counters.pinnedBytes, 0);
    });

    test('RESP GET/SET of 16 KB, 1 MB and 16 MB values are byte-exact (TCP and unix socket)', async () => {
      const random = seededRandom(`large values RESP ${backend}`);
      for (const address of [respTcp, { path: respPath }]) {
        const client = await RawConnection.connect(address);
        for (const size of [16 * kib, mib, 16 * mib]) {
          const value = random.bytes(size);
          client.socket.write(encodeRequest(['SET', `big:${size}`, value]));
          assert.equal((await client.take(5)).toString(), '+OK\r\n');
          client.socket.write(encodeRequest(['GET', `big:${size}`]));
          const expected = bulk(value);
          assert.ok((await client.take(expected.length)).equals(expected), random.at(`GET of ${size} bytes`));
        }
        client.close();
      }
    });

    test('FKVS GET of 16 KB and 60 KB values is byte-exact', async () => {
      const random = seededRandom(`large values FKVS ${backend}`);
      const client = await RawConnection.connect({ path: fkvsPath });
      for (const size of [16 * kib, 60 * kib]) {
        const value = random.bytes(size);
        client.socket.write(frame(1, `f:${size}`, value));
        assert.ok((await client.take(5 + size)).equals(valueFrame(value)), random.at('SET echo'));
        client.socket.write(frame(2, `f:${size}`));
        assert.ok((await client.take(5 + size)).equals(valueFrame(value)), random.at(`GET of ${size} bytes`));
      }
      client.close();
    });

    test('large replies keep their place among small ones in one pipeline (both wires)', async () => {
      const random = seededRandom(`large values order ${backend}`);
      const values = [20 * kib, 1, 300 * kib, 7, 16 * kib, 2 * mib].map((n) => random.bytes(n));
      const setup = await RawConnection.connect(respTcp);
      for (let i = 0; i < values.length; i++) setup.socket.write(encodeRequest(['SET', `o:${i}`, values[i]]));
      await setup.take(5 * values.length);
      setup.close();
      const client = await RawConnection.connect(respTcp);
      const requests: Buffer[] = [];
      const expected: Buffer[] = [];
      for (let round = 0; round < 40; round++) {
        const i = random.int(values.length + 2);
        if (i < values.length) {
          requests.push(encodeRequest(['GET', `o:${i}`]));
          expected.push(bulk(values[i]));
        } else if (i === values.length) {
          requests.push(encodeRequest(['PING']));
          expected.push(Buffer.from('+PONG\r\n'));
        } else {
          requests.push(encodeRequest(['GET', 'o:missing']));
          expected.push(Buffer.from('$-1\r\n'));
        }
      }
      client.socket.write(Buffer.concat(requests));
      const all = Buffer.concat(expected);
      assert.ok((await client.take(all.length)).equals(all), random.at('the pipeline'));
      client.close();

      const small = random.bytes(100);
      const large = values[0];
      const fkvs = await RawConnection.connect({ path: fkvsPath });
      fkvs.socket.write(Buffer.concat([frame(1, 'fo:small', small), frame(1, 'fo:large', large)]));
      await fkvs.take(10 + small.length + large.length);
      const frames = [frame(2, 'fo:large'), frame(2, 'fo:small'), frame(2, 'fo:large'), frame(2, 'fo:large')];
      fkvs.socket.write(Buffer.concat(frames));
      const replies = Buffer.concat([
        valueFrame(large),
        valueFrame(small),
        valueFrame(large),
        valueFrame(large),
      ]);
      assert.ok((await fkvs.take(replies.length)).equals(replies), random.at('the FKVS pipeline'));
      fkvs.close();
    });

    test('a slow reader of a 16 MB reply gets the old value whole while the key is overwritten and deleted', async () => {
      const random = seededRandom(`large values slow reader ${backend}`);
      const old = random.bytes(16 * mib);
      const writer = await RawConnection.connect(respTcp);
      writer.socket.write(encodeRequest(['SET', 'slow', old]));
      assert.equal((await writer.take(5)).toString(), '+OK\r\n');
      const reader = await RawConnection.connect(respTcp);
      reader.socket.pause();
      reader.socket.write(encodeRequest(['GET', 'slow']));
      await sleep(200); // the reply is queued; the kernel takes what the socket buffers hold
      // Same length (the case an in-place rewrite would tear), then another, then gone.
      for (const next of [random.bytes(16 * mib), random.bytes(16 * mib + 5)]) {
        writer.socket.write(encodeRequest(['SET', 'slow', next]));
        assert.equal((await writer.take(5)).toString(), '+OK\r\n');
      }
      writer.socket.write(encodeRequest(['DEL', 'slow']));
      assert.equal((await writer.take(4)).toString(), ':1\r\n');
      writer.socket.write(encodeRequest(['SET', 'filler', random.bytes(16 * mib)]));
      assert.equal((await writer.take(5)).toString(), '+OK\r\n');
      writer.close();
      // Reads a little at a time.
      const expected = bulk(old);
      while (reader.received < expected.length) {
        reader.socket.resume();
        await sleep(5);
        reader.socket.pause();
        await sleep(5);
      }
      reader.socket.resume();
      assert.ok((await reader.take(expected.length)).equals(expected), random.at('the old value'));
      reader.close();
    });

    test('a client that goes away in the middle of large replies leaves no pin behind and the server serves on', async () => {
      const random = seededRandom(`large values gone ${backend}`);
      const value = random.bytes(16 * mib);
      const setup = await RawConnection.connect(respTcp);
      setup.socket.write(encodeRequest(['SET', 'gone', value]));
      await setup.take(5);
      for (let i = 0; i < 4; i++) {
        const client = await RawConnection.connect(i % 2 === 0 ? respTcp : { path: respPath });
        client.socket.pause();
        client.socket.write(Buffer.concat([encodeRequest(['GET', 'gone']), encodeRequest(['GET', 'gone'])]));
        await sleep(100);
        client.close(); // unread bytes: a reset, while the sends are in flight
      }
      await sleep(200);
      setup.socket.write(encodeRequest(['GET', 'gone']));
      const expected = bulk(value);
      assert.ok((await setup.take(expected.length)).equals(expected));
      setup.close();
      // The pins are checked when the server stops (after): none left.
    });
  });
}

for (const [backend, flags] of serverBackends) {
  test(`pinned replies count toward maxmemory-clients: clients that do not read them are evicted, ${backend} backend`, async () => {
    const port = await freePort();
    const server = await startServer([...flags, '--resp-port', String(port), '--maxmemory-clients', '64mb']);
    try {
      const random = seededRandom(`large values maxmemory-clients ${backend}`);
      const value = random.bytes(16 * mib);
      const address = { port, host: '127.0.0.1' };
      const good = await RawConnection.connect(address);
      good.socket.write(encodeRequest(['SET', 'hog', value]));
      await good.take(5);
      // 3 replies of 16 MiB each, pinned (their headers alone are 60 bytes): 48 MiB apiece. One
      // after the other, so that a hog is evicted with its send in flight (io_uring: the queue
      // waits for that send's completion to give its pins back).
      const hogs = await Promise.all([0, 1, 2].map(() => RawConnection.connect(address)));
      for (const hog of hogs) {
        hog.socket.pause();
        hog.socket.write(Buffer.concat(Array.from({ length: 3 }, () => encodeRequest(['GET', 'hog']))));
        await sleep(300);
      }
      // Each arrival passed the limit: the hog before it went (the largest; ties go to the first).
      const fkvs = await RawConnection.connect(server.address);
      fkvs.socket.write(Buffer.from([0, 1, 7])); // INFO
      const text = (await fkvs.take((await fkvs.take(2)).readUInt16BE(0))).toString('latin1');
      assert.match(text, /evicted_clients: 2 /);
      fkvs.close();
      for (const hog of hogs) hog.close();
      good.socket.write(encodeRequest(['PING']));
      assert.equal((await good.take(7)).toString(), '+PONG\r\n');
      good.close();
      await sleep(200);
    } finally {
      assert.equal(await server.stop(), 0, server.output());
    }
    assert.equal(loggedCounters(server.output()).pins, 0);
  });
}
