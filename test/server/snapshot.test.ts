import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { rep, req } from '../support/fkvs.js';
import { seededRandom } from '../support/random.js';
import {
  assertRedisLoads,
  requireRedisTools,
  type StringContents,
  tempDir,
} from '../support/redis-server.js';
import {
  assertSameModel,
  deadlineBaseMs,
  fill,
  info,
  loadDump,
  type Model,
  Pipe,
  waitFor,
} from '../support/resp-pipe.js';
import { FrameClient, type RunningServer, serverBackends, startServer } from '../support/server-process.js';

/** Redis 7.0's reply to a write after a failed BGSAVE (stop-writes-on-bgsave-error yes), read from redis-server. */
const misconf =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. " +
  'Commands that may modify the data set are disabled, because this instance is configured to report ' +
  'errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). ' +
  'Please check the Redis logs for details about the RDB error.';

async function withSnapshotServer(
  flags: readonly string[],
  extra: string[],
  run: (server: RunningServer, dir: string, socket: string) => Promise<void>,
): Promise<void> {
  const dir = tempDir('snapshot');
  const socket = join(dir, 'resp.sock');
  const server = await startServer([...flags, '--resp-unixsocket', socket, '--dir', dir, ...extra]);
  try {
    await run(server, dir, socket);
  } finally {
    if (server.process.exitCode === null && server.process.signalCode === null) await server.stop();
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

for (const [backend, flags] of serverBackends) {
  test(`${backend}: BGSAVE under seeded writes saves the keyspace as it was when it started; P1 latency meanwhile`, async () => {
    requireRedisTools();
    const random = seededRandom(`bgsave under writes (${backend})`);
    await withSnapshotServer(flags, [], async (server, dir, socket) => {
      const writer = await Pipe.connect(socket);
      const watcher = await Pipe.connect(socket);
      const model: Model = new Map();
      const keys = 150_000;
      await fill(writer, random, model, keys, 'k');
      // BGSAVE and the first writes go in one pipeline: the server runs them in order, so the writes
      // come after the snapshot's start, before its walk has reached most keys.
      const writes = () => {
        const commands: string[][] = [];
        for (let i = 0; i < 400; i++) {
          const key = `k:${random.int(keys * 2)}`;
          commands.push(['SELECT', String(random.int(3))]);
          const choice = random.int(6);
          if (choice < 2) commands.push(['SET', key, 'w'.repeat(random.int(300))]);
          else if (choice === 2) commands.push(['DEL', key]);
          else if (choice === 3) commands.push(['PEXPIREAT', key, String(deadlineBaseMs + random.int(1000))]);
          else if (choice === 4) commands.push(['PERSIST', key]);
          else commands.push(['INCR', `${key}:n`]);
        }
        return commands;
      };
      const [started] = await writer.send([['BGSAVE'], ...writes()]);
      assert.equal(started, '+Background saving started');
      assert.equal(await writer.one('BGSAVE'), '-ERR Background save already in progress');
      assert.equal(await writer.one('SAVE'), '-ERR Background save already in progress');
      // Writes go on, and a P1 client's GETs are timed, until the save is over.
      const latencies: number[] = [];
      let saving = true;
      const load = (async () => {
        while (saving) await writer.send(writes());
      })();
      while (saving) {
        const t = performance.now();
        await watcher.one('GET', `k:${random.int(keys)}`);
        latencies.push(performance.now() - t);
        if (latencies.length % 20 === 0) saving = (await info(watcher, 'rdb_bgsave_in_progress')) === '1';
      }
      await load;
      assert.equal(await info(watcher, 'rdb_last_bgsave_status'), 'ok');
      const kept = Number(await info(watcher, 'rdb_last_cow_size'));
      assert.ok(kept > 0, 'keys were copied before a write changed them');
      latencies.sort((a, b) => a - b);
      const summary = server.output().match(/Background saving terminated with success: .*/)?.[0];
      console.log(
        `${backend}: ${keys} keys; P1 GET during the save: ${latencies.length} requests, p50 ${percentile(latencies, 0.5).toFixed(3)} ms, ` +
          `p99 ${percentile(latencies, 0.99).toFixed(3)} ms, max ${latencies[latencies.length - 1].toFixed(3)} ms; ${summary}`,
      );
      const dump = join(dir, 'dump.rdb');
      assertSameModel(loadDump(dump), model, random.at('the dump'));
      execFileSync('redis-check-rdb', [dump], { stdio: 'pipe' });
      assert.deepEqual(
        readdirSync(dir).filter((f) => f.startsWith('temp-')),
        [],
        'no temp file left',
      );
      writer.close();
      watcher.close();
    });
  });

  test(`${backend}: SIGKILL during a BGSAVE leaves the previous dump whole`, async () => {
    const random = seededRandom(`kill during bgsave (${backend})`);
    await withSnapshotServer(flags, [], async (server, dir, socket) => {
      const pipe = await Pipe.connect(socket);
      const before: Model = new Map();
      await fill(pipe, random, before, 2000, 'old');
      assert.equal(await pipe.one('SAVE'), '+OK');
      await fill(pipe, random, new Map(), 300_000, 'new');
      assert.equal(await pipe.one('BGSAVE'), '+Background saving started');
      assert.equal(await info(pipe, 'rdb_bgsave_in_progress'), '1');
      server.process.kill('SIGKILL');
      await new Promise((resolve) => server.process.once('exit', resolve));
      const temp = join(dir, `temp-${server.process.pid}.rdb`);
      assert.ok(existsSync(temp), 'the kill came during the save: its temp file is there');
      const dump = join(dir, 'dump.rdb');
      execFileSync('redis-check-rdb', [dump], { stdio: 'pipe' });
      assertSameModel(loadDump(dump), before, random.at('the dump saved before'));
      pipe.close();
    });
  });

  test(`${backend}: the dumps of SAVE and BGSAVE pass redis-check-rdb and load in redis-server with equal contents`, async () => {
    requireRedisTools();
    await withSnapshotServer(flags, [], async (_server, dir, socket) => {
      const pipe = await Pipe.connect(socket);
      const expected: StringContents = new Map();
      const put = async (db: number, key: string, value: Buffer, deadlineMs: number) => {
        const args = ['SET', key, value.toString('latin1')];
        if (deadlineMs !== 0) args.push('PXAT', String(deadlineMs));
        await pipe.send([['SELECT', String(db)], args]);
        if (!expected.has(db)) expected.set(db, new Map());
        expected.get(db)!.set(key, { value, deadlineMs });
      };
      const binary = Buffer.alloc(256);
      for (let i = 0; i < 256; i++) binary[i] = i;
      await put(0, 'plain', Buffer.from('hello'), 0);
      await put(0, 'integer', Buffer.from('-300'), 0);
      await put(0, 'not-canonical', Buffer.from('007'), 0);
      await put(0, binary.toString('latin1'), binary, deadlineBaseMs + 1);
      await put(3, 'large', Buffer.alloc(3 * 1024 * 1024, 'x'), deadlineBaseMs + 2);
      for (let i = 0; i < 500; i++) await put(15, `many:${i}`, Buffer.from(String(i * 7919)), 0);
      for (const command of ['SAVE', 'BGSAVE']) {
        const reply = await pipe.one(command);
        if (command === 'BGSAVE') {
          assert.equal(reply, '+Background saving started');
          await waitFor('the save', async () => (await info(pipe, 'rdb_bgsave_in_progress')) === '0');
          assert.equal(await info(pipe, 'rdb_last_bgsave_status'), 'ok');
        } else {
          assert.equal(reply, '+OK');
        }
        const dump = join(dir, 'dump.rdb');
        execFileSync('redis-check-rdb', [dump], { stdio: 'pipe' });
        const redisDir = tempDir('redis-loads');
        copyFileSync(dump, join(redisDir, 'dump.rdb'));
        await assertRedisLoads(redisDir, [], expected);
      }
      pipe.close();
    });
  });

  test(`${backend}: save rules fire, LASTSAVE and INFO follow, and SIGTERM saves first`, async () => {
    await withSnapshotServer(flags, ['--save', '1 2 3600 1'], async (server, dir, socket) => {
      const pipe = await Pipe.connect(socket);
      assert.deepEqual(await pipe.one('CONFIG', 'GET', 'save'), ['$save', '$1 2 3600 1']);
      const startedSave = Number(await pipe.one('LASTSAVE'));
      await pipe.send([
        ['SET', 'a', '1'],
        ['SET', 'b', '2'],
      ]);
      assert.equal(await info(pipe, 'rdb_changes_since_last_save'), '2');
      await waitFor(
        'the rule "1 2" to save',
        async () => Number(await pipe.one('LASTSAVE')) > startedSave,
        10_000,
      );
      await waitFor('the save to end', async () => (await info(pipe, 'rdb_bgsave_in_progress')) === '0');
      assert.equal(await info(pipe, 'rdb_changes_since_last_save'), '0');
      assert.equal(await info(pipe, 'rdb_saves'), '1');
      assert.match(server.output(), /2 changes in 1 seconds\. Saving\.\.\./);
      assert.equal(loadDump(join(dir, 'dump.rdb')).get(0)?.size, 2);
      // One change is below the "1 2" rule and younger than "3600 1": only the shutdown saves it.
      assert.equal(await pipe.one('SET', 'c', '3'), '+OK');
      pipe.close();
      assert.equal(await server.stop(), 0);
      assert.match(server.output(), /Saving the final RDB snapshot before exiting/);
      assert.equal(loadDump(join(dir, 'dump.rdb')).get(0)?.size, 3);
    });
  });

  test(`${backend}: a failed BGSAVE with save rules set turns writes of both protocols away (MISCONF) until a save works`, async () => {
    await withSnapshotServer(flags, ['--save', '3600 1'], async (server, dir, socket) => {
      const pipe = await Pipe.connect(socket);
      const fkvs = await FrameClient.connect(server.address);
      const exchange = async (request: Buffer) => {
        fkvs.send(request);
        return (await fkvs.frames(1))[0];
      };
      assert.equal(await pipe.one('SET', 'a', '1'), '+OK');
      assert.deepEqual(await pipe.one('CONFIG', 'GET', 'stop-writes-on-bgsave-error'), [
        '$stop-writes-on-bgsave-error',
        '$yes',
      ]);
      // The tests run as root, whom permissions do not stop: the temp file's path taken by a
      // directory is what makes the save fail.
      const temp = join(dir, `temp-${server.process.pid}.rdb`);
      mkdirSync(temp);
      // Should an assertion fail, the stop's final save must not find the directory still there.
      const removeTemp = () => rmSync(temp, { recursive: true, force: true });
      try {
        // As Redis 7.0 (whose forked child fails to open the file): started, and the failure shows after.
        assert.equal(await pipe.one('BGSAVE'), '+Background saving started');
        assert.equal(await info(pipe, 'rdb_last_bgsave_status'), 'err');
        assert.equal(await info(pipe, 'rdb_last_bgsave_time_sec'), '0');
        assert.equal(await info(pipe, 'rdb_saves'), '1', 'as Redis 7.0: saves tried');
        assert.match(server.output(), /Failed opening the temp RDB file.*\n.*Background saving error/);
        assert.equal(await pipe.one('SAVE'), '-ERR');
        assert.equal(await info(pipe, 'rdb_saves'), '2');
        assert.equal(await pipe.one('SET', 'b', '2'), `-${misconf}`);
        assert.equal(await pipe.one('DEL', 'a'), `-${misconf}`);
        assert.equal(await pipe.one('PING'), `-${misconf}`, 'as Redis 7.0: PING is refused too');
        assert.equal(await pipe.one('GET', 'a'), '$1');
        assert.equal(await exchange(req.set('f', '1')), rep.err);
        assert.equal(await exchange(req.incr('n')), rep.err);
        assert.equal(await exchange(req.get('a')), rep.value('1'));
        // The refusal follows the settings, as Redis's check of each command.
        assert.equal(await pipe.one('CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'no'), '+OK');
        assert.equal(await pipe.one('SET', 'b', '2'), '+OK');
        assert.equal(await pipe.one('CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'yes'), '+OK');
        assert.equal(await pipe.one('CONFIG', 'SET', 'save', ''), '+OK');
        assert.equal(await pipe.one('SET', 'b', '3'), '+OK');
        assert.equal(await pipe.one('CONFIG', 'SET', 'save', '3600 1'), '+OK');
        assert.equal(await pipe.one('SET', 'b', '4'), `-${misconf}`);
        assert.equal(
          await pipe.one('CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'maybe'),
          "-ERR CONFIG SET failed (possibly related to argument 'stop-writes-on-bgsave-error') - argument must be 'yes' or 'no'",
        );
      } finally {
        removeTemp();
      }
      // The cause gone, the next save that works lifts it.
      assert.equal(await pipe.one('BGSAVE'), '+Background saving started');
      await waitFor('the save', async () => (await info(pipe, 'rdb_bgsave_in_progress')) === '0');
      assert.equal(await info(pipe, 'rdb_last_bgsave_status'), 'ok');
      assert.equal(await pipe.one('SET', 'b', '5'), '+OK');
      assert.equal(await pipe.one('PING'), '+PONG');
      assert.equal(await exchange(req.set('f', '1')), rep.value('1'));
      fkvs.end();
      pipe.close();
    });
  });
}

test('CONFIG SET save checks its pairs as Redis; save "" turns the rules off', async () => {
  await withSnapshotServer(
    serverBackends[0][1],
    ['--save', '3600 1 300 100 60 10000'],
    async (_s, _d, socket) => {
      const pipe = await Pipe.connect(socket);
      assert.deepEqual(await pipe.one('CONFIG', 'GET', 'save'), ['$save', '$3600 1 300 100 60 10000']);
      for (const bad of ['1', '0 1', '10 -1', 'x 1']) {
        assert.equal(
          await pipe.one('CONFIG', 'SET', 'save', bad),
          "-ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters",
        );
      }
      assert.equal(await pipe.one('CONFIG', 'SET', 'save', ''), '+OK');
      assert.deepEqual(await pipe.one('CONFIG', 'GET', 'save'), ['$save', '$']);
      assert.deepEqual(await pipe.one('CONFIG', 'GET', 'dbfilename'), ['$dbfilename', '$dump.rdb']);
      assert.equal(await pipe.one('BGSAVE', 'SCHEDULE'), '+Background saving started');
      assert.equal(await pipe.one('BGSAVE', 'NOW'), '-ERR syntax error');
      pipe.close();
    },
  );
});
