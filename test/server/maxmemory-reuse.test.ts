import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import {
  chunkBytes,
  classSizes,
  entryHeaderBytes,
  maxInlineEntryBytes,
  pageBytes,
  sizeClassOf,
} from '../../src/store/arena.js';
import { req } from '../support/fkvs.js';
import { seededRandom } from '../support/random.js';
import { RespClient } from '../support/resp-client.js';
import { freePort, type RunningServer, withServer } from '../support/server-process.js';

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

test('--maxmemory 32mb, noeviction: keys deleted in database 1 over RESP leave room for database 0', async () => {
  const oom = "-OOM command not allowed when used memory > 'maxmemory'.";
  /** SETs prefix0, prefix1, ... in the selected database until one is refused; how many were stored. */
  const fill = async (resp: RespClient, prefix: string, valueBytes: number): Promise<number> => {
    const value = 'v'.repeat(valueBytes);
    for (let first = 0; ; first += batchRequests) {
      const argvs = Array.from({ length: batchRequests }, (_, i) => ['SET', `${prefix}${first + i}`, value]);
      const replies = await resp.pipeline(argvs);
      const refused = replies.findIndex((r) => r !== '+OK');
      if (refused >= 0) {
        assert.equal(replies[refused], oom);
        return first + refused;
      }
    }
  };
  /** Runs fn with a RESP connection to a fresh server. */
  const withResp = async (fn: (resp: RespClient) => Promise<void>) => {
    const respPort = await freePort();
    await withServer(['--maxmemory', '32mb', '--resp-port', String(respPort)], async () => {
      const resp = await RespClient.connect({ port: respPort, host: '127.0.0.1' });
      await fn(resp);
      resp.close();
    });
  };
  let fresh = 0;
  await withResp(async (resp) => {
    fresh = await fill(resp, 's', 100);
  });
  await withResp(async (resp) => {
    assert.equal((await resp.command(['SELECT', '1'])).value, '+OK');
    const big = await fill(resp, 'b', 1000);
    for (let first = 0; first < big; first += batchRequests) {
      const keys = Array.from({ length: Math.min(batchRequests, big - first) }, (_, i) => `b${first + i}`);
      assert.equal((await resp.command(['DEL', ...keys])).value, keys.length);
    }
    assert.equal((await resp.command(['SELECT', '0'])).value, '+OK');
    const small = await fill(resp, 's', 100);
    console.log(
      `database 1: ${big} 1000-byte values, deleted; then database 0: ${small} 100-byte values; on a fresh server: ${fresh}`,
    );
    assert.ok(big > 25_000, `${big} 1000-byte values`);
    assert.ok(small >= 0.9 * fresh, `${small} of ${fresh}`);
  });
});

test('--maxmemory 32mb: a seeded churn of sizes over 10x maxmemory is refused only within the margin', async () => {
  const seeded = seededRandom('server churn');
  const seed = seeded.seed;
  const random = () => seeded.float();
  const int = (n: number) => Math.floor(random() * n);
  const maxMemoryBytes = 32 * 1024 * 1024;
  // The store's margin (docs/store.md: 55 classes + 1 pages, page tails) and a bound on the table
  // and deadline index for 20,000 keys (a 32K-slot table during its resize from 16K: 384 KiB).
  const keys = 20_000;
  const margin = 56 * pageBytes + maxMemoryBytes / 128 + 1024 * 1024;
  const payload = Buffer.from(Array.from({ length: 70_000 }, () => int(256)));
  await withServer(['--maxmemory', '32mb'], async (server) => {
    const c = await CountingClient.connect(server.address);
    const maxSizes = [300, 3000, 9000, 40_000, 60_000];
    let maxSize = 100;
    let written = 0;
    let nextPhase = 0;
    let refusals = 0;
    const needOf = (keyLength: number, length: number) => {
      const entry = entryHeaderBytes + keyLength + length;
      return entry > maxInlineEntryBytes ? 16 + keyLength + length : classSizes[sizeClassOf(entry)];
    };
    while (written < 10 * maxMemoryBytes) {
      if (written >= nextPhase) {
        maxSize = maxSizes[int(maxSizes.length)];
        nextPhase = written + maxMemoryBytes;
      }
      // Batches of about 256 KiB: a refusal is checked against the bytes used after its batch,
      // less what the writes after it in the batch may have added.
      const writes: Array<[string, number]> = [];
      for (let b = 0; b < Math.max(1, (256 * 1024) / maxSize); b++) {
        writes.push([`key:${int(keys)}`, maxSize / 2 + int(maxSize / 2 + 1)]);
      }
      const frames = writes.map(([k, length]) => {
        const offset = int(payload.length - length);
        return req.set(k, payload.subarray(offset, offset + length).toString('latin1'));
      });
      const replies = await c.exchange(frames);
      const refused = replies.findIndex(([tag]) => tag === 0);
      for (const [n, [tag]] of replies.entries()) if (tag !== 0) written += writes[n][1];
      if (refused < 0) continue;
      const used = await c.info('store_bytes_used');
      let later = 0;
      for (let n = refused + 1; n < writes.length; n++) {
        if (replies[n][0] !== 0) later += needOf(writes[n][0].length, writes[n][1]);
      }
      const [k, length] = writes[refused];
      const outOfLine = entryHeaderBytes + k.length + length > maxInlineEntryBytes ? chunkBytes : 0;
      assert.ok(
        used - later + needOf(k.length, length) + margin + outOfLine > maxMemoryBytes,
        `refused ${length} bytes with at least ${used - later} of ${maxMemoryBytes} used (seed ${seed})`,
      );
      refusals++;
      const deletes: Buffer[] = [];
      for (let d = 0; d < keys / 10; d++) deletes.push(req.del(`key:${int(keys)}`));
      await c.exchange(deletes);
    }
    console.log(`server churn: ${written} bytes written, ${refusals} refusals, all within the margin`);
    assert.ok(refusals > 0, 'the churn reached the limit');
    c.end();
  });
});
