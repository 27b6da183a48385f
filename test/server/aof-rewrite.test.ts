import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  acknowledged,
  kill,
  logDir,
  manifestText,
  PipelinedWriter,
  readValues,
  startLogged,
} from '../support/aof-clients.js';
import { seededRandom } from '../support/random.js';
import { assertRedisLoads, requireRedisTools, tempDir } from '../support/redis-server.js';
import {
  assertSameModel,
  contentsOf,
  fill,
  info,
  type Model,
  modelledWrites,
  Pipe,
  readModel,
  waitFor,
} from '../support/resp-pipe.js';
import { serverBackends } from '../support/server-process.js';

const tempBase = (dir: string, pid: number | undefined) => join(dir, `temp-rewriteaof-bg-${pid}.aof`);

/** fkvs with the log in dir, the Redis front on a unix socket there (for Pipe) and on TCP (for the writers). */
async function startWithPipe(
  backendArgs: readonly string[],
  dir: string,
  fsync: string,
  extra: string[] = [],
) {
  const socket = join(dir, 'resp.sock');
  const started = await startLogged(backendArgs, dir, fsync, ['--resp-unixsocket', socket, ...extra]);
  return { ...started, pipe: await Pipe.connect(socket), socket };
}

for (const [backend, backendArgs] of serverBackends) {
  test(`${backend}: BGREWRITEAOF under seeded writes loses nothing; the new layout passes redis-check-aof and loads equal in fkvs and redis-server 7.0`, async () => {
    requireRedisTools();
    const random = seededRandom(`rewrite under writes (${backend})`);
    const dir = tempDir('aof-rewrite');
    const keys = 20_000;
    const model: Model = new Map();
    const first = await startWithPipe(backendArgs, dir, 'everysec');
    try {
      const writer = first.pipe;
      const watcher = await Pipe.connect(first.socket);
      await fill(writer, random, model, keys, 'k');
      // Writes in the same pipeline come before the switch to the new incremental file; those of the
      // loop below go to it while the base is written.
      const [started, again] = await writer.send([
        ['BGREWRITEAOF'],
        ['BGREWRITEAOF'],
        ...modelledWrites(random, model, keys * 2, 'k', 400),
      ]);
      assert.equal(started, '+Background append only file rewriting started');
      assert.equal(again, '-ERR Background append only file rewriting already in progress');
      let batches = 0;
      while ((await info(watcher, 'aof_rewrite_in_progress')) === '1' || batches < 3) {
        await writer.send(modelledWrites(random, model, keys * 2, 'k', 400));
        batches++;
      }
      assert.equal(await info(watcher, 'aof_last_bgrewrite_status'), 'ok');
      assert.equal(await info(watcher, 'aof_rewrites'), '1');
      await writer.send(modelledWrites(random, model, keys * 2, 'k', 400));
      const size = Number(await info(watcher, 'aof_current_size'));
      const base = Number(await info(watcher, 'aof_base_size'));
      console.log(
        `${backend}: ${keys} keys, ${batches} batches of 400 writes during and after the rewrite; ` +
          `aof_last_cow_size ${await info(watcher, 'aof_last_cow_size')}, aof_base_size ${base}, aof_current_size ${size}; ` +
          `${first.server.output().match(/Background AOF rewrite finished successfully: .*/)?.[0]}`,
      );
      assert.ok(size > base, 'the writes after the rewrite are in the log');
      assert.equal(
        manifestText(dir),
        'file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n',
      );
      assert.deepEqual(readdirSync(logDir(dir)).sort(), [
        'appendonly.aof.2.base.rdb',
        'appendonly.aof.2.incr.aof',
        'appendonly.aof.manifest',
      ]);
      assert.ok(!existsSync(tempBase(dir, first.server.process.pid)), 'no temp base left');
      assertSameModel(await readModel(watcher, 3), model, random.at('the keyspace before the restart'));
      writer.close();
      watcher.close();
    } finally {
      assert.equal(await first.server.stop(), 0);
    }
    execFileSync('redis-check-aof', [join(logDir(dir), 'appendonly.aof.manifest')], { stdio: 'pipe' });
    const second = await startWithPipe(backendArgs, dir, 'everysec');
    try {
      assertSameModel(await readModel(second.pipe, 3), model, random.at('the keyspace after the restart'));
      second.pipe.close();
    } finally {
      assert.equal(await second.server.stop(), 0);
    }
    await assertRedisLoads(dir, ['--appendonly', 'yes'], contentsOf(model));
  });

  test(`${backend}: SIGKILL during a rewrite under appendfsync always: every acknowledged write is there after the restart`, async () => {
    const random = seededRandom(`kill during rewrite (${backend})`);
    const dir = tempDir('aof-rewrite-kill');
    const filled: Model = new Map();
    const writers: PipelinedWriter[] = [];
    const first = await startWithPipe(backendArgs, dir, 'always');
    let pid: number | undefined;
    try {
      await fill(first.pipe, random, filled, 300_000, 'k');
      for (let c = 0; c < 4; c++) writers.push(new PipelinedWriter(first.respPort, `w${c}`, 16));
      assert.equal(await first.pipe.one('BGREWRITEAOF'), '+Background append only file rewriting started');
      pid = first.server.process.pid;
      // The log has switched files once the temp base exists; the kill comes a seeded moment after.
      await waitFor('the temp base', async () => existsSync(tempBase(dir, pid)), 10_000);
      await new Promise((resolve) => setTimeout(resolve, random.int(150)));
      await kill(first.server);
      for (const writer of writers) {
        writer.stop();
        assert.equal(writer.errors, 0, writer.lastError);
      }
      first.pipe.close();
    } finally {
      await kill(first.server);
    }
    assert.ok(existsSync(tempBase(dir, pid)), 'the kill came during the rewrite: its temp base is there');
    assert.equal(
      manifestText(dir),
      'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n' +
        'file appendonly.aof.2.incr.aof seq 2 type i\n',
      'the manifest of a rewrite that has not ended: the new incremental file after the old',
    );
    const second = await startWithPipe(backendArgs, dir, 'always');
    try {
      const { keys, values: expected } = acknowledged(writers);
      assert.ok(keys.length > 0, 'the writers were acknowledged before the kill');
      const values = await readValues(second.respPort, keys);
      const missing = keys.filter((_k, i) => values[i] !== expected[i]);
      assert.equal(
        missing.length,
        0,
        random.at(`${missing.length} of ${keys.length} acknowledged writes missing (${missing.slice(0, 5)})`),
      );
      const sample = [...filled.get(0)!.keys()].filter(() => random.int(100) === 0);
      const sampled = await readValues(second.respPort, sample);
      sample.forEach((key, i) => {
        const both = filled.get(0)!.get(key)!;
        assert.equal(sampled[i], both.slice(0, both.lastIndexOf('@')), random.at(key));
      });
      console.log(
        `${backend}: ${keys.length} acknowledged writes and ${sample.length} filled keys checked after the kill`,
      );
      // The log goes on: a rewrite after the restart puts a clean layout in place.
      assert.equal(await second.pipe.one('BGREWRITEAOF'), '+Background append only file rewriting started');
      await waitFor('the rewrite', async () => (await info(second.pipe, 'aof_rewrite_in_progress')) === '0');
      assert.equal(await info(second.pipe, 'aof_last_bgrewrite_status'), 'ok');
      assert.equal(
        manifestText(dir),
        'file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.3.incr.aof seq 3 type i\n',
      );
      second.pipe.close();
    } finally {
      assert.equal(await second.server.stop(), 0);
    }
  });
}

