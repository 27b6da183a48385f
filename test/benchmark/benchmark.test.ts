import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hex, req } from '../support/fkvs.js';
import {
  FrameClient,
  freePort,
  type RunningServer,
  startServer,
  tempSocketPath,
  withServer,
} from '../support/server-process.js';

/** A run that takes longer than this is a hang. */
const runLimitMs = 20_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs bin/fkvs-benchmark of the repository at root. */
function benchmark(args: string[], root = '.'): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'bin/fkvs-benchmark'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), runLimitMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function where(server: RunningServer): string[] {
  return 'path' in server.address ? ['-u', server.address.path] : ['-p', String(server.address.port)];
}

/** The original's three lines, with these counts. */
function summary(
  clients: number,
  requests: number,
  pipeline: number,
  completed: number,
  failed: number,
): RegExp {
  return new RegExp(
    `^Clients: ${clients}  Total requests: ${requests}  Pipeline: ${pipeline}\\n` +
      `Completed: ${completed}  Failed: ${failed}\\n` +
      'Elapsed: \\d+\\.\\d{6} s  Throughput: \\d+\\.\\d{2} req/s\\n$',
  );
}

function assertClean(run: Run, expected: RegExp): void {
  assert.equal(run.stderr, '', 'silent stderr when stderr is not a terminal');
  assert.match(run.stdout, expected);
  assert.equal(run.code, 0);
}

const backends: Array<[string, string[]]> = [
  ['io_uring', ['--use-io-uring', 'true']],
  ['epoll', ['--use-io-uring', 'false']],
];

/** The client's drivers: the addon's two backends and node:net (a build without the addon). */
const drivers = ['io_uring', 'epoll', 'net'];

for (const [backend, backendArgs] of backends) {
  for (const transport of ['tcp', 'unix'] as const) {
    // Every client driver against the io_uring server; the default one against epoll.
    const clientDrivers = backend === 'io_uring' ? drivers : ['auto'];
    test(`fkvs-benchmark (${clientDrivers.join(', ')}) against fkvs-server over ${transport}, ${backend} backend`, async () => {
      const socket = transport === 'unix' ? ['--unixsocket', tempSocketPath()] : [];
      await withServer([...backendArgs, ...socket], async (server) => {
        for (const driver of clientDrivers) {
          const run = await benchmark([
            ...where(server),
            ...['--driver', driver, '-n', '2000', '-c', '3', '-P', '7', '-t', 'ping,set,get:3,incr', '-r'],
          ]);
          assertClean(run, summary(3, 2000, 7, 2000, 0));
        }
      });
    });
  }
}

