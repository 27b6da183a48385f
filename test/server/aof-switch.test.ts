import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
import {
  assertRedisLoads,
  RedisServer,
  type RespClient,
  requireRedisTools,
  tempDir,
} from '../support/redis-server.js';
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

const listing = (dir: string) => (existsSync(logDir(dir)) ? readdirSync(logDir(dir)).sort() : []);

/** fkvs in dir, appendonly as asked, the Redis front on a unix socket there (Pipe) and on TCP (writers). */
async function startFkvs(
  backendArgs: readonly string[],
  dir: string,
  appendonly: string,
  fsync = 'everysec',
) {
  const socket = join(dir, 'resp.sock');
  const { server, respPort } = await startLogged(
    backendArgs,
    dir,
    fsync,
    ['--resp-unixsocket', socket],
    [],
    appendonly,
  );
  return { server, respPort, socket, pipe: await Pipe.connect(socket) };
}

/** A copy of the model: what it held at one moment. */
const copyModel = (model: Model): Model => new Map([...model].map(([db, keys]) => [db, new Map(keys)]));

/** INFO persistence's field through redis-server's client. */
async function redisInfo(client: RespClient, field: string): Promise<string> {
  const text = String(await client.command('INFO', 'persistence'));
  return text
    .split('\r\n')
    .find((l) => l.startsWith(`${field}:`))!
    .slice(field.length + 1);
}

/** redis-server 7.0 in its own dir, appendonly no: the oracle for the same sequence. */
async function withRedis(dir: string, run: (client: RespClient) => Promise<void>): Promise<void> {
  const redis = await RedisServer.start(dir, ['--appendonly', 'no']);
  try {
    const client = await redis.connect();
    await run(client);
    client.close();
  } finally {
    await redis.stop();
  }
}

