import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { req } from '../support/fkvs.js';
import { type RunningServer, withServer } from '../support/server-process.js';

/** Requests per write: the replies of one batch are read before the next is sent. */
const batchRequests = 2000;

/** One connection that sends frames in batches and counts the replies that are ERROR frames. */
class CountingClient {
  private buffered = Buffer.alloc(0);
  private wake: () => void = () => {};

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.buffered = Buffer.concat([this.buffered, d]);
      this.wake();
    });
  }

  static async connect(address: RunningServer['address']): Promise<CountingClient> {
    const socket = 'path' in address ? net.connect(address.path) : net.connect(address.port, address.host);
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new CountingClient(socket);
  }

  /** Sends the frames at once; resolves with their replies (tag, payload). */
  async exchange(frames: Buffer[]): Promise<Array<[number, Buffer]>> {
    this.socket.write(Buffer.concat(frames));
    const replies: Array<[number, Buffer]> = [];
    const deadline = Date.now() + 10_000;
    while (replies.length < frames.length) {
      const b = this.buffered;
      if (b.length >= 2 && b.length >= 2 + b.readUInt16BE(0)) {
        const end = 2 + b.readUInt16BE(0);
        replies.push([b[2], b.subarray(3, end)]);
        this.buffered = b.subarray(end);
        continue;
      }
      assert.ok(Date.now() < deadline, `${replies.length} of ${frames.length} replies`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 100);
      });
    }
    return replies;
  }

  /** SETs keys prefix0, prefix1, ... to n-byte values until a batch is refused; returns how many were stored. */
  async fill(prefix: string, valueBytes: number): Promise<number> {
    const value = 'v'.repeat(valueBytes);
    let stored = 0;
    for (let first = 0; ; first += batchRequests) {
      const frames: Buffer[] = [];
      for (let i = first; i < first + batchRequests; i++) frames.push(req.set(`${prefix}${i}`, value));
      const refused = (await this.exchange(frames)).filter(([tag]) => tag === 0).length;
      stored += batchRequests - refused;
      if (refused > 0) return stored;
    }
  }

  async info(field: string): Promise<number> {
    const [[, payload]] = await this.exchange([req.info()]);
    const match = payload.toString().match(new RegExp(`${field}: (\\d+)`));
    assert.ok(match, `INFO has ${field}`);
    return Number(match[1]);
  }

  end(): void {
    this.socket.end();
  }
}

test('--maxmemory 64mb: after 1 KB values fill it and are deleted, 100-byte values fill it as on a fresh server', async () => {
  const args = ['--maxmemory', '64mb'];
  let fresh = 0;
  await withServer(args, async (server) => {
    const c = await CountingClient.connect(server.address);
    fresh = await c.fill('s', 100);
    c.end();
  });
  await withServer(args, async (server) => {
    const c = await CountingClient.connect(server.address);
    const big = await c.fill('b', 1024);
    for (let first = 0; first < big + batchRequests; first += batchRequests) {
      const frames: Buffer[] = [];
      for (let i = first; i < first + batchRequests; i++) frames.push(req.del(`b${i}`));
      await c.exchange(frames);
    }
    assert.equal(await c.info('keys'), 0);
    assert.equal(await c.info('store_bytes_used'), 0);
    const small = await c.fill('s', 100);
    console.log(`1 KB values: ${big}; then 100-byte values: ${small}; on a fresh server: ${fresh}`);
    assert.ok(big > 50_000, `${big} 1 KB values`);
    assert.ok(small >= 0.9 * fresh, `${small} of ${fresh}`);
    c.end();
  });
});
