import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { RedisServer, requireRedisTools, tempDir } from '../support/redis-server.js';
import { encodeRequest } from '../support/resp-client.js';
import { loadDump, Pipe } from '../support/resp-pipe.js';
import { type RunningServer, serverBackends, startServer } from '../support/server-process.js';
import { scaledMs } from '../support/time-scale.js';

/**
 * SHUTDOWN's forms that never stop a server, SAVE and SHUTDOWN inside MULTI (both refused, the
 * transaction aborted): what Redis 7.0 answers each, and what fkvs must.
 */
const refusedForms: string[][] = [
  ['SHUTDOWN', 'maybe'],
  ['SHUTDOWN', 'SAVE', 'NOSAVE'],
  ['SHUTDOWN', 'nosave', 'save'],
  ['SHUTDOWN', 'ABORT'],
  ['SHUTDOWN', 'ABORT', 'NOW'],
  ['SHUTDOWN', 'force', 'abort'],
  ['MULTI'],
  ['SHUTDOWN', 'NOSAVE'],
  ['SAVE'],
  ['PING'],
  ['EXEC'],
];

async function startFkvs(
  flags: readonly string[],
  dir: string,
  save: string,
): Promise<[RunningServer, Pipe]> {
  const socket = join(dir, 'resp.sock');
  const server = await startServer([...flags, '--resp-unixsocket', socket, '--dir', dir, '--save', save]);
  return [server, await Pipe.connect(socket)];
}

/** Sends the command on a connection of its own; the bytes that came back once the server closed it. */
function untilClosed(socketPath: string, command: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(socketPath, () => socket.write(encodeRequest(command)));
    const timer = setTimeout(() => reject(new Error('the connection stayed open')), scaledMs(10_000));
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

/** The process's exit code once it exits by itself; fails after the stop timeout. */
function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not exit')), scaledMs(10_000));
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

for (const [backend, flags] of serverBackends) {
  test(`${backend}: SHUTDOWN's refusals and a failed final save answer as redis-server 7.0, and the server stays up`, async () => {
    requireRedisTools();
    const redisDir = tempDir('shutdown-redis');
    const redis = await RedisServer.start(redisDir);
    const fkvsDir = tempDir('shutdown-fkvs');
    const [server, fkvs] = await startFkvs(flags, fkvsDir, '');
    try {
      const oracle = await Pipe.connect(redis.socketPath);
      assert.deepEqual(await fkvs.send(refusedForms), await oracle.send(refusedForms));
      // A directory where the dump goes: the final save fails, so the server stays up.
      for (const dir of [redisDir, fkvsDir]) mkdirSync(join(dir, 'dump.rdb'));
      const failedSave = [['SET', 'k', 'v'], ['SHUTDOWN', 'SAVE'], ['PING'], ['GET', 'k']];
      const replies = await fkvs.send(failedSave);
      assert.deepEqual(replies, await oracle.send(failedSave));
      assert.deepEqual(replies, ['+OK', '-ERR Errors trying to SHUTDOWN. Check logs.', '+PONG', '$v']);
      assert.match(server.output(), /Error trying to save the DB, can't exit\./);
      // As Redis's rdbSave, the temp file that could not be renamed is removed.
      assert.deepEqual(
        readdirSync(fkvsDir).filter((name) => name.startsWith('temp-')),
        [],
      );
      // FORCE: the save fails all the same, and the server exits.
      assert.equal((await untilClosed(join(fkvsDir, 'resp.sock'), ['SHUTDOWN', 'SAVE', 'FORCE'])).length, 0);
      assert.equal(await exited(server.process), 0);
      assert.match(server.output(), /Error trying to save the DB\. Exit anyway\./);
      oracle.close();
    } finally {
      fkvs.close();
      if (server.process.exitCode === null) await server.stop();
      await redis.stop();
    }
  });

  test(`${backend}: SHUTDOWN saves as the save rules say, SAVE saves without rules, NOSAVE never; the connection closes without a reply`, async () => {
    const cases = [
      { rules: '3600 1', command: ['SHUTDOWN'], saves: true },
      { rules: '', command: ['SHUTDOWN'], saves: false },
      { rules: '', command: ['SHUTDOWN', 'save', 'now'], saves: true },
      { rules: '3600 1', command: ['SHUTDOWN', 'NOSAVE'], saves: false },
    ];
    for (const { rules, command, saves } of cases) {
      const dir = tempDir('shutdown');
      const [server, fkvs] = await startFkvs(flags, dir, rules);
      try {
        assert.deepEqual(
          await fkvs.send([
            ['SET', 'a', '1'],
            ['SELECT', '3'],
            ['SET', 'b', '2'],
          ]),
          ['+OK', '+OK', '+OK'],
        );
        const reply = await untilClosed(join(dir, 'resp.sock'), command);
        assert.equal(reply.length, 0, 'no reply before the close');
        assert.equal(await exited(server.process), 0, `${command.join(' ')} with save "${rules}"`);
        const dump = join(dir, 'dump.rdb');
        assert.equal(existsSync(dump), saves, `${command.join(' ')} with save "${rules}": a dump`);
        if (saves) {
          const model = loadDump(dump);
          assert.equal(model.get(0)?.get('a')?.startsWith('1'), true);
          assert.equal(model.get(3)?.get('b')?.startsWith('2'), true);
        }
      } finally {
        fkvs.close();
        if (server.process.exitCode === null) await server.stop();
      }
    }
  });
}
