import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clockTolerance, comparable, randomCommand } from '../support/command-streams.js';
import { hasRedisServer, startRedisServer } from '../support/redis-oracle.js';
import type { Recorded } from '../support/redis-session.js';
import { RespClient } from '../support/resp-client.js';
import { prng, testSeed } from '../support/seeded.js';
import { freePort, serverBackends, startServer } from '../support/server-process.js';

/** Streams per backend and commands per stream: bounded, a few seconds against each server. */
const streams = 10;
const commandsPerStream = 250;

/** One side of the comparison: a RESP connection that can also empty every database. */
interface Side {
  client: RespClient;
  reset(): Promise<void>;
}

async function side(port: number): Promise<Side> {
  const client = await RespClient.connect({ port, host: '127.0.0.1' });
  return {
    client,
    reset: async () => {
      const reply = await client.command(['FLUSHALL']);
      assert.equal(reply.value, '+OK');
    },
  };
}

describe('differential: the data commands against redis-server', {
  skip: !hasRedisServer() && 'no redis-server',
}, () => {
  for (const [backend, flags] of serverBackends) {
    test(`seeded random command streams, fkvs over RESP (${backend}): equal replies, byte for byte`, async () => {
      const redis = await startRedisServer();
      const respPort = await freePort();
      const fkvsServer = await startServer([...flags, '--resp-port', String(respPort)]);
      const expectedSide = await side(redis.port);
      const actualSide = await side(respPort);
      try {
        const seed = testSeed(`differential (${backend})`);
        const differences = await compareStreams(seed, expectedSide, actualSide);
        assert.deepEqual(differences, []);
      } finally {
        expectedSide.client.close();
        actualSide.client.close();
        await fkvsServer.stop();
        await redis.stop();
      }
    });
  }
});

/** Runs the seeded streams on both sides; returns the first difference (with its context), if any. */
async function compareStreams(seed: number, expectedSide: Side, actualSide: Side): Promise<string[]> {
  const random = prng(seed);
  for (let stream = 0; stream < streams; stream++) {
    await expectedSide.reset();
    await actualSide.reset();
    const history: string[] = [];
    for (let i = 0; i < commandsPerStream; i++) {
      const argv = randomCommand(random, Date.now());
      history.push(JSON.stringify(argv));
      const expected = await expectedSide.client.command(argv);
      const actual = await actualSide.client.command(argv);
      const tolerance = clockTolerance(argv);
      if (tolerance > 0 && sameWithin(expected.value, actual.value, tolerance)) continue;
      const a = comparable(argv, expected.value);
      const b = comparable(argv, actual.value);
      const equal =
        a === expected.value
          ? expected.raw.equals(actual.raw)
          : JSON.stringify(a, big) === JSON.stringify(b, big);
      if (equal) continue;
      if (await deadlineRace(argv, expected.value, actual.value, expectedSide, actualSide)) continue;
      // The key's value on each side, to tell a wrong reply from an earlier divergence.
      const key = argv.length > 1 ? argv[1] : '';
      const redisValue = (await expectedSide.client.command(['GET', key])).raw.toString('latin1');
      const fkvsValue = (await actualSide.client.command(['GET', key])).raw.toString('latin1');
      return [
        `seed ${seed}, stream ${stream}, command ${i}: ${JSON.stringify(argv)}\n` +
          `  redis: ${JSON.stringify(expected.raw.toString('latin1'))}\n` +
          `  fkvs:  ${JSON.stringify(actual.raw.toString('latin1'))}\n` +
          `  after: ${history.slice(-8).join(' ')}\n` +
          `  GET ${JSON.stringify(key)}: redis ${JSON.stringify(redisValue)}, fkvs ${JSON.stringify(fkvsValue)}`,
      ];
    }
  }
  return [];
}

/** How far apart the two servers' deadlines may be after a deadlineRace: their clocks' distance. */
const deadlineRaceToleranceMs = 50;

/**
 * An EXPIRE-family GT/LT whose new deadline equals the key's old one to the millisecond on one side
 * and not on the other: the two servers read their clocks at different moments (the old deadline
 * may be absolute, taken from the test's clock). The replies may differ then, but the deadlines
 * both sides end with must agree within a clock tolerance.
 */
async function deadlineRace(
  argv: readonly string[],
  expected: Recorded,
  actual: Recorded,
  expectedSide: Side,
  actualSide: Side,
): Promise<boolean> {
  if (!/^P?EXPIRE(AT)?$/i.test(argv[0])) return false;
  if (!argv.slice(3).some((option) => /^(GT|LT)$/i.test(option))) return false;
  const isZeroOrOne = (x: Recorded) => x === 0 || x === 1;
  if (!isZeroOrOne(expected) || !isZeroOrOne(actual)) return false;
  const redisDeadline = (await expectedSide.client.command(['PEXPIRETIME', argv[1]])).value;
  const fkvsDeadline = (await actualSide.client.command(['PEXPIRETIME', argv[1]])).value;
  return redisDeadline === fkvsDeadline || sameWithin(redisDeadline, fkvsDeadline, deadlineRaceToleranceMs);
}

/** Two clock readings within the tolerance (deadlines past 2^53 ms are doubles in fkvs: a ulp more). */
function sameWithin(a: Recorded, b: Recorded, tolerance: number): boolean {
  const isInteger = (x: Recorded) => typeof x === 'number' || typeof x === 'bigint';
  if (!isInteger(a) || !isInteger(b)) return false;
  const x = Number(a);
  const y = Number(b);
  return x >= 0 && y >= 0 && Math.abs(x - y) <= tolerance + Math.abs(x) * Number.EPSILON;
}

function big(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `${value}n` : value;
}