for (const [backend, backendArgs] of serverBackends) {
  test(`${backend}: CONFIG SET appendonly yes under seeded writes from several clients: the log starts with a rewrite; every key there after a restart; redis-check-aof and redis-server 7.0 agree`, async () => {
    requireRedisTools();
    const random = seededRandom(`appendonly yes under writes (${backend})`);
    const dir = tempDir('aof-switch-on');
    const keys = 20_000;
    const model: Model = new Map();
    const first = await startFkvs(backendArgs, dir, 'no');
    try {
      await fill(first.pipe, random, model, keys, 'k');
      assert.equal(await info(first.pipe, 'aof_enabled'), '0');
      assert.deepEqual(listing(dir), [], 'no log while appendonly is no');
      // Three clients, each on its own keys, write while the log starts; the first sends the switch
      // between writes of one pipeline.
      const clients = [first.pipe, await Pipe.connect(first.socket), await Pipe.connect(first.socket)];
      const prefixes = ['k', 'a', 'b'];
      const replies = await first.pipe.send([
        ...modelledWrites(random, model, keys, 'k', 200),
        ['CONFIG', 'SET', 'appendonly', 'yes'],
        ...modelledWrites(random, model, keys, 'k', 200),
      ]);
      assert.equal(replies[400], '+OK');
      assert.equal(await info(first.pipe, 'aof_enabled'), '1', 'enabled from the switch on');
      assert.deepEqual(await first.pipe.one('CONFIG', 'GET', 'appendonly'), ['$appendonly', '$yes']);
      let rounds = 0;
      const watcher = await Pipe.connect(first.socket);
      while ((await info(watcher, 'aof_rewrite_in_progress')) === '1' || rounds < 3) {
        await Promise.all(
          clients.map((c, i) => c.send(modelledWrites(random, model, keys, prefixes[i], 300))),
        );
        rounds++;
      }
      assert.equal(await info(watcher, 'aof_last_bgrewrite_status'), 'ok');
      assert.equal(await info(watcher, 'aof_rewrites'), '1');
      await Promise.all(clients.map((c, i) => c.send(modelledWrites(random, model, keys, prefixes[i], 300))));
      console.log(
        `${backend}: ${keys} keys, ${rounds} rounds of 3 x 300 writes while and after the log started`,
      );
      // Redis 7.0's layout for the first rewrite of a log turned on: base 1, incr 1.
      assert.equal(
        manifestText(dir),
        'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n',
      );
      assert.deepEqual(listing(dir), [
        'appendonly.aof.1.base.rdb',
        'appendonly.aof.1.incr.aof',
        'appendonly.aof.manifest',
      ]);
      assertSameModel(await readModel(watcher, 3), model, random.at('the keyspace before the restart'));
      for (const c of clients) c.close();
      watcher.close();
    } finally {
      assert.equal(await first.server.stop(), 0);
    }
    execFileSync('redis-check-aof', [join(logDir(dir), 'appendonly.aof.manifest')], { stdio: 'pipe' });
    const second = await startFkvs(backendArgs, dir, 'yes');
    try {
      assertSameModel(await readModel(second.pipe, 3), model, random.at('the keyspace after the restart'));
      second.pipe.close();
    } finally {
      assert.equal(await second.server.stop(), 0);
    }
    await assertRedisLoads(dir, ['--appendonly', 'yes'], contentsOf(model));
  });

  test(`${backend}: CONFIG SET appendonly no: the log ends where it was turned off, as redis-server 7.0's; on again: base 2 and incr 2`, async () => {
    const random = seededRandom(`appendonly no (${backend})`);
    const dir = tempDir('aof-switch-off');
    const model: Model = new Map();
    let atOff: Model = new Map();
    const first = await startFkvs(backendArgs, dir, 'yes');
    try {
      await fill(first.pipe, random, model, 3000, 'k');
      const replies = await first.pipe.send([
        ...modelledWrites(random, model, 3000, 'k', 300),
        ['CONFIG', 'SET', 'appendonly', 'no'],
      ]);
      assert.equal(replies[replies.length - 1], '+OK');
      atOff = copyModel(model);
      assert.equal(await info(first.pipe, 'aof_enabled'), '0');
      await new Promise((resolve) => setTimeout(resolve, 300)); // the last write and sync complete
      const sizeAtOff = listing(dir).map((f) => [f, readFileSync(join(logDir(dir), f)).length]);
      await first.pipe.send(modelledWrites(random, model, 3000, 'k', 600));
      await new Promise((resolve) => setTimeout(resolve, 1200)); // an everysec tick: nothing more written
      assert.deepEqual(
        listing(dir).map((f) => [f, readFileSync(join(logDir(dir), f)).length]),
        sizeAtOff,
        'no byte written after appendonly no',
      );
      assert.equal(
        await first.pipe.one('CONFIG', 'SET', 'appendonly', 'maybe'),
        "-ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'",
      );
      assert.equal(
        await first.pipe.one('CONFIG', 'SET', 'appendonly', 'no'),
        '+OK',
        'no again: nothing to do',
      );
      first.pipe.close();
    } finally {
      assert.equal(await first.server.stop(), 0);
    }
    assert.equal(
      manifestText(dir),
      'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n',
      'the manifest of the log as it was turned off',
    );
    const second = await startFkvs(backendArgs, dir, 'yes');
    try {
      assertSameModel(await readModel(second.pipe, 3), atOff, random.at('the log ends at appendonly no'));
      // Off and on again: the rewrite's base and incremental files take the next numbers, the old go.
      assert.equal(await second.pipe.one('CONFIG', 'SET', 'appendonly', 'no'), '+OK');
      assert.equal(await second.pipe.one('CONFIG', 'SET', 'appendonly', 'yes'), '+OK');
      await waitFor('the log on', async () => (await info(second.pipe, 'aof_rewrite_in_progress')) === '0');
      second.pipe.close();
    } finally {
      assert.equal(await second.server.stop(), 0);
    }
    assert.equal(
      manifestText(dir),
      'file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n',
    );
    // The same sequence on redis-server 7.0 leaves the same layout.
    const redisDir = tempDir('aof-switch-off-redis');
    await withRedis(redisDir, async (client) => {
      await client.command('SET', 'a', '1');
      assert.equal(await client.command('CONFIG', 'SET', 'appendonly', 'yes'), 'OK');
      await waitForRedis(client);
      assert.equal(await client.command('CONFIG', 'SET', 'appendonly', 'no'), 'OK');
      assert.equal(
        manifestText(redisDir),
        'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n',
      );
      await client.command('SET', 'b', '2');
      assert.equal(await client.command('CONFIG', 'SET', 'appendonly', 'yes'), 'OK');
      await waitForRedis(client);
    });
    assert.equal(manifestText(redisDir), manifestText(dir));
    assert.deepEqual(listing(redisDir), listing(dir));
  });

  test(`${backend}: BGREWRITEAOF with the log off writes a base and a manifest, as redis-server 7.0`, async () => {
    requireRedisTools();
    const random = seededRandom(`bgrewriteaof off (${backend})`);
    const dir = tempDir('aof-switch-rewrite-off');
    const model: Model = new Map();
    const first = await startFkvs(backendArgs, dir, 'no');
    const replies: string[] = [];
    try {
      await fill(first.pipe, random, model, 5000, 'k');
      replies.push(String(await first.pipe.one('BGREWRITEAOF')));
      await waitFor('the rewrite', async () => (await info(first.pipe, 'aof_rewrite_in_progress')) === '0');
      replies.push(
        await info(first.pipe, 'aof_enabled'),
        await info(first.pipe, 'aof_last_bgrewrite_status'),
      );
      replies.push(manifestText(dir), listing(dir).join(' '));
      // After a log that was on: its files become history and go; the manifest names the base alone.
      assert.equal(await first.pipe.one('CONFIG', 'SET', 'appendonly', 'yes'), '+OK');
      await waitFor('the log on', async () => (await info(first.pipe, 'aof_rewrite_in_progress')) === '0');
      await first.pipe.send(modelledWrites(random, model, 5000, 'k', 300));
      assert.equal(await first.pipe.one('CONFIG', 'SET', 'appendonly', 'no'), '+OK');
      replies.push(String(await first.pipe.one('BGREWRITEAOF')));
      await waitFor('the rewrite', async () => (await info(first.pipe, 'aof_rewrite_in_progress')) === '0');
      replies.push(manifestText(dir), listing(dir).join(' '));
      first.pipe.close();
    } finally {
      assert.equal(await first.server.stop(), 0);
    }
    const redisDir = tempDir('aof-switch-rewrite-off-redis');
    const redisReplies: string[] = [];
    await withRedis(redisDir, async (client) => {
      await client.command('SET', 'a', '1');
      redisReplies.push(`+${await client.command('BGREWRITEAOF')}`);
      await waitForRedis(client);
      redisReplies.push(
        await redisInfo(client, 'aof_enabled'),
        await redisInfo(client, 'aof_last_bgrewrite_status'),
      );
      redisReplies.push(manifestText(redisDir), listing(redisDir).join(' '));
      await client.command('CONFIG', 'SET', 'appendonly', 'yes');
      await waitForRedis(client);
      await client.command('SET', 'b', '2');
      await client.command('CONFIG', 'SET', 'appendonly', 'no');
      redisReplies.push(`+${await client.command('BGREWRITEAOF')}`);
      await waitForRedis(client);
      redisReplies.push(manifestText(redisDir), listing(redisDir).join(' '));
    });
    assert.deepEqual(replies, redisReplies);
    assert.equal(manifestText(dir), 'file appendonly.aof.3.base.rdb seq 3 type b\n');
    execFileSync('redis-check-aof', [join(logDir(dir), 'appendonly.aof.manifest')], { stdio: 'pipe' });
    // The base alone is the keyspace: fkvs and redis-server load it equal.
    const second = await startFkvs(backendArgs, dir, 'yes');
    try {
      assertSameModel(await readModel(second.pipe, 3), model, random.at('loaded from the base'));
      second.pipe.close();
    } finally {
      assert.equal(await second.server.stop(), 0);
    }
    await assertRedisLoads(dir, ['--appendonly', 'yes'], contentsOf(model));
  });

  test(`${backend}: CONFIG SET appendonly yes while a BGSAVE runs is scheduled, as redis-server 7.0, and starts after it`, async () => {
    const random = seededRandom(`appendonly yes during bgsave (${backend})`);
    const dir = tempDir('aof-switch-scheduled');
    const model: Model = new Map();
    const first = await startFkvs(backendArgs, dir, 'no');
    try {
      await fill(first.pipe, random, model, 150_000, 'k');
      const replies = await first.pipe.send([
        ['BGSAVE'],
        ['CONFIG', 'SET', 'appendonly', 'yes'],
        ['INFO', 'persistence'],
        ['BGREWRITEAOF'],
        ...modelledWrites(random, model, 150_000, 'k', 400),
      ]);
      assert.deepEqual(replies.slice(0, 2), ['+Background saving started', '+OK']);
      const fields = String(replies[2]);
      for (const line of [
        'rdb_bgsave_in_progress:1',
        'aof_enabled:1',
        'aof_rewrite_in_progress:0',
        'aof_rewrite_scheduled:1',
        'aof_pending_rewrite:1',
      ])
        assert.ok(fields.includes(`${line}\r\n`), `INFO says ${line}`);
      assert.equal(replies[3], '+Background append only file rewriting scheduled');
      assert.match(
        first.server.output(),
        /AOF was enabled but there is already another background operation/,
      );
      await waitFor('the log on', async () => (await info(first.pipe, 'aof_rewrites')) === '1');
      assert.equal(
        await info(first.pipe, 'rdb_bgsave_in_progress'),
        '0',
        'the rewrite started after the save',
      );
      await waitFor('its end', async () => (await info(first.pipe, 'aof_rewrite_in_progress')) === '0');
      assert.equal(await info(first.pipe, 'aof_rewrite_scheduled'), '0');
      assert.equal(
        manifestText(dir),
        'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n',
      );
      await first.pipe.send(modelledWrites(random, model, 150_000, 'k', 400));
      first.pipe.close();
    } finally {
      assert.equal(await first.server.stop(), 0);
    }
    const second = await startFkvs(backendArgs, dir, 'yes');
    try {
      assertSameModel(await readModel(second.pipe, 3), model, random.at('after the restart'));
      second.pipe.close();
    } finally {
      assert.equal(await second.server.stop(), 0);
    }
  });

  test(`${backend}: appendfsync always: no write acknowledged after CONFIG SET appendonly yes is lost by a SIGKILL before the log's base is in place`, async () => {
    const random = seededRandom(`appendonly yes, always, kill (${backend})`);
    const dir = tempDir('aof-switch-kill');
    const filled: Model = new Map();
    const writers: PipelinedWriter[] = [];
    const first = await startFkvs(backendArgs, dir, 'no', 'always');
    try {
      await fill(first.pipe, random, filled, 300_000, 'k');
      assert.equal(await first.pipe.one('CONFIG', 'SET', 'appendonly', 'yes'), '+OK');
      for (let c = 0; c < 4; c++) writers.push(new PipelinedWriter(first.respPort, `w${c}`, 16));
      await waitFor('the temp base', async () =>
        existsSync(join(dir, `temp-rewriteaof-bg-${first.server.process.pid}.aof`)),
      );
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
    const listed = existsSync(join(logDir(dir), 'appendonly.aof.manifest'));
    const second = await startFkvs(backendArgs, dir, 'yes', 'always');
    try {
      const { keys, values: expected } = acknowledged(writers);
      const values = await readValues(second.respPort, keys);
      const missing = keys.filter((_k, i) => values[i] !== expected[i]);
      console.log(
        `${backend}: killed ${listed ? 'after' : 'before'} the manifest was in place; ${keys.length} writes acknowledged`,
      );
      assert.equal(
        missing.length,
        0,
        random.at(`${missing.length} of ${keys.length} acknowledged writes missing`),
      );
      second.pipe.close();
    } finally {
      assert.equal(await second.server.stop(), 0);
    }
  });
}

/** Until redis-server's rewrite ended (its child is quick on these sizes). */
async function waitForRedis(client: RespClient): Promise<void> {
  await waitFor('redis-server rewrite', async () => {
    const running = await redisInfo(client, 'aof_rewrite_in_progress');
    const scheduled = await redisInfo(client, 'aof_rewrite_scheduled');
    return running === '0' && scheduled === '0';
  });
}

test('CONFIG SET appendonly yes that cannot start its rewrite answers Redis 7.0 error and leaves the log off', async () => {
  const dir = tempDir('aof-switch-refused');
  writeFileSync(logDir(dir), 'a file where the log directory goes');
  const started = await startFkvs(serverBackends[0][1], dir, 'no');
  try {
    const pipe = started.pipe;
    assert.deepEqual(
      await pipe.send([
        ['SET', 'a', '1'],
        ['CONFIG', 'SET', 'appendonly', 'yes'],
      ]),
      [
        '+OK',
        "-ERR CONFIG SET failed (possibly related to argument 'appendonly') - Unable to turn on AOF. Check server logs.",
      ],
    );
    assert.deepEqual(await pipe.one('CONFIG', 'GET', 'appendonly'), ['$appendonly', '$no']);
    assert.equal(await info(pipe, 'aof_enabled'), '0');
    assert.equal(await info(pipe, 'aof_rewrite_scheduled'), '0');
    assert.equal(
      await pipe.one('BGREWRITEAOF'),
      "-ERR Can't execute an AOF background rewriting. Please check the server logs for more information.",
    );
    assert.equal(await pipe.one('SET', 'b', '2'), '+OK', 'writes go on, unlogged');
    assert.match(started.server.output(), /Can't open or create append-only dir/);
    pipe.close();
  } finally {
    assert.equal(await started.server.stop(), 0);
  }
});