describe('fkvs-benchmark workloads and flags (tcp, io_uring)', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer([]);
  });
  after(async () => {
    assert.equal(await server.stop(), 0);
  });

  test('-t set -r: every request stores a distinct 32-hex-char key', async () => {
    assertClean(
      await benchmark([...where(server), '-t', 'set', '-r', '-n', '1000', '-c', '7', '-P', '3']),
      summary(7, 1000, 3, 1000, 0),
    );
    const client = await FrameClient.connect(server.address);
    client.send(req.keys());
    const [keys] = await client.frames(1);
    client.end();
    const lines = hex(keys).subarray(5).toString('latin1').split('\n');
    assert.equal(lines.length, 1000);
    const distinct = new Set(lines.map((line) => line.replace(/^\d+\) /, '')));
    assert.equal(distinct.size, 1000);
    for (const key of distinct) assert.match(key, /^[0-9a-f]{32}$/);
  });

  test('-t get and -t incr: their setup makes every reply predictable; incr counts every request', async () => {
    assertClean(
      await benchmark([...where(server), '-t', 'get', '-n', '500', '-c', '4', '-P', '5']),
      summary(4, 500, 5, 500, 0),
    );
    assertClean(
      await benchmark([...where(server), '-t', 'incr', '-n', '777', '-c', '3', '-P', '10']),
      summary(3, 777, 10, 777, 0),
    );
    const client = await FrameClient.connect(server.address);
    client.send(req.get('counter'));
    assert.deepEqual(await client.frames(1), ['00 06 01 00 03 37 37 37']);
    client.end();
  });

  test("the original's adjustments show in the summary: -c 0, -P 0, -n below -c", async () => {
    assertClean(
      await benchmark([...where(server), '-c', '0', '-P', '0', '-n', '10', '-k', '-q']),
      summary(1, 10, 1, 10, 0),
    );
    assertClean(await benchmark([...where(server), '-c', '6', '-n', '2']), summary(6, 6, 1, 6, 0));
  });

  test('-R: the open model prints its latency block; every request is a sample', async () => {
    const run = await benchmark([...where(server), '-R', '4000', '-n', '400', '-c', '4', '-P', '8']);
    assert.equal(run.code, 0, run.stderr);
    const [head, block] = run.stdout.split('\n\n');
    assert.match(`${head}\n`, summary(4, 400, 1, 400, 0));
    const lines = block.split('\n');
    assert.equal(lines[0], 'Open-model latency (coordinated-omission corrected):');
    assert.match(lines[1], /^ {2}Target rate : 4000 req\/s {3}Achieved: \d+ req\/s$/);
    assert.equal(lines[2], '  Samples     : 400');
    const labels = ['min', 'p50', 'p90', 'p99', 'p99.9', 'p99.99', 'max', 'mean'];
    const values = labels.map((label, i) => {
      const match = lines[3 + i].match(
        new RegExp(`^  ${label.padEnd(12).replaceAll('.', '\\.')}: ( *\\d+\\.\\d) us$`),
      );
      assert.ok(match, lines[3 + i]);
      assert.ok(match[1].length >= 9);
      return Number(match[1]);
    });
    assert.ok(
      values[0] > 0 && values[0] <= values[1] && values[1] <= values[5] && values[5] <= values[6],
      String(values),
    );
    assert.equal(lines.length, 12);
    // The schedule spreads 400 requests over 0.1 s at least.
    const elapsed = Number(head.match(/Elapsed: (\S+) s/)![1]);
    assert.ok(elapsed >= 0.099, String(elapsed));
  });

  test('a build without the addon: auto falls back to node:net and says so; an addon driver is an error', async () => {
    const root = mkdtempSync(join(tmpdir(), 'fkvs-no-addon-'));
    try {
      cpSync('bin', join(root, 'bin'), { recursive: true });
      cpSync('dist/src', join(root, 'dist/src'), { recursive: true });
      symlinkSync(resolvePath('node_modules'), join(root, 'node_modules'));
      const run = await benchmark([...where(server), '-n', '300', '-c', '3', '-P', '4'], root);
      assert.match(run.stdout, summary(3, 300, 4, 300, 0));
      assert.match(
        run.stderr,
        /^fkvs-benchmark: native addon unavailable \(.*fkvs_native\.node.*\); using node:net\n$/,
      );
      assert.equal(run.code, 0);
      const forced = await benchmark([...where(server), '--driver', 'epoll'], root);
      assert.equal(forced.code, 1);
      assert.match(forced.stderr, /^fkvs-benchmark: --driver epoll: .*fkvs_native\.node/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('on a terminal, a live progress line on stderr, erased at the end', async () => {
    // script(1) runs the tool on a pseudo-terminal; its output is the terminal's.
    const command = `${process.execPath} bin/fkvs-benchmark ${where(server).join(' ')} -R 1000 -n 600 -c 2`;
    const run = await new Promise<string>((resolve) => {
      const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let output = '';
      child.stdout.on('data', (d) => {
        output += d;
      });
      child.on('close', () => resolve(output));
    });
    const drawn = run.split('\r\u001b[K'); // each redraw returns to the line start and erases it
    assert.ok(
      drawn.some((line) => /^\d+\/600 requests \(\d+\.\d%\) {2}\d+ req\/s$/.test(line)),
      JSON.stringify(run),
    );
    assert.match(drawn.at(-1)!, /^Clients: 2 {2}Total requests: 600 {2}Pipeline: 1\r\n/);
  });

  test('--json and --csv', async () => {
    const json = await benchmark([...where(server), '--json', '-n', '100', '-c', '2', '-t', 'set']);
    assert.equal(json.code, 0);
    const result = JSON.parse(json.stdout);
    assert.equal(result.completed, 100);
    assert.equal(result.failed, 0);
    assert.equal(result.workload, 'set');
    assert.equal(result.transport, 'tcp');
    const csv = await benchmark([...where(server), '--csv', '-n', '100', '-c', '2', '-R', '1000']);
    assert.equal(csv.code, 0);
    const [header, row] = csv.stdout.trimEnd().split('\n');
    const record = Object.fromEntries(header.split(',').map((name, i) => [name, row.split(',')[i]]));
    assert.equal(record.completed, '100');
    assert.equal(record.latencySamples, '100');
    assert.ok(Number(record.p99Us) > 0);
  });
});

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
        const run = await benchmark(['-p', String(port), '-n', '200', '-c', '2', '-P', '5']);
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
        const run = await benchmark([
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

  test('a connection closed by the server fails its requests', async () => {
    await withSink(
      (i, socket) => {
        if (i === 2) socket.destroy();
        return pong;
      },
      async (port) => {
        const run = await benchmark(['-p', String(port), '-n', '40', '-c', '1', '--timeout', '10000']);
        assert.equal(run.code, 1);
        assert.match(run.stdout, summary(1, 40, 1, 2, 38));
      },
    );
  });

  test('-R with a dropped request: reported, bounded', async () => {
    await withSink(
      (i) => (i === 1 ? null : pong),
      async (port) => {
        const run = await benchmark([
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

  test('no server: one line naming the address, exit 1', async () => {
    const port = await freePort();
    const run = await benchmark(['-p', String(port), '-n', '10']);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, new RegExp(`^fkvs-benchmark: 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.*\\n$`));
    const path = tempSocketPath();
    const unix = await benchmark(['-u', path]);
    assert.equal(unix.code, 1);
    assert.match(unix.stderr, new RegExp(`^fkvs-benchmark: ${path}: .*ENOENT.*\\n$`));
  });

  test('bad arguments: one line, exit 1; --help: usage, exit 0', async () => {
    const bad = await benchmark(['-t', 'flush']);
    assert.equal(bad.code, 1);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /^fkvs-benchmark: -t flush: unknown workload 'flush' .*\n$/);
    const help = await benchmark(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: fkvs-benchmark /);
  });
});
