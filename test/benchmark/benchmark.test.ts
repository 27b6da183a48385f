import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertClean, benchmarkDrivers, runBenchmark, summary } from '../support/benchmark-process.js';
import { hex, req } from '../support/fkvs.js';
import { addressFlags } from '../support/run-program.js';
import {
  FrameClient,
  type RunningServer,
  serverBackends,
  startServer,
  tempSocketPath,
  withServer,
} from '../support/server-process.js';

for (const [backend, backendArgs] of serverBackends) {
  for (const transport of ['tcp', 'unix'] as const) {
    // Every client driver against the io_uring server; the default one against epoll.
    const clientDrivers = backend === 'io_uring' ? benchmarkDrivers : ['auto'];
    test(`fkvs-benchmark (${clientDrivers.join(', ')}) against fkvs-server over ${transport}, ${backend} backend`, async () => {
      const socket = transport === 'unix' ? ['--unixsocket', tempSocketPath()] : [];
      await withServer([...backendArgs, ...socket], async (server) => {
        for (const [i, driver] of clientDrivers.entries()) {
          // Every other run with -r: without it, get and incr run their setup first.
          const keys = i % 2 === 0 ? ['-r'] : [];
          const run = await runBenchmark([
            ...addressFlags(server),
            ...['--driver', driver, '-n', '2000', '-c', '3', '-P', '7', '-t', 'ping,set,get:3,incr', ...keys],
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
      await runBenchmark([...addressFlags(server), '-t', 'set', '-r', '-n', '1000', '-c', '7', '-P', '3']),
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

  test('-t incr: the setup zeroes the counter, then every request increments it', async () => {
    assertClean(
      await runBenchmark([...addressFlags(server), '-t', 'incr', '-n', '777', '-c', '3', '-P', '10']),
      summary(3, 777, 10, 777, 0),
    );
    const client = await FrameClient.connect(server.address);
    client.send(req.get('counter'));
    assert.deepEqual(await client.frames(1), ['00 06 01 00 03 37 37 37']);
    client.end();
  });

  test("the original's adjustments show in the summary: -c 0, -P 0, -n below -c", async () => {
    assertClean(
      await runBenchmark([...addressFlags(server), '-c', '0', '-P', '0', '-n', '10', '-k', '-q']),
      summary(1, 10, 1, 10, 0),
    );
    assertClean(await runBenchmark([...addressFlags(server), '-c', '6', '-n', '2']), summary(6, 6, 1, 6, 0));
  });

  test('-R: the open model prints its latency block; every request is a sample', async () => {
    const run = await runBenchmark([
      ...addressFlags(server),
      '-R',
      '4000',
      '-n',
      '400',
      '-c',
      '4',
      '-P',
      '8',
    ]);
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
      const run = await runBenchmark([...addressFlags(server), '-n', '300', '-c', '3', '-P', '4'], root);
      assert.match(run.stdout, summary(3, 300, 4, 300, 0));
      assert.match(
        run.stderr,
        /^fkvs-benchmark: native addon unavailable \(.*fkvs_native\.node.*\); using node:net\n$/,
      );
      assert.equal(run.code, 0);
      const forced = await runBenchmark([...addressFlags(server), '--driver', 'epoll'], root);
      assert.equal(forced.code, 1);
      assert.match(forced.stderr, /^fkvs-benchmark: --driver epoll: .*fkvs_native\.node/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('on a terminal, a live progress line on stderr, erased at the end', async () => {
    // script(1) runs the tool on a pseudo-terminal; its output is the terminal's.
    const command = `${process.execPath} bin/fkvs-benchmark ${addressFlags(server).join(' ')} -R 1000 -n 600 -c 2`;
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
    const json = await runBenchmark([
      ...addressFlags(server),
      '-h',
      'localhost',
      '--json',
      '-n',
      '100',
      '-c',
      '2',
      '-t',
      'set',
    ]);
    assert.equal(json.code, 0);
    const result = JSON.parse(json.stdout);
    assert.equal(result.completed, 100);
    assert.equal(result.failed, 0);
    assert.equal(result.workload, 'set');
    assert.equal(result.transport, 'tcp');
    const csv = await runBenchmark([...addressFlags(server), '--csv', '-n', '100', '-c', '2', '-R', '1000']);
    assert.equal(csv.code, 0);
    const [header, row] = csv.stdout.trimEnd().split('\n');
    const record = Object.fromEntries(header.split(',').map((name, i) => [name, row.split(',')[i]]));
    assert.equal(record.completed, '100');
    assert.equal(record.latencySamples, '100');
    assert.ok(Number(record.p99Us) > 0);
  });
});
