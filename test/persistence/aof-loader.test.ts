import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  type AofFileLoadResult,
  AofLoadError,
  type CommandSink,
  loadAofDir,
  loadAofFile,
} from '../../src/persistence/aof-loader.js';
import { defaultAofName, formatManifest } from '../../src/persistence/aof-manifest.js';
import { AofWriter } from '../../src/persistence/aof-writer.js';
import { MemorySource, ReadWindow } from '../../src/persistence/read-window.js';
import {
  RedisServer,
  type RespClient,
  readStrings,
  requireRedisTools,
  tempDir,
} from '../support/redis-server.js';
import { CommandModel } from './command-model.js';
import { everyByte, fixedAux, writeRdb } from './rdb-fixtures.js';

const nowMs = Date.now();
const b = (text: string) => Buffer.from(text);

function loadDir(dir: string): { model: CommandModel; files: AofFileLoadResult[] } {
  const model = new CommandModel(nowMs);
  const loaded = loadAofDir({
    dir,
    aofName: defaultAofName,
    sink: model.sink,
    rdb: { storeFor: model.storeFor, skipOtherTypes: false },
    loadTruncated: true,
  });
  assert.ok(loaded, `no manifest in ${dir}`);
  return { model, files: loaded.files };
}

async function redisContents(client: RespClient) {
  const result = new Map<number, Map<string, { value: Buffer; deadlineMs: number }>>();
  for (let db = 0; db < 4; db++) {
    const keys = await readStrings(client, db);
    if (keys.size > 0) result.set(db, keys);
  }
  return result;
}

async function run(client: RespClient, ...commands: (string | number | Buffer)[][]): Promise<void> {
  for (const command of commands) {
    const reply = await client.command(...command);
    assert.ok(
      !(reply && typeof reply === 'object' && 'message' in reply),
      `${command[0]}: ${JSON.stringify(reply)}`,
    );
  }
}

