import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evictionPolicyNames } from '../../src/store/access-clock.js';
import { rep, req } from '../support/fkvs.js';
import { infoNumber } from '../support/info.js';
import { hasRedisServer, startRedisServer } from '../support/redis-oracle.js';
import { RespClient } from '../support/resp-client.js';
import { FrameClient, freePort, serverBackends, startServer } from '../support/server-process.js';

/** The server's --maxmemory: a few arena chunks, so that a fill to 3x takes well under a second. */
const maxMemoryBytes = 8 * 1024 * 1024;
const valueBytes = 2000;
/** Writes per round trip, half over each protocol. */
const batch = 200;
const oomText = "-OOM command not allowed when used memory > 'maxmemory'.";

/** db0's keys and keys with a deadline, from INFO keyspace. */
async function keyspace(client: RespClient): Promise<{ keys: number; expires: number }> {
  const info = String((await client.command(['INFO', 'keyspace'])).value);
  const match = /db0:keys=(\d+),expires=(\d+)/.exec(info);
  return match === null ? { keys: 0, expires: 0 } : { keys: Number(match[1]), expires: Number(match[2]) };
}

describe('eviction on a live server', () => {
  for (const [backend, flags] of serverBackends) {
    test(`every policy, set with CONFIG SET, keeps a fill to 3x maxmemory within it; writes over both protocols (${backend})`, async () => {
      const respPort = await freePort();
      const server = await startServer([
        ...flags,
        '--maxmemory',
        String(maxMemoryBytes),
        '--resp-port',
        String(respPort),
      ]);
      const resp = await RespClient.connect({ port: respPort, host: '127.0.0.1' });
      const fkvs = await FrameClient.connect(server.address);
      const value = 'v'.repeat(valueBytes);
      try {
        for (const policy of evictionPolicyNames) {
          assert.equal((await resp.command(['FLUSHALL'])).value, '+OK');
          assert.equal((await resp.command(['CONFIG', 'SET', 'maxmemory-policy', policy])).value, '+OK');
          assert.deepEqual((await resp.command(['CONFIG', 'GET', 'maxmemory-policy'])).value, [
            '$maxmemory-policy',
            `$${policy}`,
          ]);
          const evictedBefore = Number(
            /evicted_keys:(\d+)/.exec(String((await resp.command(['INFO', 'stats'])).value))![1],
          );
          const volatile = policy.startsWith('volatile');
          // Under volatile-* the first keys (a tenth of the fill) have no deadline and must stay;
          // the others get one, over both protocols.
          const persistentKeys = volatile ? (0.3 * maxMemoryBytes) / valueBytes : Number.POSITIVE_INFINITY;
          let persistent = 0;
          let refused = 0;
          for (let i = 0; i * valueBytes < 3 * maxMemoryBytes; i += batch) {
            const ex = i >= persistentKeys ? '3600' : undefined;
            const argvs = [];
            for (let j = 0; j < batch / 2; j++) {
              argvs.push(
                ex === undefined ? ['SET', `r${i + j}`, value] : ['SET', `r${i + j}`, value, 'EX', ex],
              );
            }
            const replies = await resp.pipeline(argvs);
            fkvs.send(
              Buffer.concat(Array.from({ length: batch / 2 }, (_, j) => req.set(`f${i + j}`, value, ex))),
            );
            const frames = await fkvs.frames(batch / 2);
            for (const [j, reply] of replies.entries()) {
              if (reply === '+OK') {
                if (argvs[j].length === 3) persistent++;
              } else {
                assert.equal(reply, oomText, `${policy}: RESP SET ${i + j}`);
                refused++;
              }
            }
            for (const frame of frames) {
              if (frame === rep.value(value)) {
                if (ex === undefined) persistent++;
              } else {
                assert.equal(frame, rep.err, `${policy}: FKVS SET`);
                refused++;
              }
            }
            const reserved = await infoNumber(fkvs, 'store_bytes_reserved');
            assert.ok(reserved <= maxMemoryBytes, `${policy}: ${reserved} bytes reserved`);
            if (refused > 0 && policy === 'noeviction') break;
          }
          const { keys, expires } = await keyspace(resp);
          const stats = String((await resp.command(['INFO', 'stats'])).value);
          const evicted = Number(/evicted_keys:(\d+)/.exec(stats)![1]) - evictedBefore;
          const memory = String((await resp.command(['INFO', 'memory'])).value);
          assert.match(memory, new RegExp(`maxmemory_policy:${policy}\r\n`));
          console.log(
            `${policy} (${backend}): ${keys} keys, ${expires} with a deadline, ${evicted} evicted, ${refused} refused`,
          );
          if (policy === 'noeviction') {
            assert.ok(refused > 0 && evicted === 0, 'noeviction refuses at maxmemory');
          } else {
            assert.equal(refused, 0, `${policy}: no write refused`);
            assert.ok(evicted > 0);
            // volatile-*: only keys with a deadline were evicted; every key without one is still there.
            if (volatile) assert.equal(keys - expires, persistent, `${policy}: keys without a deadline`);
          }
        }
      } finally {
        resp.close();
        fkvs.end();
        await server.stop();
      }
    });
  }

  for (const [backend, flags] of serverBackends) {
    test(`an evicted key aborts the transaction that watches it, as a delete does (${backend})`, async () => {
      const respPort = await freePort();
      const server = await startServer([
        ...flags,
        '--maxmemory',
        String(maxMemoryBytes),
        '--maxmemory-policy',
        'allkeys-lru',
        '--resp-port',
        String(respPort),
      ]);
      const watcher = await RespClient.connect({ port: respPort, host: '127.0.0.1' });
      const filler = await RespClient.connect({ port: respPort, host: '127.0.0.1' });
      try {
        assert.equal((await watcher.command(['SET', 'w', '1'])).value, '+OK');
        assert.equal((await watcher.command(['WATCH', 'w'])).value, '+OK');
        // A fill to 3x maxmemory that never reads w: the least recently used key goes early.
        const value = 'v'.repeat(valueBytes);
        for (let i = 0; i * valueBytes < 3 * maxMemoryBytes; i += batch) {
          const replies = await filler.pipeline(
            Array.from({ length: batch }, (_, j) => ['SET', `r${i + j}`, value]),
          );
          for (const reply of replies) assert.equal(reply, '+OK');
        }
        assert.equal((await watcher.command(['MULTI'])).value, '+OK');
        assert.equal((await watcher.command(['SET', 'x', '1'])).value, '+QUEUED');
        assert.equal((await watcher.command(['EXEC'])).raw.toString('latin1'), '*-1\r\n');
        // The key was evicted (read after EXEC: a read is an access).
        assert.equal((await watcher.command(['EXISTS', 'w'])).value, 0);
      } finally {
        watcher.close();
        filler.close();
        await server.stop();
      }
    });
  }

  test('OBJECT FREQ|IDLETIME|ENCODING and the eviction settings of CONFIG reply as redis-server', {
    skip: !hasRedisServer() && 'no redis-server',
  }, async () => {
    const redis = await startRedisServer();
    const respPort = await freePort();
    const server = await startServer(['--resp-port', String(respPort)]);
    const script = [
      ['SET', 'k', 'v'],
      ['SET', 'n', '12345'],
      ['SET', 'long', 'x'.repeat(45)],
      ['OBJECT', 'ENCODING', 'k'],
      ['OBJECT', 'ENCODING', 'n'],
      ['OBJECT', 'ENCODING', 'long'],
      ['OBJECT', 'REFCOUNT', 'k'],
      ['OBJECT', 'FREQ', 'k'],
      ['OBJECT', 'IDLETIME', 'k'],
      ['OBJECT', 'IDLETIME', 'missing'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'ALLKEYS-LFU'],
      ['CONFIG', 'GET', 'maxmemory-policy'],
      ['OBJECT', 'IDLETIME', 'k'],
      ['OBJECT', 'FREQ', 'k'],
      ['OBJECT', 'FREQ', 'missing'],
      ['OBJECT', 'NOSUCH', 'k'],
      ['OBJECT'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'lru'],
      ['CONFIG', 'SET', 'maxmemory-samples', '0'],
      ['CONFIG', 'SET', 'maxmemory-samples', '10'],
      ['CONFIG', 'SET', 'lfu-log-factor', '-1'],
      ['CONFIG', 'SET', 'lfu-decay-time', 'x'],
      ['CONFIG', 'SET', 'lfu-log-factor', '5', 'lfu-decay-time', '2'],
      // One key at a time: a glob's order is Redis's dict order, which varies between processes.
      ['CONFIG', 'GET', 'lfu-log-factor'],
      ['CONFIG', 'GET', 'lfu-decay-time'],
      ['CONFIG', 'GET', 'maxmemory-samples'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'volatile-ttl'],
      ['OBJECT', 'FREQ', 'k'],
    ];
    const redisClient = await RespClient.connect({ port: redis.port, host: '127.0.0.1' });
    const fkvsClient = await RespClient.connect({ port: respPort, host: '127.0.0.1' });
    try {
      for (const argv of script) {
        const expected = (await redisClient.command(argv)).raw.toString('latin1');
        const actual = (await fkvsClient.command(argv)).raw.toString('latin1');
        const idle = /^:(\d+)\r\n$/;
        if (argv[1] === 'IDLETIME' && idle.test(expected)) {
          // Whole seconds of two clocks read at slightly different moments: either may have
          // passed a second's boundary since the SET (seen: Redis 1, fkvs 0).
          const seconds = (reply: string) => Number(idle.exec(reply)?.[1] ?? Number.NaN);
          assert.ok(
            Math.abs(seconds(actual) - seconds(expected)) <= 1,
            `${argv.join(' ')}: ${actual} against ${expected}`,
          );
        } else {
          assert.equal(actual, expected, argv.join(' '));
        }
      }
    } finally {
      redisClient.close();
      fkvsClient.close();
      await server.stop();
      await redis.stop();
    }
  });
});