test('auto-aof-rewrite-percentage and -min-size as Redis: config, the rule, and BGSAVE and BGREWRITEAOF scheduling each other', async () => {
  const random = seededRandom('auto rewrite');
  const dir = tempDir('aof-rewrite-auto');
  const started = await startWithPipe(serverBackends[0][1], dir, 'everysec', [
    '--auto-aof-rewrite-min-size',
    '100kb',
  ]);
  const pipe = started.pipe;
  try {
    assert.deepEqual(await pipe.one('CONFIG', 'GET', 'auto-aof-rewrite-*'), [
      '$auto-aof-rewrite-percentage',
      '$100',
      '$auto-aof-rewrite-min-size',
      '$102400',
    ]);
    assert.equal(
      await pipe.one('CONFIG', 'SET', 'auto-aof-rewrite-percentage', '-1'),
      "-ERR CONFIG SET failed (possibly related to argument 'auto-aof-rewrite-percentage') - argument must be between 0 and 2147483647 inclusive",
    );
    assert.equal(
      await pipe.one('CONFIG', 'SET', 'auto-aof-rewrite-min-size', '1x'),
      "-ERR CONFIG SET failed (possibly related to argument 'auto-aof-rewrite-min-size') - argument must be a memory value",
    );
    // Off: the log grows past the size and far past 100% without a rewrite.
    assert.equal(await pipe.one('CONFIG', 'SET', 'auto-aof-rewrite-percentage', '0'), '+OK');
    await fill(pipe, random, new Map(), 4000, 'k');
    const grown = Number(await info(pipe, 'aof_current_size'));
    assert.ok(grown > 2 * 102400, `the log grew to ${grown} bytes`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(await info(pipe, 'aof_rewrites'), '0');
    // On: the next check rewrites it, as the log is over 100% larger than its base.
    assert.equal(await pipe.one('CONFIG', 'SET', 'auto-aof-rewrite-percentage', '100'), '+OK');
    await waitFor('the automatic rewrite', async () => (await info(pipe, 'aof_rewrites')) === '1', 5000);
    await waitFor('its end', async () => (await info(pipe, 'aof_rewrite_in_progress')) === '0');
    assert.match(started.server.output(), /Starting automatic rewriting of AOF on \d+% growth/);
    const base = Number(await info(pipe, 'aof_base_size'));
    assert.equal(
      Number(await info(pipe, 'aof_current_size')),
      base,
      'aof_base_size is the size after the rewrite',
    );
    // Below 100% growth over that base: no second rewrite.
    await pipe.one('SET', 'small', 'x'.repeat(Math.floor(base / 4)));
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(await info(pipe, 'aof_rewrites'), '1');

    // One background job at a time, as Redis's one child: each waits for the other when scheduled.
    assert.equal(await pipe.one('CONFIG', 'SET', 'auto-aof-rewrite-percentage', '0'), '+OK');
    await fill(pipe, random, new Map(), 200_000, 'many');
    assert.deepEqual(await pipe.send([['BGSAVE'], ['BGREWRITEAOF'], ['BGREWRITEAOF']]), [
      '+Background saving started',
      '+Background append only file rewriting scheduled',
      '+Background append only file rewriting scheduled',
    ]);
    assert.equal(await info(pipe, 'aof_rewrite_scheduled'), '1');
    assert.equal(await info(pipe, 'aof_pending_rewrite'), '1');
    await waitFor('the scheduled rewrite', async () => (await info(pipe, 'aof_rewrites')) === '2');
    assert.equal(await info(pipe, 'rdb_bgsave_in_progress'), '0', 'it started after the save');
    await waitFor('its end', async () => (await info(pipe, 'aof_rewrite_in_progress')) === '0');
    assert.equal(await info(pipe, 'aof_rewrite_scheduled'), '0');
    assert.deepEqual(
      await pipe.send([['BGREWRITEAOF'], ['BGSAVE'], ['BGSAVE', 'SCHEDULE'], ['BGREWRITEAOF']]),
      [
        '+Background append only file rewriting started',
        "-ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.",
        '+Background saving scheduled',
        '-ERR Background append only file rewriting already in progress',
      ],
    );
    await waitFor('the scheduled save', async () => (await info(pipe, 'rdb_saves')) === '2');
    assert.equal(await info(pipe, 'aof_rewrite_in_progress'), '0', 'the save started after the rewrite');
    assert.equal(await info(pipe, 'aof_last_bgrewrite_status'), 'ok');
    assert.equal(await info(pipe, 'rdb_last_bgsave_status'), 'ok');
    pipe.close();
  } finally {
    assert.equal(await started.server.stop(), 0);
  }
});