test('An appendonlydir of redis-server 7.0 (timestamps, MULTI/EXEC, expiries, BGREWRITEAOF) replays to what the server held', async () => {
  requireRedisTools();
  const dir = tempDir('aof-redis');
  const server = await RedisServer.start(dir, ['--appendonly', 'yes', '--aof-timestamp-enabled', 'yes']);
  let beforeRewrite: Awaited<ReturnType<typeof redisContents>>;
  let afterRewrite: Awaited<ReturnType<typeof redisContents>>;
  try {
    const client = await server.connect();
    await run(
      client,
      ['SET', 'a', '1'],
      ['SET', 'b', 'x', 'EX', 100],
      ['EXPIRE', 'a', 50],
      ['SET', 'n', '10'],
      ['INCR', 'n'],
      ['SETEX', 'q', 10, 'v'],
      ['DEL', 'q'],
      ['MULTI'],
      ['SET', 't1', 'x'],
      ['SET', 't2', 'y', 'PX', 100000],
      ['EXEC'],
      ['GETEX', 'n', 'EX', 30],
      ['SET', 'n', 'kept', 'KEEPTTL'],
      ['SELECT', 2],
      ['SET', 'c', '2', 'PX', 5_000_000],
      ['SET', everyByte, everyByte],
      ['SET', 'big', Buffer.alloc(60_000, 'big')],
    );
    beforeRewrite = await redisContents(client);
    cpSync(join(dir, 'appendonlydir'), join(dir, 'before-rewrite'), { recursive: true });
    await run(client, ['BGREWRITEAOF']);
    for (let i = 0; ; i++) {
      const info = String(await client.command('INFO', 'persistence'));
      if (
        /aof_rewrite_in_progress:0/.test(info) &&
        /aof_rewrite_scheduled:0/.test(info) &&
        /aof_last_bgrewrite_status:ok/.test(info)
      ) {
        if (
          readFileSync(join(dir, 'appendonlydir', `${defaultAofName}.manifest`), 'latin1').includes(
            'seq 2 type b',
          )
        )
          break;
      }
      assert.ok(i < 100, 'BGREWRITEAOF did not finish in 10 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await run(client, ['SELECT', 0], ['SET', 'after', '1'], ['DEL', 'b'], ['SELECT', 2], ['SET', 'c', '3']);
    afterRewrite = await redisContents(client);
    client.close();
  } finally {
    await server.stop();
  }

  const before = loadDir(join(dir, 'before-rewrite'));
  assert.deepEqual(before.model.contents(), beforeRewrite);
  assert.ok(before.files[0].rdb !== null, 'the first base of Redis 7.0 is an (empty) RDB');
  const log = before.model.log;
  assert.ok(log.some((c) => /^SET b x PXAT \d+$/.test(c)));
  assert.ok(log.some((c) => /^PEXPIREAT a \d+$/.test(c)));
  assert.ok(!log.some((c) => /^(multi|exec)$/i.test(c)), 'MULTI and EXEC are not handed on');
  assert.ok(log.includes('SET t1 x'));

  const after = loadDir(join(dir, 'appendonlydir'));
  assert.deepEqual(after.model.contents(), afterRewrite);
  assert.equal(after.files.length, 2);
  assert.ok(
    after.files[0].rdb && after.files[0].rdb.keysLoaded > 0,
    'the rewritten base is an RDB with the keys',
  );
  assert.ok(after.files[1].commands >= 5);
});

/** A log of n SETs and a 2 MB argument, as fkvs writes it. */
function sampleLog(): { bytes: Buffer; commandEnds: number[] } {
  const log = new AofWriter();
  const commandEnds: number[] = [];
  for (let i = 0; i < 20; i++) {
    log.set(
      i % 3,
      b(`key:${i}`),
      0,
      `key:${i}`.length,
      b(`value ${i}`),
      0,
      `value ${i}`.length,
      i % 2 ? nowMs + i : 0,
    );
    commandEnds.push(log.pendingBytes);
  }
  const large = Buffer.alloc(2 * 1024 * 1024, 'L');
  log.set(0, b('large'), 0, 5, large, 0, large.length, 0);
  commandEnds.push(log.pendingBytes);
  log.del(1, b('key:1'), 0, 5);
  commandEnds.push(log.pendingBytes);
  return { bytes: Buffer.from(log.pending()), commandEnds };
}

function loadBytes(
  bytes: Uint8Array,
  options: { loadTruncated?: boolean; pieceBytes?: number; windowBytes?: number } = {},
): { result: AofFileLoadResult; commands: string[]; longest: number } {
  const commands: string[] = [];
  let longest = 0;
  const sink: CommandSink = (command) => {
    const args: string[] = [];
    for (let i = 0; i < command.count; i++) {
      longest = Math.max(longest, command.lengths[i]);
      const at = command.offsets[i];
      const arg = Buffer.from(command.bytes.subarray(at, at + command.lengths[i]));
      args.push(
        arg.length > 100
          ? `<${arg.length} bytes ${arg.subarray(0, 4).toString('latin1')}>`
          : arg.toString('latin1'),
      );
    }
    commands.push(args.join(' '));
  };
  const result = loadAofFile(
    new ReadWindow(new MemorySource(bytes, options.pieceBytes), options.windowBytes),
    {
      fileName: 'appendonly.aof.1.incr.aof',
      checkCommand: 'redis-check-aof --fix appendonlydir/appendonly.aof.manifest',
      sink,
      rdb: { storeFor: () => undefined, skipOtherTypes: false },
      loadTruncated: options.loadTruncated ?? true,
    },
  );
  return { result, commands, longest };
}

test('AOF loader: every command of a log, in any read pieces, through a window that grows for a 2 MB argument', () => {
  const { bytes, commandEnds } = sampleLog();
  const whole = loadBytes(bytes);
  assert.equal(whole.result.validBytes, bytes.length);
  assert.equal(whole.result.truncatedBytes, 0);
  // The SETs, the large one and the DEL, and a SELECT before each change of database.
  assert.ok(whole.commands.length > commandEnds.length);
  assert.equal(whole.longest, 2 * 1024 * 1024);
  assert.ok(whole.commands.includes(`SET key:1 value 1 PXAT ${nowMs + 1}`));
  assert.ok(whole.commands.includes('SET large <2097152 bytes LLLL>'));
  assert.deepEqual(loadBytes(bytes, { pieceBytes: 5, windowBytes: 16 }).commands, whole.commands);
});

test('AOF loader: a log cut anywhere loads up to its last whole command and says how many bytes it left out', () => {
  const { bytes, commandEnds } = sampleLog();
  const small = bytes.subarray(0, commandEnds[19]);
  const whole = loadBytes(small).commands;
  for (let cut = 0; cut < small.length; cut++) {
    const { result, commands } = loadBytes(small.subarray(0, cut), { pieceBytes: 13, windowBytes: 64 });
    assert.equal(result.validBytes + result.truncatedBytes, cut, `cut ${cut}`);
    assert.deepEqual(commands, whole.slice(0, commands.length), `cut ${cut}`);
    // What was kept is whole commands only: loading just that part leaves nothing out.
    const kept = loadBytes(small.subarray(0, result.validBytes), { windowBytes: 64 });
    assert.equal(kept.result.truncatedBytes, 0, `cut ${cut}`);
    assert.equal(kept.commands.length, commands.length, `cut ${cut}`);
  }
  const cutInLast = bytes.subarray(0, bytes.length - 3);
  const { result } = loadBytes(cutInLast);
  const delCommandBytes = '*2\r\n$3\r\nDEL\r\n$5\r\nkey:1\r\n'.length;
  assert.equal(result.validBytes, bytes.length - delCommandBytes);
  assert.equal(result.truncatedBytes, cutInLast.length - result.validBytes);
  assert.throws(
    () => loadBytes(cutInLast, { loadTruncated: false }),
    (error: unknown) =>
      error instanceof AofLoadError &&
      error.offset === bytes.length - delCommandBytes &&
      /unexpected end of file/.test(error.message),
  );
});

test('AOF loader: a transaction is handed over at its EXEC; one cut by the end of the file is left out whole', () => {
  const text = '*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n*1\r\n$4\r\nexec\r\n';
  const set = '*3\r\n$3\r\nSET\r\n$1\r\nz\r\n$1\r\n0\r\n';
  const complete = loadBytes(b(set + text + text));
  assert.deepEqual(complete.commands, ['SET z 0', 'SET a 1', 'SET a 1']);
  const open = b(set + text + text.slice(0, text.indexOf('*1\r\n$4')));
  const cut = loadBytes(open);
  assert.deepEqual(cut.commands, ['SET z 0', 'SET a 1']);
  assert.equal(cut.result.revertedTransaction, true);
  assert.equal(cut.result.validBytes, set.length + text.length);
  assert.equal(cut.result.truncatedBytes, open.length - set.length - text.length);
});

test('AOF loader: annotations are skipped; corruption before the tail names the file, the offset and the check command, as redis-check-aof finds it', () => {
  requireRedisTools();
  const { bytes } = sampleLog();
  const plain = loadBytes(bytes).commands;
  const secondCommand = bytes.indexOf('*', 1);
  const annotated = Buffer.concat([
    b('#TS:1700000000\r\n'),
    bytes.subarray(0, secondCommand),
    b('#TS:1\r\n'),
    bytes.subarray(secondCommand),
  ]);
  assert.deepEqual(loadBytes(annotated).commands, plain);
  // Inside a command an annotation is corruption, for Redis too.
  const misplaced = Buffer.concat([
    bytes.subarray(0, secondCommand + 4),
    b('#TS:1\r\n'),
    bytes.subarray(secondCommand + 4),
  ]);
  assert.throws(() => loadBytes(misplaced), /expected '\$' before an argument, found '#'/);

  const corrupt = Buffer.from(bytes);
  const at = corrupt.indexOf('$5\r\nkey:7');
  corrupt[at] = 0x25;
  assert.throws(
    () => loadBytes(corrupt),
    (error: unknown) =>
      error instanceof AofLoadError &&
      error.offset === at &&
      error.fileName === 'appendonly.aof.1.incr.aof' &&
      error.message.includes("expected '$' before an argument, found '%'") &&
      error.message.includes('redis-check-aof --fix appendonlydir/appendonly.aof.manifest'),
  );
  const dir = tempDir('aof-corrupt');
  writeFileSync(join(dir, 'appendonly.aof'), corrupt);
  const check = spawnSync('redis-check-aof', [join(dir, 'appendonly.aof')], { encoding: 'utf8' });
  assert.notEqual(check.status, 0);
  // redis-check-aof points at the same byte (in hex).
  assert.match(check.stdout, new RegExp(`0x +${at.toString(16)}: Expected prefix '\\$', got: '%'`));
  assert.throws(() => loadBytes(b(`#${'x'.repeat(2000)}\r\n`)), /annotation longer than 1024 bytes/);
  assert.throws(() => loadBytes(b('*0\r\n')), /a command of 0 arguments/);
  assert.throws(() => loadBytes(b('*1\r\n$3\r\nabcd\r\n')), /expected \\r\\n after an argument/);
});

test('AOF loader: only the last file of a directory may be truncated', () => {
  const dir = tempDir('aof-dir');
  mkdirSync(join(dir, 'appendonlydir'));
  const aofDir = join(dir, 'appendonlydir');
  const { bytes } = sampleLog();
  const cut = bytes.subarray(0, bytes.length - 3);
  const write = (names: string[], contents: Uint8Array[]) => {
    names.forEach((name, i) => {
      writeFileSync(join(aofDir, name), contents[i]);
    });
    writeFileSync(
      join(aofDir, `${defaultAofName}.manifest`),
      formatManifest({
        base: null,
        history: [],
        incremental: names.map((name, i) => ({ name, seq: i + 1, type: 'i' })),
      }),
    );
  };
  const names = ['appendonly.aof.1.incr.aof', 'appendonly.aof.2.incr.aof'];
  write(names, [bytes, cut]);
  const loaded = loadAofDir({
    dir: aofDir,
    aofName: defaultAofName,
    sink: () => {},
    rdb: { storeFor: () => undefined, skipOtherTypes: false },
    loadTruncated: true,
  });
  assert.equal(loaded?.files[1].truncatedBytes, cut.length - loaded!.files[1].validBytes);
  write(names, [cut, bytes]);
  assert.throws(
    () =>
      loadAofDir({
        dir: aofDir,
        aofName: defaultAofName,
        sink: () => {},
        rdb: { storeFor: () => undefined, skipOtherTypes: false },
        loadTruncated: true,
      }),
    (error: unknown) =>
      error instanceof AofLoadError &&
      error.fileName.endsWith(names[0]) &&
      /not the last one/.test(error.message) &&
      error.message.includes(`redis-check-aof --fix ${join(aofDir, `${defaultAofName}.manifest`)}`),
  );
  assert.equal(
    loadAofDir({
      dir: join(dir, 'none'),
      aofName: defaultAofName,
      sink: () => {},
      rdb: { storeFor: () => undefined, skipOtherTypes: false },
      loadTruncated: true,
    }),
    null,
  );
});

test('AOF loader: a base keeps its expired keys, as Redis loads one, so the commands after it apply as they did', () => {
  const dir = tempDir('aof-expired-base');
  const aofDir = join(dir, 'appendonlydir');
  mkdirSync(aofDir);
  const past = nowMs - 60_000;
  writeFileSync(
    join(aofDir, 'appendonly.aof.1.base.rdb'),
    writeRdb([{ db: 0, key: b('counter'), value: b('5'), deadlineMs: past }], {
      aux: { ...fixedAux, aofBase: true },
    }).file,
  );
  // Logged while the key lived; replayed after its deadline, it must find 5, not start from nothing.
  writeFileSync(
    join(aofDir, 'appendonly.aof.1.incr.aof'),
    '*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*2\r\n$4\r\nincr\r\n$7\r\ncounter\r\n',
  );
  writeFileSync(
    join(aofDir, `${defaultAofName}.manifest`),
    'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n',
  );
  const { model, files } = loadDir(aofDir);
  assert.equal(files[0].rdb?.keysLoaded, 1);
  const store = model.storeFor(0);
  const handle = store.findIncludingExpired(b('counter'), 0, 7);
  assert.ok(handle >= 0);
  const at = store.valueOffset(handle);
  assert.equal(
    Buffer.from(store.valueBytes(handle).subarray(at, at + store.valueLength(handle))).toString(),
    '6',
  );
  assert.equal(store.deadline(handle), past);
});
