import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import {
  acknowledged,
  kill,
  PipelinedWriter,
  readValues,
  respCommands,
  startLogged,
} from '../support/aof-clients.js';
import { tempDir } from '../support/redis-server.js';
import { serverBackends } from '../support/server-process.js';

const misconf = /^-MISCONF Errors writing to the AOF file: /;

async function waitFor(done: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** aof_last_write_status, from INFO on a new connection; its reply must come within replyTimeoutMs. */
async function lastWriteStatus(port: number, replyTimeoutMs = 10_000): Promise<string> {
  const [info] = await respCommands(port, [['INFO', 'persistence']], replyTimeoutMs);
  return /aof_last_write_status:(\w+)/.exec(info)?.[1] ?? 'none';
}

/**
 * lastWriteStatus while the log is failing, or 'held': an INFO that came in the same turn as writes
 * whose log then failed is held with their replies until the log works again (under always no
 * reply shows a write a crash can lose), so after a second it is asked again on a new connection.
 */
async function lastWriteStatusOrHeld(port: number): Promise<string> {
  try {
    return await lastWriteStatus(port, 1000);
  } catch (error) {
    if (error instanceof Error && error.message === 'no reply to INFO') return 'held';
    throw error;
  }
}

/**
 * Writers fill the disk until the log fails; then reads go on, writes get MISCONF; `makeRoom`
 * gives the disk room, writes resume by themselves; after a SIGKILL and a restart every
 * acknowledged write is there.
 */
async function failAndRecover(
  backendArgs: readonly string[],
  dir: string,
  wrapper: string[],
  expectedError: RegExp,
  makeRoom: () => void,
): Promise<void> {
  const { server, respPort } = await startLogged(backendArgs, dir, 'always', [], wrapper);
  const writers: PipelinedWriter[] = [];
  try {
    for (let c = 0; c < 4; c++) writers.push(new PipelinedWriter(respPort, `c${c}`, 4, 1000));
    await waitFor(async () => (await lastWriteStatusOrHeld(respPort)) === 'err', 'the log to fail');
    const [refused, read] = await respCommands(respPort, [
      ['SET', 'during', 'fault'],
      ['GET', 'c0:0'],
    ]);
    assert.match(refused, misconf);
    assert.match(refused, expectedError);
    assert.equal(read, `$${writers[0].valueOf(0).length}\r\n${writers[0].valueOf(0)}\r\n`, 'reads go on');
    makeRoom();
    await waitFor(
      async () => (await respCommands(respPort, [['SET', 'after', 'room']]))[0] === '+OK\r\n',
      'writes to resume',
    );
    assert.equal(await lastWriteStatus(respPort), 'ok');
    const before = writers.map((w) => w.ackedAtMs.filter((at) => at > 0).length);
    await waitFor(
      async () => writers.every((w, i) => w.ackedAtMs.filter((at) => at > 0).length > before[i] + 8),
      'the writers to go on',
    );
  } finally {
    for (const writer of writers) writer.stop();
    // Under strace the server is strace's child: killed first (strace's death would only detach it).
    for (const pid of childPids(server.process.pid!)) process.kill(pid, 'SIGKILL');
    await kill(server);
  }
  const again = await startLogged(backendArgs, dir, 'always');
  try {
    const { keys, values } = acknowledged(writers);
    const got = await readValues(again.respPort, [...keys, 'after']);
    assert.deepEqual(got, [...values, 'room'], 'every acknowledged write is there');
  } finally {
    await kill(again.server);
  }
}

/** The pids of a process's children (pgrep -P). */
function childPids(pid: number): number[] {
  const found = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'latin1' }).stdout;
  return found
    .split('\n')
    .filter((line) => line !== '')
    .map(Number);
}

function mountTmpfs(dir: string, size: string): string | null {
  const result = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], {
    encoding: 'latin1',
  });
  return result.status === 0
    ? null
    : `mount -t tmpfs is not permitted here: ${result.stderr.trim() || result.error}`;
}

for (const [backend, backendArgs] of serverBackends) {
  describe(`append-only log on a failing disk, ${backend} backend`, () => {
    const mountPoint = tempDir('aof-enospc');
    const refusal = mountTmpfs(mountPoint, '1m');
    test('ENOSPC on a small tmpfs: writes refused with MISCONF while reads go on, resumed once it grows, nothing acknowledged lost', {
      skip: refusal ?? false,
    }, async () => {
      try {
        await failAndRecover(backendArgs, mountPoint, [], /No space left on device/, () => {
          const grown = spawnSync('mount', ['-o', 'remount,size=64m', mountPoint]);
          assert.equal(grown.status, 0, 'remount with room');
        });
      } finally {
        spawnSync('umount', ['-l', mountPoint]);
      }
    });

    const straceMissing = spawnSync('strace', ['-V']).error !== undefined;
    test('EIO from fdatasync (strace fault injection on the worker thread): the same refusal, retry and recovery', {
      skip:
        backend !== 'epoll'
          ? 'io_uring syncs are not system calls strace can fail'
          : straceMissing
            ? 'strace is not installed'
            : false,
    }, async () => {
      const dir = tempDir('aof-eio');
      // The 3rd to 6th fdatasync fail: the first writes work, then the log fails, then the retry works.
      const strace = [
        'strace',
        '-f',
        '-qq',
        '-o',
        '/dev/null',
        '-e',
        'trace=fdatasync',
        '-e',
        'inject=fdatasync:error=EIO:when=3..6',
      ];
      await failAndRecover(backendArgs, dir, strace, /Input\/output error/, () => {});
    });
  });
}
