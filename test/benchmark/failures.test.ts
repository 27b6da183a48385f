import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { describe, test } from 'node:test';
import { benchmarkDrivers, runBenchmark, summary } from '../support/benchmark-process.js';
import { hex } from '../support/fkvs.js';
import { freePort, tempSocketPath } from '../support/server-process.js';

/** A server that answers each ping with `answer(i)` (i counts requests per connection), or nothing. */
async function withSink(
  answer: (i: number, socket: net.Socket) => Buffer | null,
  fn: (port: number) => Promise<void>,
) {
  const server = net.createServer((socket) => {
    let buffered = Buffer.alloc(0);
    let count = 0;
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        buffered = buffered.subarray(2 + buffered.readUInt16BE(0));
        const reply = answer(count++, socket);
        if (reply !== null && !socket.destroyed) socket.write(reply);
      }
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  try {
    await fn(port);
  } finally {
    server.close();
  }
}

const pong = hex('00 03 05 00 00');

describe('fkvs-benchmark counts failures and exits 1, without hanging', () => {
  test('error replies are failures, not completions', async () => {
    await withSink(
      (i) => (i % 10 === 3 ? hex('00 01 00') : pong),
      async (port) => {
        const run = await runBenchmark(['-p', String(port), '-n', '200', '-c', '2', '-P', '5']);
        assert.equal(run.code, 1);
        assert.match(run.stdout, summary(2, 200, 5, 180, 20));
        assert.match(run.stderr, /20 of 200 requests failed: 20 got a wrong reply .*, 0 got no reply/);
      },
    );
  });

  test('a dropped request fails its connection after --timeout', async () => {
    await withSink(
      (i) => (i === 4 ? null : pong),
      async (port) => {
        const started = Date.now();
        const run = await runBenchmark([
          '-p',
          String(port),
          '-n',
          '100',
          '-c',
          '2',
          '-P',
          '2',
          '--timeout',
          '200',
        ]);
        assert.ok(Date.now() - started < 5000);
        assert.equal(run.code, 1);
        // Each connection loses its fifth request's batch (1 answered of 2) and its 45 unsent ones.
        assert.match(run.stdout, summary(2, 100, 2, 10, 90));
        assert.match(run.stderr, /90 of 100 requests failed: 0 got a wrong reply .*, 90 got no reply/);
      },
    );
  });

  for (const driver of benchmarkDrivers) {
    test(`a connection closed by the server fails its requests (${driver})`, async () => {
      await withSink(
        (i, socket) => {
          if (i === 2) socket.destroy();
          return pong;
        },
        async (port) => {
          const run = await runBenchmark(['-p', String(port), '--driver', driver, '-n', '40', '-c', '1']);
          assert.equal(run.code, 1);
          assert.match(run.stdout, summary(1, 40, 1, 2, 38));
        },
      );
    });
  }

  for (const driver of benchmarkDrivers) {
    test(`replies to no request: the connection fails, no crash (${driver})`, async () => {
      // Three replies in one write to the first request of a batch of two: they arrive together.
      await withSink(
        (i) => (i === 0 ? Buffer.concat([pong, pong, pong]) : pong),
        async (port) => {
          const run = await runBenchmark([
            '-p',
            String(port),
            '--driver',
            driver,
            '-n',
            '10',
            '-c',
            '1',
            '-P',
            '2',
          ]);
          assert.equal(run.code, 1);
          assert.match(run.stdout, /^Clients: 1 {2}Total requests: 10 {2}Pipeline: 2\n/);
          assert.match(run.stderr, /^fkvs-benchmark: \d+ of 10 requests failed: [1-9]\d* got a wrong reply/);
        },
      );
    });
  }

  test('-R with a dropped request: reported, bounded', async () => {
    await withSink(
      (i) => (i === 1 ? null : pong),
      async (port) => {
        const run = await runBenchmark([
          '-p',
          String(port),
          '-n',
          '20',
          '-c',
          '2',
          '-R',
          '1000',
          '--timeout',
          '200',
        ]);
        assert.equal(run.code, 1);
        // Each connection's second request gets no reply: it and the 8 after it fail.
        assert.match(run.stdout, /Completed: 2 {2}Failed: 18\n/);
        assert.match(run.stdout, /Samples {5}: 2\n/);
      },
    );
  });

  test('a connect nobody answers fails after --timeout (each driver)', async () => {
    // A stopped listener with a backlog of 1: once its accept queue is full the kernel drops SYNs.
    const port = await freePort();
    const listener = spawn(
      process.execPath,
      [
        '-e',
        `require('net').createServer().listen({ port: ${port}, host: '127.0.0.1', backlog: 1 }, () => console.log('up'))`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const fill: net.Socket[] = [];
    try {
      await new Promise((resolve) => listener.stdout.once('data', resolve));
      listener.kill('SIGSTOP');
      for (let i = 0; i < 2; i++) {
        const socket = net.connect(port, '127.0.0.1');
        socket.on('error', () => {});
        fill.push(socket);
        await new Promise((resolve) => socket.once('connect', resolve));
      }
      for (const driver of benchmarkDrivers) {
        const started = Date.now();
        const run = await runBenchmark([
          '-p',
          String(port),
          '--driver',
          driver,
          '-c',
          '2',
          '--timeout',
          '300',
        ]);
        assert.ok(Date.now() - started < 5000);
        assert.equal(run.code, 1);
        assert.equal(run.stdout, '');
        assert.equal(run.stderr, `fkvs-benchmark: 127.0.0.1:${port}: connect: no answer within 300 ms\n`);
      }
    } finally {
      for (const socket of fill) socket.destroy();
      listener.kill('SIGKILL');
    }
  });

  test('no server: one line naming the address, exit 1', async () => {
    const port = await freePort();
    const run = await runBenchmark(['-p', String(port), '-n', '10']);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, new RegExp(`^fkvs-benchmark: 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.*\\n$`));
    const path = tempSocketPath();
    const unix = await runBenchmark(['-u', path]);
    assert.equal(unix.code, 1);
    assert.match(unix.stderr, new RegExp(`^fkvs-benchmark: ${path}: .*ENOENT.*\\n$`));
  });

  test('bad arguments: one line, exit 1; --help: usage, exit 0', async () => {
    const bad = await runBenchmark(['-t', 'flush']);
    assert.equal(bad.code, 1);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /^fkvs-benchmark: -t flush: unknown workload 'flush' .*\n$/);
    const help = await runBenchmark(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: fkvs-benchmark /);
  });
});
