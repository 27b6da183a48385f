import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createClient } from '@redis/client';
import { Redis } from 'ioredis';
import { maxValueBytes } from '../../../src/limits.js';
import { rep, req } from '../../support/fkvs.js';
import { startInProcess } from '../../support/resp.js';
import { FrameClient } from '../../support/server-process.js';

const run = promisify(execFile);
/** Bounds every external tool of these tests. */
const toolTimeoutMs = 60_000;

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-p', String(port), ...args], { timeout: toolTimeoutMs });
  return stdout;
}

/**
 * Every byte value, and a large value (many reads and sends): the largest the store takes today
 * (maxValueBytes; values past the FKVS frame limit are not stored yet).
 */
const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const largeValue = Buffer.alloc(maxValueBytes);
for (let i = 0; i < largeValue.length; i++) largeValue[i] = (i * 7 + (i >> 12)) & 0xff;

for (const useIoUring of [true, false]) {
  const backend = useIoUring ? 'io_uring' : 'epoll';
  describe(`Redis clients against the Redis front, ${backend} backend`, () => {
    test('redis-cli: commands, -n, a unix socket, --pipe of 20000 SETs', async () => {
      const server = await startInProcess(useIoUring);
      try {
        const port = server.respPort;
        assert.equal(await cli(port, 'PING'), 'PONG\n');
        assert.equal(await cli(port, 'SET', 'greeting', 'hello world'), 'OK\n');
        assert.equal(await cli(port, 'GET', 'greeting'), 'hello world\n');
        assert.equal(await cli(port, '-n', '5', 'SET', 'in5', 'x'), 'OK\n');
        assert.equal(await cli(port, '-n', '5', 'DBSIZE'), '1\n');
        assert.equal(await cli(port, 'GET', 'in5'), '\n');
        assert.equal(await cli(port, '-3', 'GET', 'nokey'), '\n');
        const { stdout } = await run('redis-cli', ['-s', server.respPath, 'GET', 'greeting'], {
          timeout: toolTimeoutMs,
        });
        assert.equal(stdout, 'hello world\n');
        assert.match(await cli(port, 'INFO', 'keyspace'), /db0:keys=1,expires=0,avg_ttl=0/);
        assert.match(
          await cli(port, 'CLIENT', 'LIST'),
          new RegExp(`^id=\\d+ addr=127\\.0\\.0\\.1:\\d+ laddr=127\\.0\\.0\\.1:${port} `),
        );
        const { stdout: overUnix } = await run('redis-cli', ['-s', server.respPath, 'CLIENT', 'INFO'], {
          timeout: toolTimeoutMs,
        });
        assert.ok(overUnix.includes(` laddr=${server.respPath}:0 `), overUnix);
        assert.equal(
          await cli(port, 'foo', 'a'),
          "ERR unknown command 'foo', with args beginning with: 'a' \n\n",
        );

        let input = '';
        for (let i = 0; i < 20000; i++) input += `SET key:${i} value:${i}\r\n`;
        const pipe = spawn('redis-cli', ['-p', String(port), '--pipe'], { stdio: ['pipe', 'pipe', 'pipe'] });
        let output = '';
        pipe.stdout.on('data', (d) => {
          output += d;
        });
        pipe.stdin.end(input);
        const code = await new Promise((resolve) => pipe.on('exit', resolve));
        assert.equal(code, 0, output);
        assert.match(output, /errors: 0, replies: 20000/);
        assert.equal(await cli(port, 'DBSIZE'), '20001\n');
        assert.equal(await cli(port, 'GET', 'key:19999'), 'value:19999\n');
      } finally {
        await server.stop();
      }
    });

    for (const protocol of [3, 2] as const) {
      test(`ioredis 6, RESP${protocol}: db option, pipelines, MULTI, binary and large values, name`, async () => {
        const server = await startInProcess(useIoUring);
        const client = new Redis({
          port: server.respPort,
          host: '127.0.0.1',
          db: 3,
          protocol,
          connectionName: 'io',
        });
        try {
          assert.equal(await client.ping(), 'PONG');
          const pipeline = client.pipeline();
          for (let i = 0; i < 500; i++) pipeline.set(`p${i}`, String(i)).get(`p${i}`);
          const results = (await pipeline.exec())!;
          assert.equal(results.length, 1000);
          for (let i = 0; i < 500; i++) assert.deepEqual(results[2 * i + 1], [null, String(i)]);
          assert.deepEqual(await client.multi().set('m', '1').get('m').exec(), [
            [null, 'OK'],
            [null, '1'],
          ]);
          await client.set('bytes', allBytes);
          assert.ok((await client.getBuffer('bytes'))!.equals(allBytes));
          await client.set('big', largeValue);
          assert.ok((await client.getBuffer('big'))!.equals(largeValue));
          assert.equal(await client.dbsize(), 503);
          assert.equal(await client.client('GETNAME'), 'io');
          const hello = (await client.call('HELLO')) as unknown[];
          assert.equal(hello[5], protocol);
          // The keys went to database 3.
          assert.equal(await cli(server.respPort, 'DBSIZE'), '0\n');
          await assert.rejects(client.call('nosuch'), /ERR unknown command 'nosuch'/);
          assert.equal(await client.get('nokey'), null);
        } finally {
          client.disconnect();
          await server.stop();
        }
      });

      test(`node-redis 6, RESP${protocol}: database option, pipelines, MULTI, binary and large values`, async () => {
        const server = await startInProcess(useIoUring);
        const client = createClient({
          socket: { port: server.respPort, host: '127.0.0.1' },
          database: 2,
          RESP: protocol,
        });
        client.on('error', () => {});
        await client.connect();
        try {
          assert.equal(await client.ping(), 'PONG');
          const replies = await Promise.all(
            Array.from({ length: 300 }, (_, i) => client.set(`k${i}`, `v${i}`)),
          );
          assert.ok(replies.every((r) => r === 'OK'));
          assert.equal(await client.get('k299'), 'v299');
          const multi = await client.multi().set('a', '1').get('a').exec();
          assert.deepEqual(multi, ['OK', '1']);
          await client.set('bytes', allBytes);
          const bytes = await client.withTypeMapping({ 36: Buffer } as never).get('bytes');
          assert.ok(Buffer.from(bytes as unknown as Buffer).equals(allBytes));
          await client.set('big', largeValue);
          const big = await client.withTypeMapping({ 36: Buffer } as never).get('big');
          assert.ok(Buffer.from(big as unknown as Buffer).equals(largeValue));
          assert.equal(await client.dbSize(), 303);
          assert.equal(await client.get('nokey'), null);
          assert.equal(await cli(server.respPort, '-n', '2', 'GET', 'a'), '1\n');
        } finally {
          client.destroy();
          await server.stop();
        }
      });
    }

    test('redis-benchmark -t ping,set,get,incr,mset at -P 1, 16 and 128: every request answered, no error', async () => {
      const server = await startInProcess(useIoUring);
      try {
        for (const pipeline of ['1', '16', '128']) {
          const { stdout, stderr } = await run(
            'redis-benchmark',
            [
              '-p',
              String(server.respPort),
              '-t',
              'ping,set,get,incr,mset',
              '-n',
              '20000',
              '-c',
              '20',
              '-P',
              pipeline,
              '-q',
              '-r',
              '1000',
            ],
            { timeout: toolTimeoutMs },
          );
          assert.equal(stderr, '');
          for (const name of ['PING_INLINE', 'PING_MBULK', 'SET', 'GET', 'INCR', 'MSET \\(10 keys\\)'])
            assert.match(stdout, new RegExp(`${name}: [0-9.]+ requests per second`));
          assert.doesNotMatch(stdout, /error/i);
        }
      } finally {
        await server.stop();
      }
    });

    test('cross-protocol: a key SET over FKVS is read over RESP byte for byte, and the other way round; FKVS writes break WATCH', async () => {
      const server = await startInProcess(useIoUring);
      const fkvs = await FrameClient.connect({ host: '127.0.0.1', port: server.fkvsPort });
      const client = new Redis({ port: server.respPort, host: '127.0.0.1' });
      try {
        fkvs.send(req.set('from-fkvs', allBytes.toString('latin1')));
        assert.deepEqual(await fkvs.frames(1), [rep.value(allBytes.toString('latin1'))]);
        assert.ok((await client.getBuffer('from-fkvs'))!.equals(allBytes));
        await client.set('from-resp', allBytes);
        fkvs.send(req.get('from-resp'));
        assert.deepEqual(await fkvs.frames(1), [rep.value(allBytes.toString('latin1'))]);
        // A key written over FKVS after WATCH makes EXEC return nil; one FKVS only reads does not.
        for (const write of [
          req.set('w', 'x'),
          req.incr('w'),
          req.expire('w', '100'),
          req.persist('w'),
          req.del('w'),
        ]) {
          await client.set('w', '5', 'PX', 100_000); // a deadline for PERSIST to remove
          await client.watch('w');
          fkvs.send(write);
          await fkvs.frames(1);
          assert.equal(await client.multi().get('w').exec(), null, write.toString('hex'));
        }
        await client.set('w', '5');
        await client.watch('w');
        fkvs.send(req.get('w'));
        await fkvs.frames(1);
        assert.deepEqual(await client.multi().get('w').exec(), [[null, '5']]);
      } finally {
        client.disconnect();
        fkvs.end();
        await server.stop();
      }
    });
  });
}
