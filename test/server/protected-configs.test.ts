import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { RedisServer, requireRedisTools, tempDir } from '../support/redis-server.js';
import { Pipe } from '../support/resp-pipe.js';
import { freePort, serverBackends, startServer } from '../support/server-process.js';

// CONFIG SET of dir and dbfilename (Redis 7.0's PROTECTED_CONFIG) as enable-protected-configs allows:
// the replies of fkvs over a unix socket and loopback TCP against redis-server's, byte for byte.

/** The exchange of each test; `dir` and `other` are directories both servers can chdir to. */
function exchange(dir: string, other: string): string[][] {
  return [
    ['CONFIG', 'GET', 'enable-protected-configs'],
    ['CONFIG', 'SET', 'enable-protected-configs', 'yes'],
    ['CONFIG', 'SET', 'APPENDFILENAME', 'x.aof'],
    // Refused before the value is checked, and the argument named as given.
    ['CONFIG', 'SET', 'dbfilename', 'a/b'],
    ['CONFIG', 'SET', 'DIR', '/nonexistent'],
    // No pair of a refused CONFIG SET applies.
    ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru', 'dir', other],
    ['CONFIG', 'GET', 'maxmemory-policy'],
    ['CONFIG', 'SET', 'dir', other],
    ['CONFIG', 'GET', 'dir'],
    ['CONFIG', 'SET', 'dir', dir],
    ['CONFIG', 'SET', 'dbfilename', 'other.rdb'],
    ['CONFIG', 'GET', 'dbfilename'],
  ];
}

async function replies(target: string | { port: number; host: string }, commands: string[][]) {
  const pipe = await Pipe.connect(target);
  try {
    return await pipe.send(commands);
  } finally {
    pipe.close();
  }
}

for (const mode of ['no', 'local', 'yes']) {
  test(`enable-protected-configs ${mode}: CONFIG SET dir and dbfilename as redis-server, both backends, unix and TCP`, async () => {
    requireRedisTools();
    const dir = tempDir('protected');
    const other = tempDir('protected-other');
    const commands = exchange(dir, other);
    const redis = await RedisServer.start(tempDir('protected-redis'), [
      '--dir',
      dir,
      '--enable-protected-configs',
      mode,
    ]);
    let expected: Awaited<ReturnType<typeof replies>>;
    try {
      expected = await replies(redis.socketPath, commands);
    } finally {
      await redis.stop();
    }
    // What Redis did, so that a change of the oracle shows here.
    assert.equal(
      expected[3],
      mode === 'no'
        ? "-ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config"
        : "-ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename can't be a path, just a filename",
    );
    for (const [backend, flags] of serverBackends) {
      const respPort = await freePort();
      const socket = join(tempDir('protected-fkvs'), 'resp.sock');
      const server = await startServer([
        ...flags,
        '--dir',
        dir,
        '--resp-unixsocket',
        socket,
        '--resp-port',
        String(respPort),
        '--enable-protected-configs',
        mode,
      ]);
      try {
        assert.deepEqual(await replies(socket, commands), expected, `${backend}, unix socket`);
        assert.deepEqual(
          await replies({ port: respPort, host: '127.0.0.1' }, commands),
          expected,
          `${backend}, loopback TCP`,
        );
      } finally {
        assert.equal(await server.stop(), 0);
      }
    }
  });
}
