import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseBenchmarkArgs } from '../../src/benchmark/args.js';
import {
  formatCsv,
  formatFailures,
  formatJson,
  formatSummary,
  printfFixed,
} from '../../src/benchmark/output.js';
import type { RunResult } from '../../src/benchmark/runner.js';

const result: RunResult = {
  clients: 50,
  requests: 100000,
  pipeline: 16,
  completed: 99990,
  wrong: 4,
  missing: 6,
  elapsedSeconds: 0.5,
  cpuUs: 400000,
  latency: null,
};

describe('fkvs-benchmark output (spec 6.4)', () => {
  test("the original's three lines, byte for byte", () => {
    assert.equal(
      formatSummary(result),
      'Clients: 50  Total requests: 100000  Pipeline: 16\n' +
        'Completed: 99990  Failed: 10\n' +
        'Elapsed: 0.500000 s  Throughput: 199980.00 req/s\n',
    );
  });

  test('-R adds the latency block with 12-character labels and %9.1f values', () => {
    const open: RunResult = {
      ...result,
      pipeline: 1,
      wrong: 0,
      missing: 0,
      completed: 1000,
      elapsedSeconds: 1.0000004,
      latency: {
        targetRate: 1000,
        calibrationMs: 0,
        samples: 1000,
        minUs: 12,
        p50Us: 40.5,
        p90Us: 70,
        p99Us: 120,
        p999Us: 1500,
        p9999Us: 1501,
        maxUs: 123456789,
        meanUs: 45.25,
      },
    };
    assert.equal(
      formatSummary(open),
      'Clients: 50  Total requests: 100000  Pipeline: 1\n' +
        'Completed: 1000  Failed: 0\n' +
        'Elapsed: 1.000000 s  Throughput: 1000.00 req/s\n' +
        '\n' +
        'Open-model latency (coordinated-omission corrected):\n' +
        '  Target rate : 1000 req/s   Achieved: 1000 req/s\n' +
        '  Samples     : 1000\n' +
        '  min         :      12.0 us\n' +
        '  p50         :      40.5 us\n' +
        '  p90         :      70.0 us\n' +
        '  p99         :     120.0 us\n' +
        '  p99.9       :    1500.0 us\n' +
        '  p99.99      :    1501.0 us\n' +
        '  max         : 123456789.0 us\n' +
        '  mean        :      45.2 us\n',
    );
  });

  test("printf's rounding: exact ties go to the even digit", () => {
    assert.equal(printfFixed(45.25, 1), '45.2');
    assert.equal(printfFixed(45.75, 1), '45.8');
    assert.equal(printfFixed(0.15, 1), '0.1'); // not a tie: 0.1499999...
    assert.equal(printfFixed(1500.5, 0), '1500');
    assert.equal(printfFixed(1501.5, 0), '1502');
    assert.equal(printfFixed(2.375, 2), '2.38');
    assert.equal(printfFixed(2.125, 2), '2.12');
    assert.equal(printfFixed(1234.5678, 2), '1234.57');
  });

  test('--json and --csv carry the same fields; failures are explained', () => {
    const parsed = parseBenchmarkArgs(['-t', 'get:9,set', '-P', '16', '-c', '50']);
    assert.equal(parsed.kind, 'run');
    if (parsed.kind !== 'run') return;
    const json = JSON.parse(formatJson(result, parsed.options, 'native'));
    assert.equal(json.workload, 'get:9,set');
    assert.equal(json.completed, 99990);
    assert.equal(json.failed, 10);
    assert.equal(json.wrongReplies, 4);
    assert.equal(json.missingReplies, 6);
    assert.equal(json.requestsPerSecond, 199980);
    const [header, row, end] = formatCsv(result, parsed.options, 'native').split('\n');
    assert.equal(end, '');
    assert.deepEqual(header.split(','), Object.keys(json));
    assert.equal(row, '"get:9,set",false,fkvs,tcp,native,50,100000,16,99990,10,4,6,0.5,199980,400000');
    assert.match(
      formatFailures(result),
      /10 of 100000 requests failed: 4 got a wrong reply .*, 6 got no reply/,
    );
  });
});
