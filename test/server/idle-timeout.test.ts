import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rep, req } from '../support/fkvs.js';
import { FrameClient, serverBackends, withServer } from '../support/server-process.js';

/** A PING this often keeps a client active under `--timeout 1`. */
const activePingMs = 300;

for (const [backend, backendArgs] of serverBackends) {
  describe(`timeout (idle clients), ${backend} backend`, () => {
    test('an idle client is closed after the timeout; an active one stays', async () => {
      await withServer([...backendArgs, '--timeout', '1'], async (server) => {
        const idle = await FrameClient.connect(server.address);
        const active = await FrameClient.connect(server.address);
        const started = Date.now();
        let pings = 0;
        while (Date.now() - started < 3000) {
          active.send(req.ping(`p${pings}`));
          assert.deepEqual(await active.frames(1), [rep.pong(`p${pings}`)]);
          pings++;
          await new Promise((resolve) => setTimeout(resolve, activePingMs));
        }
        // Idle since it connected: closed between 1 s (timeout) and 2 s (plus one check period).
        await idle.closedByServer(0);
        assert.equal(active.closed, false, 'the active client is still served');
        active.end();
      });
    });

    test('without timeout an idle client stays', async () => {
      await withServer([...backendArgs], async (server) => {
        const idle = await FrameClient.connect(server.address);
        await new Promise((resolve) => setTimeout(resolve, 2500));
        assert.equal(idle.closed, false);
        idle.send(req.ping('still'));
        assert.deepEqual(await idle.frames(1), [rep.pong('still')]);
        idle.end();
      });
    });
  });
}
