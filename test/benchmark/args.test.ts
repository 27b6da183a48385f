import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BenchmarkArgsError,
  type BenchmarkOptions,
  defaultUnixPath,
  parseBenchmarkArgs,
  parseMix,
} from '../../src/benchmark/args.js';
import {
  maxBenchmarkClients,
  maxBenchmarkRequests,
  maxMixPatternRequests,
  maxPipelineDepth,
  maxRequestRatePerSecond,
  maxRequestsInFlight,
} from '../../src/limits.js';

function run(...argv: string[]): BenchmarkOptions {
  const parsed = parseBenchmarkArgs(argv);
  assert.equal(parsed.kind, 'run');
  return parsed.kind === 'run' ? parsed.options : (undefined as never);
}

function rejects(argv: string[], message: RegExp): void {
  assert.throws(
    () => parseBenchmarkArgs(argv),
    (error: Error) => {
      assert.ok(error instanceof BenchmarkArgsError, String(error));
      assert.match(error.message, message);
      return true;
    },
  );
}

describe('fkvs-benchmark arguments', () => {
  test("the original's defaults", () => {
    assert.deepEqual(run(), {
      requests: 100_000,
      clients: 32,
      host: '127.0.0.1',
      port: 5995,
      unixPath: null,
      mix: [{ operation: 'ping', weight: 1 }],
      randomKeys: false,
      pipeline: 1,
      rate: 0,
      replyTimeoutMs: 2000,
      format: 'text',
      driver: 'auto',
      wire: 'fkvs',
      calibrationMs: 0,
    });
  });

  test('--resp: the Redis port by default, mset allowed; the calibration of long -R runs', () => {
    assert.equal(run('--resp').port, 6379);
    assert.equal(run('--resp', '-p', '7000').port, 7000);
    assert.deepEqual(run('--resp', '-t', 'mset').mix, [{ operation: 'mset', weight: 1 }]);
    assert.throws(() => run('-t', 'mset'), /FKVS has no MSET; use it with --resp/);
    // 10 s of calibration once the run lasts over 30 s; shorter runs none unless asked.
    assert.equal(run('-R', '1000', '-n', '30001').calibrationMs, 10_000);
    assert.equal(run('-R', '1000', '-n', '30000').calibrationMs, 0);
    assert.equal(run('-R', '1000', '-n', '2000', '--calibration-ms', '500').calibrationMs, 500);
    assert.throws(
      () => run('--calibration-ms', '3600001'),
      /--calibration-ms 3600001: must be between 0 and 3600000/,
    );
  });

  test('every flag', () => {
    const options = run(
      '-n',
      '500',
      '-c',
      '7',
      '-h',
      '::1',
      '-p',
      '7000',
      '-k',
      '-q',
      '-t',
      'set',
      '-r',
      '-P',
      '16',
    );
    assert.equal(options.requests, 500);
    assert.equal(options.clients, 7);
    assert.equal(options.host, '::1');
    assert.equal(options.port, 7000);
    assert.deepEqual(options.mix, [{ operation: 'set', weight: 1 }]);
    assert.equal(options.randomKeys, true);
    assert.equal(options.pipeline, 16);
    assert.equal(run('--timeout', '250').replyTimeoutMs, 250);
    assert.equal(run('--json').format, 'json');
    for (const driver of ['auto', 'io_uring', 'epoll', 'net'] as const) {
      assert.equal(run('--driver', driver).driver, driver);
    }
    assert.equal(run('--csv').format, 'csv');
    assert.equal(run('-h', 'localhost').host, '127.0.0.1');
  });

  test('-u alone is the original path; -u PATH names another', () => {
    assert.equal(run('-u').unixPath, defaultUnixPath);
    assert.equal(run('-u', '-n', '5').unixPath, defaultUnixPath);
    assert.equal(run('-u', '/tmp/x/s.sock', '-n', '5').unixPath, '/tmp/x/s.sock');
    assert.equal(run('-u', '/tmp/x/s.sock', '-h', 'not-an-ip').unixPath, '/tmp/x/s.sock');
  });

  test("the original's adjustments: -c 0 and -P 0 mean 1, -n below -c is raised, -R forces -P 1", () => {
    assert.equal(run('-c', '0').clients, 1);
    assert.equal(run('-P', '0').pipeline, 1);
    assert.equal(run('-n', '3', '-c', '10').requests, 10);
    const open = run('-R', '1500.5', '-P', '32');
    assert.equal(open.rate, 1500.5);
    assert.equal(open.pipeline, 1);
    assert.equal(run('-R', '0').rate, 0);
  });

  test('-t: single kinds, mixes and weights, any case', () => {
    for (const op of ['ping', 'set', 'get', 'incr'] as const) {
      assert.deepEqual(run('-t', op).mix, [{ operation: op, weight: 1 }]);
    }
    assert.deepEqual(run('-t', 'SET,get').mix, [
      { operation: 'set', weight: 1 },
      { operation: 'get', weight: 1 },
    ]);
    assert.deepEqual(parseMix('get:9,set:1'), [
      { operation: 'get', weight: 9 },
      { operation: 'set', weight: 1 },
    ]);
  });

  test('--help and --h give the usage, naming every flag', () => {
    for (const flag of ['--help', '--h']) {
      const parsed = parseBenchmarkArgs(['-n', '5', flag]);
      assert.equal(parsed.kind, 'help');
      if (parsed.kind !== 'help') return;
      for (const name of [
        '-n',
        '-c',
        '-h',
        '-p',
        '-u [PATH]',
        '-k',
        '-t',
        '-r',
        '-P',
        '-R',
        '--timeout',
        '--json',
        '--csv',
      ]) {
        assert.ok(parsed.text.includes(`  ${name}`), name);
      }
    }
  });

  test('limits, each at its edge', () => {
    assert.equal(run('-c', String(maxBenchmarkClients)).clients, maxBenchmarkClients);
    rejects(['-c', String(maxBenchmarkClients + 1)], /-c 10001: must be between 0 and 10000/);
    assert.equal(run('-c', '1', '-P', String(maxPipelineDepth)).pipeline, maxPipelineDepth);
    rejects(['-P', String(maxPipelineDepth + 1)], /-P 4097: must be between 0 and 4096/);
    assert.equal(run('-n', String(maxBenchmarkRequests)).requests, maxBenchmarkRequests);
    rejects(['-n', String(maxBenchmarkRequests + 1)], /-n .*: must be between/);
    assert.equal(run('-R', String(maxRequestRatePerSecond)).rate, maxRequestRatePerSecond);
    rejects(['-R', String(maxRequestRatePerSecond + 1)], /at most 100000000 requests\/s/);
    const inFlight = maxRequestsInFlight / 256;
    assert.equal(run('-c', String(inFlight), '-P', '256').clients, inFlight);
    rejects(['-c', String(inFlight + 1), '-P', '256'], /requests in flight, at most 1048576/);
    assert.equal(parseMix(`get:${maxMixPatternRequests - 1},set:1`).length, 2);
    rejects(['-t', `get:${maxMixPatternRequests},set:1`], /weights add up to 1001, at most 1000/);
  });

  test('bad input: a clear error', () => {
    rejects(['-n'], /-n needs a value/);
    rejects(['-n', 'ten'], /-n ten: not a whole number/);
    rejects(['-c', '-3'], /-c -3: not a whole number/);
    rejects(['-p', '0'], /-p 0: must be between 1 and 65535/);
    rejects(['-p', '65536'], /must be between 1 and 65535/);
    rejects(['-h', 'example.com'], /-h example.com: not an IP address/);
    rejects(['-t', 'del'], /unknown workload 'del'/);
    rejects(['-t', 'get:0'], /must be between 1 and 1000/);
    rejects(['-t', 'get:1:2'], /unknown workload/);
    rejects(['-R', '-5'], /-R -5: not a rate/);
    rejects(['-R', 'fast'], /-R fast: not a rate/);
    rejects(['--timeout', '0'], /--timeout 0: must be between/);
    rejects(['-x'], /unknown argument '-x'/);
    rejects(['--driver', 'uring'], /--driver uring: use one of auto, io_uring, epoll, net/);
  });
});
