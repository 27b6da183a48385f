import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rep, req } from '../support/fkvs.js';
import { awaitInfoNumber, infoNumber } from '../support/info.js';
import { FrameClient, serverBackends, tempSocketPath, withServer } from '../support/server-process.js';

/** The server's --max-clients here: the observer and three more. */
const maxClients = 4;
/** How long a close may take to show in INFO. */
const settleMs = 2000;

for (const [backend, backendArgs] of serverBackends) {
  for (const transport of ['tcp', 'unix'] as const) {
    describe(`INFO client counts over ${transport}, ${backend} backend`, () => {
      test('connected clients falls back after closes, resets and max-clients refusals', async () => {
        const where = transport === 'unix' ? ['--unixsocket', tempSocketPath()] : [];
        const args = [...backendArgs, ...where, '--max-clients', String(maxClients)];
        await withServer(args, async (server) => {
          const observer = await FrameClient.connect(server.address);
          assert.equal(await infoNumber(observer, 'connected clients'), 1);

          // Closed with FIN, with RST (TCP has one), and after a request.
          const closing = await FrameClient.connect(server.address);
          const resetting = await FrameClient.connect(server.address);
          const asking = await FrameClient.connect(server.address);
          await awaitInfoNumber(observer, 'connected clients', 4, settleMs);
          asking.send(req.ping('x'));
          assert.deepEqual(await asking.frames(1), [rep.pong('x')]);
          closing.end();
          if (transport === 'tcp') resetting.socket.resetAndDestroy();
          else resetting.socket.destroy();
          asking.socket.destroy();
          await awaitInfoNumber(observer, 'connected clients', 1, settleMs);
          assert.equal(await infoNumber(observer, 'disconnected clients'), 3);

          // At the limit, two more are refused: counted as disconnected, never as connected.
          const full = await Promise.all([1, 2, 3].map(() => FrameClient.connect(server.address)));
          await awaitInfoNumber(observer, 'connected clients', maxClients, settleMs);
          const refused = await Promise.all([1, 2].map(() => FrameClient.connect(server.address)));
          for (const c of refused) await c.closedByServer();
          await awaitInfoNumber(observer, 'disconnected clients', 5, settleMs);
          assert.equal(await infoNumber(observer, 'connected clients'), maxClients);
          for (const c of full) c.socket.destroy();
          await awaitInfoNumber(observer, 'connected clients', 1, settleMs);

          // Many short-lived connections leave nothing behind.
          for (let i = 0; i < 20; i++) {
            const c = await FrameClient.connect(server.address);
            c.send(req.ping(String(i)));
            await c.frames(1);
            if (i % 2 === 0 && transport === 'tcp') c.socket.resetAndDestroy();
            else c.end();
          }
          await awaitInfoNumber(observer, 'connected clients', 1, settleMs);
          assert.equal(await infoNumber(observer, 'disconnected clients'), 28);
          observer.end();
        });
      });
    });
  }
}
