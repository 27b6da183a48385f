import assert from 'node:assert/strict';
import { existsSync, unlinkSync } from 'node:fs';
import { describe, test } from 'node:test';
import { rep, req } from '../support/fkvs.js';
import { FrameClient, serverBackends, startServer, tempSocketPath } from '../support/server-process.js';

/** Two real servers on one unix socket path: the first one's socket is never taken from it. */

async function pings(address: { path: string }, payload: string): Promise<void> {
  const client = await FrameClient.connect(address);
  client.send(req.ping(payload));
  assert.deepEqual(await client.frames(1), [rep.pong(payload)]);
  client.end();
}

for (const [backend, backendArgs] of serverBackends) {
  describe(`the unix socket path, ${backend} backend`, () => {
    test('a second server on a live socket refuses to start; the first is still reachable', async () => {
      const path = tempSocketPath();
      const first = await startServer([...backendArgs, '--unixsocket', path]);
      try {
        // Resolves only if the second server started (then it is stopped here, and this fails).
        const second = await startServer([...backendArgs, '--unixsocket', path]).then(
          async (server) => {
            await server.stop();
            return 'started';
          },
          (error: Error) => error.message,
        );
        const lines = second.split('\n').filter((line) => line.includes('Failed to start'));
        assert.equal(lines.length, 1, second);
        assert.match(lines[0], /unix socket .* is in use by a running server \(a connect to it succeeded\)/);
        await pings({ path }, 'first');
      } finally {
        assert.equal(await first.stop(), 0);
      }
      assert.ok(!existsSync(path), 'the first removed its socket file');
    });

    test('a stale socket file (its server killed) is replaced', async () => {
      const path = tempSocketPath();
      const killed = await startServer([...backendArgs, '--unixsocket', path]);
      killed.process.kill('SIGKILL');
      await new Promise((resolve) => killed.process.once('exit', resolve));
      assert.ok(existsSync(path), 'the killed server left its socket file');
      const next = await startServer([...backendArgs, '--unixsocket', path]);
      await pings({ path }, 'next');
      assert.equal(await next.stop(), 0);
      assert.ok(!existsSync(path));
    });

    test('a server stopping removes the path only while it is still its own socket', async () => {
      const path = tempSocketPath();
      const first = await startServer([...backendArgs, '--unixsocket', path]);
      unlinkSync(path); // someone removed it; a second server now binds the path
      const second = await startServer([...backendArgs, '--unixsocket', path]);
      try {
        assert.equal(await first.stop(), 0);
        assert.ok(existsSync(path), "the second server's socket is left alone");
        await pings({ path }, 'second');
      } finally {
        assert.equal(await second.stop(), 0);
      }
      assert.ok(!existsSync(path));
    });
  });
}
