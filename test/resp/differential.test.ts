import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { clockTolerance, comparable, randomCommand } from '../support/command-streams.js';
import { hasRedisServer, startRedisServer } from '../support/redis-server.js';
import { type Recorded, RedisSession } from '../support/redis-session.js';
import { encodeRecorded, RespClient } from '../support/resp-client.js';
import { prng, testSeed } from '../support/seeded.js';

/** Streams per run and commands per stream: bounded, about a second against each server. */
const streams = 20;
const commandsPerStream = 250;

/** One side of the comparison: a command's reply as RESP2 bytes and parsed. */
interface Side {
  command(argv: string[]): Promise<{ raw: Buffer; value: Recorded }>;
  /** Empties every database (FLUSHALL). */
  reset(): Promise<void>;
}

/**
 * fkvs's data commands in process, each reply encoded as RESP2 would send it: the side used until
 * the RESP listener is wired (it then becomes a real fkvs-server over a socket).
 */
function inProcessFkvs(): Side {
  let session = new RedisSession();
  return {
    async command(argv) {
      session.nowMs = Date.now();
      const value = session.run(...argv);
      return { raw: encodeRecorded(value), value };
    },
    async reset() {
      session = new RedisSession();
    },
  };
}

/** Two clock readings within the tolerance (deadlines past 2^53 ms are doubles in fkvs: a ulp more). */
function sameWithin(a: Recorded, b: Recorded, tolerance: number): boolean {
  const isInteger = (x: Recorded) => typeof x === 'number' || typeof x === 'bigint';
  if (!isInteger(a) || !isInteger(b)) return false;
  const x = Number(a);
  const y = Number(b);
  return x >= 0 && y >= 0 && Math.abs(x - y) <= tolerance + Math.abs(x) * Number.EPSILON;
}

describe('differential: the data commands against redis-server', {
  skip: !hasRedisServer() && 'no redis-server',
}, () => {
  let redis: Awaited<ReturnType<typeof startRedisServer>>;
  let client: RespClient;

  before(async () => {
    redis = await startRedisServer();
    client = await RespClient.connect({ port: redis.port, host: '127.0.0.1' });
  });
  after(async () => {
    client?.close();
    await redis?.stop();
  });

  test('seeded random command streams: equal replies, byte for byte', async () => {
    const seed = testSeed('differential');
    const random = prng(seed);
    const fkvs = inProcessFkvs();
    const redisSide: Side = {
      command: (argv) => client.command(argv),
      reset: async () => {
        await client.command(['FLUSHALL']);
      },
    };
    const differences: string[] = [];
    for (let stream = 0; stream < streams && differences.length === 0; stream++) {
      await redisSide.reset();
      await fkvs.reset();
      const history: string[] = [];
      for (let i = 0; i < commandsPerStream; i++) {
        const argv = randomCommand(random, Date.now());
        history.push(JSON.stringify(argv));
        const expected = await redisSide.command(argv);
        const actual = await fkvs.command(argv);
        const tolerance = clockTolerance(argv);
        if (tolerance > 0 && sameWithin(expected.value, actual.value, tolerance)) continue;
        const a = comparable(argv, expected.value);
        const b = comparable(argv, actual.value);
        const equal =
          a === expected.value
            ? expected.raw.equals(actual.raw)
            : JSON.stringify(a, big) === JSON.stringify(b, big);
        if (!equal) {
          // The key's value on each side, to tell a wrong reply from an earlier divergence.
          const key = argv.length > 1 ? argv[1] : '';
          const redisValue = (await redisSide.command(['GET', key])).raw.toString('latin1');
          const fkvsValue = (await fkvs.command(['GET', key])).raw.toString('latin1');
          differences.push(
            `seed ${seed}, stream ${stream}, command ${i}: ${JSON.stringify(argv)}\n` +
              `  redis: ${JSON.stringify(expected.raw.toString('latin1'))}\n` +
              `  fkvs:  ${JSON.stringify(actual.raw.toString('latin1'))}\n` +
              `  after: ${history.slice(-8).join(' ')}\n` +
              `  GET ${JSON.stringify(key)}: redis ${JSON.stringify(redisValue)}, fkvs ${JSON.stringify(fkvsValue)}`,
          );
          break;
        }
      }
    }
    assert.deepEqual(differences, []);
  });
});

function big(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `${value}n` : value;
}
