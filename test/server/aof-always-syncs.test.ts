import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { acknowledged, kill, PipelinedWriter, readValues, startLogged } from '../support/aof-clients.js';
import { tempDir } from '../support/redis-server.js';
import { serverBackends } from '../support/server-process.js';

/** The benchmark's always row: 50 clients, 16 SETs in flight each. */
const clients = 50;
const depth = 16;
/** Load time before the kill, and before the clean stop that prints the addon's counters. */
const loadMs = 800;

async function load(port: number, round: string): Promise<PipelinedWriter[]> {
  const writers = Array.from(
    { length: clients },
    (_, c) => new PipelinedWriter(port, `${round}c${c}`, depth),
  );
  await new Promise((resolve) => setTimeout(resolve, loadMs));
  return writers;
}

/** Every write a client saw acknowledged is in the restarted server. */
async function checkAcknowledged(port: number, writers: PipelinedWriter[]): Promise<number> {
  const { keys, values: expected } = acknowledged(writers);
  const values = await readValues(port, keys);
  for (let i = 0; i < keys.length; i++) assert.equal(values[i], expected[i], `${keys[i]} was acknowledged`);
  return keys.length;
}

for (const [backend, backendArgs] of serverBackends) {
  describe(`appendfsync always with several syncs in flight, ${backend} backend`, () => {
    test('50 clients: acknowledged writes survive SIGKILL, and more than one sync flew at once', async () => {
      const dir = tempDir('aof-always-syncs');
      let { server, respPort } = await startLogged(backendArgs, dir, 'always');
      try {
        const killed = await load(respPort, 'k');
        await kill(server);
        for (const writer of killed) writer.stop();
        ({ server, respPort } = await startLogged(backendArgs, dir, 'always'));
        const beforeKill = await checkAcknowledged(respPort, killed);
        assert.ok(beforeKill > 0, 'the clients got acknowledgements before the kill');

        const stopped = await load(respPort, 's');
        for (const writer of stopped) writer.stop();
        for (const writer of [...killed, ...stopped]) assert.equal(writer.errors, 0, writer.lastError);
        await server.stop();
        // The addon's totals, printed at a clean stop: syncs of the log overlapped under this load.
        const line = /transport counters: (\{.*\})/.exec(server.output());
        assert.ok(line !== null, server.output());
        const counters = JSON.parse(line[1]);
        console.log(
          `${backend}: ${beforeKill} acknowledged writes there after SIGKILL; ${counters.fileSyncs} syncs, ` +
            `mean ${(counters.fileSyncMicros / counters.fileSyncs).toFixed(0)} us, up to ${counters.fileSyncsInFlightMax} in flight`,
        );
        assert.ok(
          counters.fileSyncsInFlightMax > 1,
          `at most ${counters.fileSyncsInFlightMax} sync in flight`,
        );

        ({ server, respPort } = await startLogged(backendArgs, dir, 'always'));
        await checkAcknowledged(respPort, [...killed, ...stopped]);
      } finally {
        await kill(server);
      }
    });
  });
}
