import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { endsWithTests } from '../support/child-processes.js';
import { rep, req } from '../support/fkvs.js';
import { awaitInfoNumber, infoNumber } from '../support/info.js';
import {
  FrameClient,
  serverBackends,
  startServer,
  tempSocketPath,
  withServer,
} from '../support/server-process.js';

/**
 * The addon's error paths, driven from outside: syscall errors injected with strace into a process
 * that opens transports and into a live epoll server's sends and reads, a low RLIMIT_NOFILE (prlimit) on a live server, and a server stopped
 * (SIGSTOP) while a thousand clients connect and write, so that on its return one batch holds more
 * accepts than the submission queue and more reads than the buffer ring.
 */

/** Why strace cannot inject here, or false: missing, or barred from attaching (yama ptrace_scope). */
function straceUnusable(): string | false {
  if (spawnSync('strace', ['-V']).error !== undefined) return 'strace is not installed';
  const scope = existsSync(yamaScopeFile) ? Number(readFileSync(yamaScopeFile, 'latin1')) : 0;
  if (scope >= 2 || (scope === 1 && process.getuid?.() !== 0)) return `ptrace_scope ${scope} bars strace -p`;
  return false;
}
const yamaScopeFile = '/proc/sys/kernel/yama/ptrace_scope';
const prlimitMissing = spawnSync('prlimit', ['--version']).error !== undefined;
/** The fds this process may open (ulimit -n): the burst needs one per client. */
const openFileLimit = Number(spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'latin1' }).stdout.trim()) || 0;
/** RLIMIT_NOFILE of the server that runs out of fds: what Node needs and a few connections. */
const serverFdLimit = 64;
/** Connections of the burst: more than the io_uring submission queue (1024) and buffer ring (256). */
const burstClients = 1100;

/** What a transport of the backend did, step by step: "ok", its features, or the error text. */
type Steps = Record<string, string>;

/**
 * Starts a node process that opens a transport of the backend, listens on TCP and on a unix socket,
 * and connects; strace attaches to it first and fails every `syscall` with `errno` (or the calls
 * strace's `when` names: "1" the first, "1..2" the first two, "3+" the third on).
 */
async function injected(backend: string, syscall: string, errno: string, when?: string): Promise<Steps> {
  const script = `
    import { addon } from ${JSON.stringify(resolve('dist/src/io/native.js'))};
    const options = { maxClients: 4, maxOutgoing: 4, maxPendingOutputBytes: 1024 };
    process.stdout.write('ready\\n');
    process.stdin.once('data', () => {
      const steps = {};
      const attempt = (name, fn) => { try { steps[name] = fn() ?? 'ok'; } catch (e) { steps[name] = e.message; } };
      let t = null;
      attempt('create', () => { t = new addon.Transport(${JSON.stringify(backend)}, options, () => {}); return 'features: ' + t.features; });
      if (t !== null) {
        attempt('listenTcp', () => { t.listenTcp('127.0.0.1', 0); });
        attempt('listenUnix', () => { t.listenUnix(${JSON.stringify(tempSocketPath())}); });
        attempt('connectTcp', () => { t.connectTcp('127.0.0.1', 1); });
        t.destroy();
      }
      process.stdout.write(JSON.stringify(steps) + '\\n');
      process.exit(0);
    });`;
  const child = endsWithTests(
    spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] }),
  );
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<number | null>((done) => child.on('exit', done));
  await waitFor(() => output.includes('ready\n'), 'the script to start');
  const strace = await attachStrace(child.pid!, syscall, errno, when);
  child.stdin.end('go\n');
  assert.equal(await exited, 0, strace.log());
  await strace.exited;
  return JSON.parse(output.slice(output.indexOf('ready\n') + 6));
}

/**
 * strace attached to the main thread of pid (where the addon runs, not Node's worker threads),
 * failing `syscall` with `errno` at the calls `when` names; resolves once attached.
 */
