import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rep, req } from '../support/fkvs.js';
import { seededRandom } from '../support/random.js';
import { FrameClient, withServer } from '../support/server-process.js';

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;
const exactLimit = 2n ** 53n;
/** Random steps per run: each a SET or one of INCR, DECR, INCRBY, DECRBY. */
const randomSteps = 3000;

/** A strict decimal int64 (optional sign, digits), as the server parses it; null when it is not one. */
function int64Of(text: string): bigint | null {
  if (!/^[+-]?\d+$/.test(text)) return null;
  const value = BigInt(text);
  return value < int64Min || value > int64Max ? null : value;
}

type Op = 'incr' | 'decr' | 'incrBy' | 'decrBy';

/** The request and the reply a correct server gives, with `values` (key → stored text) kept as the server's. */
function step(values: Map<string, string>, key: string, op: Op, delta: string): [Buffer, string] {
  const request =
    op === 'incr'
      ? req.incr(key)
      : op === 'decr'
        ? req.decr(key)
        : op === 'incrBy'
          ? req.incrBy(key, delta)
          : req.decrBy(key, delta);
  if (!values.has(key)) values.set(key, '0'); // stored as "0" first, even when the delta then fails
  const current = int64Of(values.get(key)!);
  const operand = op === 'incr' || op === 'decr' ? 1n : int64Of(delta);
  if (current === null || operand === null) return [request, rep.err];
  const result = op === 'incr' || op === 'incrBy' ? current + operand : current - operand;
  if (result < int64Min || result > int64Max) return [request, rep.err];
  values.set(key, result.toString());
  return [request, rep.value(result.toString())];
}

/** Sends every request in one write and checks each reply in order. */
async function exchange(client: FrameClient, steps: Array<[Buffer, string]>, where: (i: number) => string) {
  client.send(Buffer.concat(steps.map(([request]) => request)));
  const replies = await client.frames(steps.length, 20_000);
  for (const [i, [request, expected]] of steps.entries()) {
    assert.equal(replies[i], expected, `${where(i)}: ${request.subarray(3).toString('latin1')}`);
  }
}

const edges = [
  exactLimit - 1n,
  exactLimit,
  exactLimit + 1n,
  exactLimit + 2n,
  -(exactLimit - 1n),
  -exactLimit,
  -(exactLimit + 1n),
  int64Max,
  int64Max - 1n,
  int64Min,
  int64Min + 1n,
  10n ** 15n - 1n,
  10n ** 16n - 1n,
  0n,
];
const deltas = [
  '0',
  '1',
  '-1',
  '+1',
  '-0',
  ...edges.map(String),
  '9223372036854775808',
  '-9223372036854775809',
];

test('INCR, DECR, INCRBY and DECRBY agree with BigInt at the ±2^53 and int64 edges, on a live server', async () => {
  await withServer([], async (server) => {
    const client = await FrameClient.connect(server.address);
    const values = new Map<string, string>();
    const steps: Array<[Buffer, string]> = [];
    for (const start of edges) {
      for (const delta of deltas) {
        for (const op of ['incr', 'decr', 'incrBy', 'decrBy'] as const) {
          values.set('edge', start.toString());
          steps.push([req.set('edge', start.toString()), rep.value(start.toString())]);
          steps.push(step(values, 'edge', op, delta));
        }
      }
    }
    // The two answers of issue 18 when 16 digits were taken as exact.
    for (const [start, op, delta, expected] of [
      ['9007199254740993', 'incrBy', '0', '9007199254740993'],
      ['9999999999999999', 'incr', '', '10000000000000000'],
    ] as const) {
      values.set('edge', start);
      steps.push([req.set('edge', start), rep.value(start)]);
      const [request, reply] = step(values, 'edge', op, delta);
      assert.equal(reply, rep.value(expected));
      steps.push([request, reply]);
    }
    await exchange(client, steps, (i) => `edge step ${i}`);
    client.end();
  });
});

test(`INCR, DECR, INCRBY and DECRBY agree with BigInt over ${randomSteps} random 15-19 digit operands`, async () => {
  const random = seededRandom('int64 operands');
  const sign = () => ['', '-', '+'][random.int(3)];
  const operand = () => sign() + random.digits(15 + random.int(5));
  await withServer([], async (server) => {
    const client = await FrameClient.connect(server.address);
    const values = new Map<string, string>();
    const steps: Array<[Buffer, string]> = [];
    const ops: Op[] = ['incr', 'decr', 'incrBy', 'decrBy'];
    for (let i = 0; i < randomSteps; i++) {
      const key = `n${random.int(4)}`;
      if (random.int(8) === 0) {
        const text = operand();
        values.set(key, text);
        steps.push([req.set(key, text), rep.value(text)]);
      } else {
        steps.push(step(values, key, ops[random.int(4)], operand()));
      }
    }
    await exchange(client, steps, (i) => random.at(`random step ${i}`));
    client.end();
  });
});
