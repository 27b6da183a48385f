import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { kill, respCommands, startLogged } from '../support/aof-clients.js';
import { req } from '../support/fkvs.js';
import {
  assertRedisLoads,
  RedisServer,
  requireRedisTools,
  type StringContents,
  tempDir,
} from '../support/redis-server.js';
import { FrameClient, serverBackends, startServer } from '../support/server-process.js';

const incrementalFile = (dir: string) => join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof');
const manifest = (dir: string) => join(dir, 'appendonlydir', 'appendonly.aof.manifest');

/** Writes of both protocols, of every kind the log has to reproduce (INCR, APPEND, RENAME, FLUSHDB...). */
async function writeBoth(fkvs: FrameClient, respPort: number, deadlineMs: number): Promise<void> {
  fkvs.send(
    Buffer.concat([
      req.set('f1', 'from-fkvs'),
      req.set('f2', '10'),
      req.incrBy('f2', '5'),
      req.set('gone', 'x'),
    ]),
  );
  fkvs.send(Buffer.concat([req.del('gone'), req.set('fx', 'soon'), req.expire('fx', '100')]));
  await fkvs.frames(7);
  const replies = await respCommands(respPort, [
    ['SET', 'r1', 'one'],
    ['SET', 'r2', 'two', 'PXAT', String(deadlineMs)],
    ['APPEND', 'r1', '+more'],
    ['RENAME', 'r2', 'r3'],
    ['SELECT', '3'],
    ['SET', 'd3', 'in three'],
    ['MSET', 'a', '1', 'b', '2'],
    ['INCR', 'a'],
    ['SET', 'tmp', 'x'],
    ['GETDEL', 'tmp'],
    ['SELECT', '5'],
    ['SET', 'flushed', 'x'],
    ['FLUSHDB'],
  ]);
  assert.ok(!replies.some((r) => r.startsWith('-')), replies.join(' '));
}

