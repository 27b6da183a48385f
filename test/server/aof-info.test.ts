import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { RedisServer, requireRedisTools, tempDir } from '../support/redis-server.js';
import { Pipe, waitFor } from '../support/resp-pipe.js';
import { serverBackends, startServer } from '../support/server-process.js';

// INFO persistence's aof_* fields against redis-server 7.0's: on a layout made at start-up, after a
// write, and after a restart that loads the layout.

/** The aof_* fields of INFO persistence, by name. */
async function aofFields(pipe: Pipe): Promise<Map<string, string>> {
  const text = String(await pipe.one('INFO', 'persistence')).slice(1);
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    if (!line.startsWith('aof_')) continue;
    const colon = line.indexOf(':');
    fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** Bytes of the log's base and incremental files, as its manifest names them. */
function fileBytes(dir: string): { base: number; incremental: number } {
  const logDir = join(dir, 'appendonlydir');
  const sizes = { base: 0, incremental: 0 };
  for (const line of readFileSync(join(logDir, 'appendonly.aof.manifest'), 'latin1').split('\n')) {
    const [, name, , , , type] = line.split(' ');
    if (type === 'b') sizes.base += statSync(join(logDir, name)).size;
    if (type === 'i') sizes.incremental += statSync(join(logDir, name)).size;
  }
  return sizes;
}

interface Stages {
  fresh: Map<string, string>;
  written: Map<string, string>;
  restarted: Map<string, string>;
  /** The files after the restart. */
  files: { base: number; incremental: number };
}

/** Fields at each stage, from a server started (twice) in dir by `start`, reached over a unix socket. */
async function stages(
  dir: string,
  start: () => Promise<{ socket: string; stop: () => Promise<void> }>,
): Promise<Stages> {
  let server = await start();
  let pipe = await Pipe.connect(server.socket);
  const fresh = await aofFields(pipe);
  assert.equal(await pipe.one('SET', 'a', '1'), '+OK');
  // Written once the log's buffer went out (the next loop turn).
  await waitFor('the write in the log', async () => (await aofFields(pipe)).get('aof_buffer_length') === '0');
  const written = await aofFields(pipe);
  pipe.close();
  await server.stop();
  server = await start();
  pipe = await Pipe.connect(server.socket);
  const restarted = await aofFields(pipe);
  pipe.close();
  await server.stop();
  return { fresh, written, restarted, files: fileBytes(dir) };
}

for (const [backend, flags] of serverBackends) {
  test(`${backend}: INFO aof_* fields as redis-server 7.0 on a fresh layout, after a write and after a restart`, async () => {
    requireRedisTools();
    const redisDir = tempDir('aof-info-redis');
    const redis = await stages(redisDir, async () => {
      const server = await RedisServer.start(redisDir, ['--appendonly', 'yes']);
      return { socket: server.socketPath, stop: () => server.stop() };
    });
    const fkvsDir = tempDir('aof-info-fkvs');
    const socket = join(fkvsDir, 'resp.sock');
    const fkvs = await stages(fkvsDir, async () => {
      const server = await startServer([
        ...flags,
        '--dir',
        fkvsDir,
        '--appendonly',
        'yes',
        '--resp-unixsocket',
        socket,
      ]);
      return {
        socket,
        stop: async () => {
          assert.equal(await server.stop(), 0);
        },
      };
    });
    // What Redis did, so that a change of the oracle shows here: sizes count what was loaded and written.
    assert.equal(redis.fresh.get('aof_current_size'), '0');
    assert.equal(redis.fresh.get('aof_base_size'), '0');
    for (const name of redis.fresh.keys()) {
      assert.equal(fkvs.fresh.get(name), redis.fresh.get(name), `fresh layout: ${name}`);
      assert.equal(fkvs.written.get(name), redis.written.get(name), `after SET: ${name}`);
    }
    // After the restart the base files differ (their aux fields), not the rule: the current size is
    // every file loaded, the base size the base file's (Redis keeps no size of the last rewrite).
    for (const [who, s] of [
      ['redis-server', redis],
      ['fkvs', fkvs],
    ] as const) {
      assert.equal(s.restarted.get('aof_current_size'), String(s.files.base + s.files.incremental), who);
      assert.equal(s.restarted.get('aof_base_size'), String(s.files.base), who);
    }
  });
}
