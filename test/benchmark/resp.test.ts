import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMix } from '../../src/benchmark/args.js';
import { RespReplyChecker } from '../../src/benchmark/resp-reply-checker.js';
import { Workload } from '../../src/benchmark/workload.js';
import { assertClean, runBenchmark, summary } from '../support/benchmark-process.js';
import { hasRedisServer, startRedisServer } from '../support/redis-oracle.js';
import { RespClient } from '../support/resp-client.js';
import { freePort, serverBackends, startServer, tempSocketPath } from '../support/server-process.js';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

test('--resp requests: multibulk frames, 32-hex-char keys where -r writes them, the replies expected', () => {
  const fixed = new Workload(parseMix('ping,set,get,incr,mset'), false, 'resp');
  assert.deepEqual(fixed.pattern.map((t) => text(t.frame)).slice(0, 4), [
    '*1\r\n$4\r\nPING\r\n',
    '*3\r\n$3\r\nSET\r\n$5\r\nhello\r\n$5\r\nworld\r\n',
    '*2\r\n$3\r\nGET\r\n$5\r\nhello\r\n',
    '*2\r\n$4\r\nINCR\r\n$7\r\ncounter\r\n',
  ]);
  assert.equal(
    text(fixed.pattern[4].frame),
    `*21\r\n$4\r\nMSET\r\n${'$5\r\nhello\r\n$5\r\nworld\r\n'.repeat(10)}`,
  );
  assert.deepEqual(
    fixed.pattern.map((t) => (t.expected === null ? null : text(t.expected))),
    ['+PONG\r\n', '+OK\r\n', '$5\r\nworld\r\n', null, '+OK\r\n'],
  );
  assert.deepEqual(
    fixed.setup.map((t) => text(t.frame)),
    ['*3\r\n$3\r\nSET\r\n$5\r\nhello\r\n$5\r\nworld\r\n', '*3\r\n$3\r\nSET\r\n$7\r\ncounter\r\n$1\r\n0\r\n'],
  );
  const random = new Workload(parseMix('get,incr,mset'), true, 'resp');
  assert.equal(random.setup.length, 0);
  assert.deepEqual(
    random.pattern.map((t) => text(t.expected!)),
    ['$-1\r\n', ':1\r\n', '+OK\r\n'],
  );
  for (const template of random.pattern) {
    for (const at of template.keyOffsets) {
      assert.match(text(template.frame.subarray(at - 5, at + 34)), /^\$32\r\n[0-9a-f]{32}\r\n$/);
    }
  }
  assert.equal(random.pattern[2].keyOffsets.length, 10);
});

test('RESP reply checking: whole, split at every byte, wrong replies counted and the stream kept aligned', () => {
  const pattern = new Workload(parseMix('set,get,incr,ping'), false, 'resp').pattern;
  const good = Buffer.from('+OK\r\n$5\r\nworld\r\n:-42\r\n+PONG\r\n', 'latin1');
  for (let cut = 0; cut <= good.length; cut++) {
    const checker = new RespReplyChecker(pattern);
    const stream = Buffer.concat([Buffer.alloc(3), good]); // offsets other than 0
    const replies = checker.feed(stream, 3, cut) + checker.feed(stream, 3 + cut, good.length - cut);
    assert.deepEqual([replies, checker.ok, checker.wrong], [4, 4, 0], `cut ${cut}`);
  }
  const bytewise = new RespReplyChecker(pattern);
  let replies = 0;
  for (let i = 0; i < good.length; i++) replies += bytewise.feed(good, i, 1);
  assert.deepEqual([replies, bytewise.ok, bytewise.wrong], [4, 4, 0]);

  const bad = Buffer.from(
    '-ERR wrong\r\n$6\r\nworlds\r\n:4x\r\n+PONG\r\n+OK\r\n$-1\r\n-ERR value is not an integer or out of range\r\n$4\r\nPONG\r\n+OK\r\n',
    'latin1',
  );
  for (const cut of [0, 3, 14, 20, 40, bad.length]) {
    const checker = new RespReplyChecker(pattern);
    const n = checker.feed(bad, 0, cut) + checker.feed(bad, cut, bad.length - cut);
    assert.deepEqual([n, checker.ok, checker.wrong], [9, 3, 6], `cut ${cut}`);
  }
});

const mixed = ['-t', 'ping,set,get:3,incr,mset', '-n', '3000', '-c', '3', '-P', '7'];

for (const [backend, backendArgs] of serverBackends) {
  test(`fkvs-benchmark --resp against fkvs-server's Redis front over tcp and unix, ${backend} backend`, async () => {
    const port = await freePort();
    const path = tempSocketPath();
    const server = await startServer([
      ...backendArgs,
      '--resp-port',
      String(port),
      '--resp-unixsocket',
      path,
    ]);
    try {
      for (const [i, address] of [
        ['-p', String(port)],
        ['-u', path],
      ].entries()) {
        const keys = i === 0 ? ['-r'] : [];
        assertClean(
          await runBenchmark(['--resp', ...address, ...mixed, ...keys]),
          summary(3, 3000, 7, 3000, 0),
        );
      }
      // The -r run stored fresh keys: per connection (1000 requests, the pattern of 7 from 0) 143
      // SETs, 143 INCRs and 142 MSETs of ten; the other run, 'hello' and 'counter'.
      const client = await RespClient.connect({ host: '127.0.0.1', port });
      const dbsize = await client.command(['DBSIZE']);
      client.close();
      assert.equal(dbsize.value, 3 * (143 + 143 + 1420) + 2);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });
}

test('fkvs-benchmark --resp against redis-server: every reply as expected; -R with a calibration', {
  skip: !hasRedisServer() && 'no redis-server',
}, async () => {
  const redis = await startRedisServer();
  try {
    for (const keys of [[], ['-r']]) {
      assertClean(
        await runBenchmark(['--resp', '-p', String(redis.port), ...mixed, ...keys]),
        summary(3, 3000, 7, 3000, 0),
      );
    }
    // 400 requests at 2000/s: those due in the first 100 ms (200 of them) are left out.
    const open = await runBenchmark([
      '--resp',
      '-p',
      String(redis.port),
      ...['-t', 'get', '-n', '400', '-c', '2', '-R', '2000', '--calibration-ms', '100', '--json'],
    ]);
    assert.equal(open.code, 0, open.stderr);
    const result = JSON.parse(open.stdout);
    assert.deepEqual(
      [result.completed, result.latencySamples, result.calibrationMs, result.wire],
      [400, 200, 100, 'resp'],
    );
  } finally {
    await redis.stop();
  }
});

test('fkvs-benchmark --resp counts error replies as failed, and a refused setup fails the run', async () => {
  const port = await freePort();
  const server = await startServer(['--resp-port', String(port), '--requirepass', 'secret']);
  try {
    // Every command before AUTH gets -NOAUTH.
    const ping = await runBenchmark([
      '--resp',
      '-p',
      String(port),
      '-t',
      'ping',
      '-n',
      '50',
      '-c',
      '2',
      '-P',
      '4',
    ]);
    assert.equal(ping.code, 1);
    assert.match(ping.stdout, /Completed: 0 {2}Failed: 50/);
    assert.match(ping.stderr, /50 got a wrong reply/);
    const get = await runBenchmark(['--resp', '-p', String(port), '-t', 'get', '-n', '50']);
    assert.equal(get.code, 1);
    assert.match(get.stderr, /the server rejected the setup requests/);
  } finally {
    assert.equal(await server.stop(), 0);
  }
});