async function attachStrace(pid: number, syscall: string, errno: string, when?: string) {
  const inject = `inject=${syscall}:error=${errno}${when === undefined ? '' : `:when=${when}`}`;
  const strace = endsWithTests(
    spawn('strace', ['-p', String(pid), '-e', `trace=${syscall}`, '-e', inject], {
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
  let log = '';
  strace.stderr.on('data', (d) => {
    log += d;
  });
  const exited = new Promise<void>((done) => strace.on('exit', () => done()));
  await waitFor(() => log.includes('attached'), 'strace to attach');
  return {
    log: () => log,
    exited,
    /** Detaches: the process runs on untouched. */
    detach: async () => {
      strace.kill('SIGTERM');
      await exited;
    },
  };
}

async function waitFor(done: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timeout waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('syscall errors injected with strace', { skip: straceUnusable() }, () => {
  for (const backend of ['epoll', 'io_uring']) {
    test(`${backend}: socket and listen failures are errors that name the call`, async () => {
      const socket = await injected(backend, 'socket', 'EMFILE');
      assert.match(socket.listenTcp, /^socket: Too many open files$/);
      assert.match(socket.listenUnix, /^socket: Too many open files$/);
      assert.match(socket.connectTcp, /^socket: Too many open files$/);
      const listen = await injected(backend, 'listen', 'EADDRINUSE');
      assert.match(listen.listenTcp, /^listen: Address already in use$/);
      assert.match(listen.listenUnix, /^listen: Address already in use$/);
      const eventfd = await injected(backend, 'eventfd2', 'EMFILE');
      assert.match(eventfd.create, /^eventfd: Too many open files$/);
    });
  }

  test('epoll: a failing epoll_create1 is an error', async () => {
    assert.match(
      (await injected('epoll', 'epoll_create1', 'EMFILE')).create,
      /^epoll_create1: Too many open files$/,
    );
  });

  test('io_uring: each io_uring_setup error is named; a refused flag steps down the ladder', async () => {
    for (const errno of ['ENOSYS', 'EPERM', 'EACCES', 'ENOMEM', 'EINVAL']) {
      const steps = await injected('io_uring', 'io_uring_setup', errno);
      assert.equal(steps.create, `io_uring_setup returned ${errno}`);
    }
    assert.equal((await injected('io_uring', 'io_uring_setup', 'EBADF')).create, 'io_uring_setup returned 9');
    // Only the first rung refused (EINVAL: an unknown flag): the next one serves.
    const ladder = await injected('io_uring', 'io_uring_setup', 'EINVAL', '1');
    assert.match(ladder.create, /^features: coop_taskrun /);
    // The second rung refused too: io_uring with no setup flags.
    assert.match(
      (await injected('io_uring', 'io_uring_setup', 'EINVAL', '1..2')).create,
      /^features: multishot_accept /,
    );
  });

  test('epoll, live: sends and reads failing with EAGAIN or EINTR every other call still deliver everything', async () => {
    await withServer(['--use-io-uring', 'false'], async (server) => {
      const client = await FrameClient.connect(server.address);
      for (const [syscall, errno] of [
        ['sendto', 'EAGAIN'],
        ['sendto', 'EINTR'],
        ['recvfrom', 'EAGAIN'],
        ['recvfrom', 'EINTR'],
      ]) {
        const strace = await attachStrace(server.process.pid!, syscall, errno, '1+2');
        for (let round = 0; round < 20; round++) {
          client.send(Buffer.concat(Array.from({ length: 50 }, (_, i) => req.ping(`${round}.${i}`))));
          const replies = await client.frames(50);
          assert.equal(replies[49], rep.pong(`${round}.49`), `${syscall} ${errno}`);
        }
        await strace.detach();
      }
      client.end();
    });
  });

  test('epoll, live: a send or read failing with ECONNRESET drops that client only', async () => {
    await withServer(['--use-io-uring', 'false'], async (server) => {
      const observer = await FrameClient.connect(server.address);
      for (const syscall of ['sendto', 'recvfrom']) {
        const victim = await FrameClient.connect(server.address);
        await awaitInfoNumber(observer, 'connected clients', 2, 2000);
        // The next call fails: the victim's read of its request, or the send of its reply.
        const strace = await attachStrace(server.process.pid!, syscall, 'ECONNRESET', '1');
        victim.send(req.ping('victim'));
        await victim.closedByServer();
        await strace.detach();
        assert.equal(victim.bytesBuffered(), 0, syscall);
        observer.send(req.ping('observer'));
        assert.deepEqual(await observer.frames(1), [rep.pong('observer')]);
        assert.equal(await infoNumber(observer, 'connected clients'), 1);
      }
      observer.end();
    });
  });

  test('io_uring: failing registrations (opcode probe, buffer ring, eventfd) are named', async () => {
    assert.equal(
      (await injected('io_uring', 'io_uring_register', 'EINVAL')).create,
      'io_uring opcode probe failed',
    );
    assert.equal(
      (await injected('io_uring', 'io_uring_register', 'EINVAL', '2+')).create,
      'io_uring_register_buf_ring returned EINVAL (kernel 5.19+ needed)',
    );
    assert.equal(
      (await injected('io_uring', 'io_uring_register', 'EINVAL', '3+')).create,
      'io_uring_register_eventfd returned EINVAL',
    );
  });
});

for (const [backend, backendArgs] of serverBackends) {
  describe(`a live server under stress, ${backend} backend`, () => {
    test('out of fds (RLIMIT_NOFILE lowered with prlimit): connections over it are refused, the rest served', {
      skip: prlimitMissing && 'prlimit is not installed',
    }, async () => {
      // Set before start: io_uring takes the limit when it arms its accept, not at each connection.
      const wrapper = ['prlimit', `--nofile=${serverFdLimit}:${serverFdLimit}`];
      const server = await startServer([...backendArgs], {}, wrapper);
      try {
        const observer = await FrameClient.connect(server.address);
        const free = serverFdLimit - readdirSync(`/proc/${server.process.pid}/fd`).length;
        const count = free + 6;
        const clients = await Promise.all(
          Array.from({ length: count }, () => FrameClient.connect(server.address)),
        );
        for (const c of clients) c.send(req.ping('p'));
        let served = 0;
        for (const c of clients) {
          try {
            assert.deepEqual(await c.frames(1, 3000), [rep.pong('p')]);
            served++;
          } catch {
            assert.equal(c.closed, true, 'a client not served was closed');
          }
        }
        assert.ok(served >= 1 && served < count, `${served} of ${count} served with ${free} fds free`);
        assert.ok((await infoNumber(observer, 'disconnected clients')) >= count - served);
        for (const c of clients) c.socket.destroy();
        await awaitInfoNumber(observer, 'connected clients', 1, 2000);
        const after = await FrameClient.connect(server.address);
        after.send(req.ping('again'));
        assert.deepEqual(await after.frames(1), [rep.pong('again')]);
        after.end();
        observer.end();
      } finally {
        assert.equal(await server.stop(), 0, server.output());
      }
    });

    test(`${burstClients} clients connect and write while the server is stopped: all answered once it resumes`, {
      skip:
        openFileLimit < burstClients + 100 && `ulimit -n is ${openFileLimit}: too few fds for the clients`,
    }, async () => {
      const server = await startServer([...backendArgs, '--max-clients', String(2 * burstClients)]);
      let stopped = false;
      try {
        server.process.kill('SIGSTOP');
        stopped = true;
        const clients = await Promise.all(
          Array.from({ length: burstClients }, () => FrameClient.connect(server.address)),
        );
        for (const [i, c] of clients.entries()) c.send(req.ping(String(i)));
        server.process.kill('SIGCONT');
        stopped = false;
        const replies = await Promise.all(clients.map((c) => c.frames(1, 20_000)));
        for (const [i, [reply]] of replies.entries()) assert.equal(reply, rep.pong(String(i)));
        for (const c of clients) c.socket.destroy();
      } finally {
        if (stopped) server.process.kill('SIGCONT');
        assert.equal(await server.stop(), 0);
      }
    });
  });
}