for (const [backend, backendArgs] of serverBackends) {
  describe(`append-only files, ${backend} backend`, () => {
    test('writes of both protocols come back after a restart; the log passes redis-check-aof and redis-server loads it with equal contents', async () => {
      requireRedisTools();
      const dir = tempDir('aof-files');
      const deadlineMs = Date.now() + 3_600_000;
      const first = await startLogged(backendArgs, dir, 'always');
      try {
        const fkvs = await FrameClient.connect(first.server.address);
        await writeBoth(fkvs, first.respPort, deadlineMs);
        fkvs.end();
      } finally {
        assert.equal(await first.server.stop(), 0);
      }
      execFileSync('redis-check-aof', [manifest(dir)], { stdio: 'pipe' });
      const second = await startLogged(backendArgs, dir, 'everysec');
      let expected: StringContents;
      try {
        assert.match(second.server.output(), /DB loaded from append only file: 8 keys/);
        const replies = await respCommands(second.respPort, [
          ['MGET', 'f1', 'f2', 'gone', 'fx', 'r1', 'r2', 'r3'],
          ['PEXPIRETIME', 'r3'],
          ['TTL', 'fx'],
          ['SELECT', '3'],
          ['MGET', 'd3', 'a', 'b', 'tmp'],
          ['SELECT', '5'],
          ['DBSIZE'],
        ]);
        assert.deepEqual(replies, [
          '*7\r\n$9\r\nfrom-fkvs\r\n$2\r\n15\r\n$-1\r\n$4\r\nsoon\r\n$8\r\none+more\r\n$-1\r\n$3\r\ntwo\r\n',
          `:${deadlineMs}\r\n`,
          replies[2],
          '+OK\r\n',
          '*4\r\n$8\r\nin three\r\n$1\r\n2\r\n$1\r\n2\r\n$-1\r\n',
          '+OK\r\n',
          ':0\r\n',
        ]);
        assert.match(replies[2], /^:(9\d|100)\r\n$/);
        expected = new Map();
        const fxDeadline = Number(
          (await respCommands(second.respPort, [['PEXPIRETIME', 'fx']]))[0].slice(1).trim(),
        );
        expected.set(
          0,
          new Map([
            ['f1', { value: Buffer.from('from-fkvs'), deadlineMs: 0 }],
            ['f2', { value: Buffer.from('15'), deadlineMs: 0 }],
            ['fx', { value: Buffer.from('soon'), deadlineMs: fxDeadline }],
            ['r1', { value: Buffer.from('one+more'), deadlineMs: 0 }],
            ['r3', { value: Buffer.from('two'), deadlineMs }],
          ]),
        );
        expected.set(
          3,
          new Map([
            ['d3', { value: Buffer.from('in three'), deadlineMs: 0 }],
            ['a', { value: Buffer.from('2'), deadlineMs: 0 }],
            ['b', { value: Buffer.from('2'), deadlineMs: 0 }],
          ]),
        );
      } finally {
        assert.equal(await second.server.stop(), 0);
      }
      await assertRedisLoads(dir, ['--appendonly', 'yes'], expected);
    });

    test('a tail cut by a crash loads up to the last whole command and is truncated; corruption before it stops start-up naming the file, offset and check command', async () => {
      const dir = tempDir('aof-tail');
      const first = await startLogged(backendArgs, dir, 'always');
      try {
        const replies = await respCommands(first.respPort, [
          ['SET', 'k1', 'v1'],
          ['SET', 'k2', 'v2'],
        ]);
        assert.deepEqual(replies, ['+OK\r\n', '+OK\r\n']);
      } finally {
        await kill(first.server);
      }
      const whole = statSync(incrementalFile(dir)).size;
      appendFileSync(incrementalFile(dir), '*3\r\n$3\r\nSET\r\n$2\r\nk3\r\n$2\r\nv');
      const second = await startLogged(backendArgs, dir, 'always');
      try {
        assert.match(
          second.server.output(),
          /aof-load-truncated is enabled: 26 bytes after offset \d+ dropped/,
        );
        assert.equal(statSync(incrementalFile(dir)).size, whole, 'the cut tail is truncated');
        const replies = await respCommands(second.respPort, [
          ['MGET', 'k1', 'k2', 'k3'],
          ['SET', 'k4', 'v4'],
        ]);
        assert.deepEqual(replies, ['*3\r\n$2\r\nv1\r\n$2\r\nv2\r\n$-1\r\n', '+OK\r\n']);
      } finally {
        await kill(second.server);
      }
      // One byte of the first SET's argument header changed: not a tail, start-up stops.
      const bytes = readFileSync(incrementalFile(dir));
      const at = bytes.indexOf('$3\r\nSET');
      bytes[at] = 0x25; // '%'
      writeFileSync(incrementalFile(dir), bytes);
      await assert.rejects(startLogged(backendArgs, dir, 'always'), (error: Error) => {
        assert.match(error.message, /appendonly\.aof\.1\.incr\.aof/);
        assert.match(error.message, new RegExp(`at offset ${at}`));
        assert.match(error.message, /redis-check-aof --fix .*appendonly\.aof\.manifest/);
        return true;
      });
    });

    test('an appendonlydir of redis-server 7.0 loads; its non-string key stops start-up in one line unless told to skip it', async () => {
      requireRedisTools();
      const dir = tempDir('aof-from-redis');
      const redis = await RedisServer.start(dir, ['--appendonly', 'yes', '--appendfsync', 'always']);
      try {
        const client = await redis.connect();
        await client.command('SET', 'plain', 'value');
        await client.command('SET', 'later', 'x', 'PX', 3_600_000);
        await client.command('INCRBY', 'counter', 41);
        await client.command('SELECT', 2);
        await client.command('SET', 'other-db', 'yes');
        await client.command('SELECT', 0);
        await client.command('RPUSH', 'a-list', 'x', 'y');
        client.close();
      } finally {
        await redis.stop();
      }
      await assert.rejects(startLogged(backendArgs, dir, 'everysec'), /command RPUSH on key "a-list" failed/);
      const { server, respPort } = await startLogged(backendArgs, dir, 'everysec', [
        '--load-skip-other-types',
        'yes',
      ]);
      try {
        assert.match(server.output(), /1 keys or commands of types other than strings left out/);
        const replies = await respCommands(respPort, [
          ['MGET', 'plain', 'later', 'counter', 'a-list'],
          ['TTL', 'later'],
          ['SELECT', '2'],
          ['GET', 'other-db'],
        ]);
        assert.equal(replies[0], '*4\r\n$5\r\nvalue\r\n$1\r\nx\r\n$2\r\n41\r\n$-1\r\n');
        assert.match(replies[1], /^:(35[89]\d|3600)\r\n$/);
        assert.equal(replies[3], '$3\r\nyes\r\n');
      } finally {
        assert.equal(await server.stop(), 0);
      }
      // fkvs went on with redis-server's files: the manifest still lists them, redis-check-aof agrees.
      assert.ok(readdirSync(join(dir, 'appendonlydir')).length >= 3);
      execFileSync('redis-check-aof', [join(dir, 'appendonlydir', 'appendonly.aof.manifest')], {
        stdio: 'pipe',
      });
    });

    test('without a log, dump.rdb is loaded, and the new log starts from it (its base)', async () => {
      requireRedisTools();
      const dir = tempDir('aof-from-dump');
      const redis = await RedisServer.start(dir);
      try {
        const client = await redis.connect();
        await client.command('SET', 'dumped', 'value');
        await client.command('SAVE');
        client.close();
      } finally {
        await redis.stop();
      }
      const first = await startServer([...backendArgs, '--dir', dir]);
      try {
        assert.match(first.output(), /DB loaded from disk: 1 keys/);
      } finally {
        await first.stop();
      }
      const { server, respPort } = await startLogged(backendArgs, dir, 'always');
      try {
        assert.match(server.output(), /Creating AOF base file appendonly\.aof\.1\.base\.rdb/);
        await respCommands(respPort, [['SET', 'logged', 'too']]);
      } finally {
        await kill(server);
      }
      const again = await startLogged(backendArgs, dir, 'always');
      try {
        const replies = await respCommands(again.respPort, [['MGET', 'dumped', 'logged']]);
        assert.equal(replies[0], '*2\r\n$5\r\nvalue\r\n$3\r\ntoo\r\n');
      } finally {
        await kill(again.server);
      }
    });
  });
}
