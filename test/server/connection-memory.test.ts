import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rep, req } from '../support/fkvs.js';
import { awaitInfoNumber } from '../support/info.js';
import { FrameClient, serverBackends, withServer } from '../support/server-process.js';
import { rssBytes, startSlowReaders } from '../support/slow-readers-process.js';

/**
 * The "10,000 connections raise RSS to 211 MB, not given back": a real server on each
 * backend gets `connections` clients that each send a PING (so that each has a session and an
 * output buffer); once they have all gone, its RSS must come back to within rssMarginBytes of
 * where it stood before them, within releaseTimeoutMs (the server gives memory back after a wave
 * of closes: src/server/memory-release.ts).
 */

/** Within the file descriptors allowed here (20,000: the server and the clients' process each hold these). */
const connections = 5000;
/** How far above its start RSS may stay once every connection is gone... */
const rssMarginBytes = 12 * 1024 * 1024;
/** ...after this long (the wave is over at the first check that sees no new close, once a second). */
const releaseTimeoutMs = 6000;
/** The connections must have cost at least this much, or the test shows nothing. */
const minGrowthBytes = 2 * rssMarginBytes;
/** The connections are open and have written by then. */
const openTimeoutMs = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const [backend, backendArgs] of serverBackends) {
  describe(`memory after ${connections} connections, ${backend} backend`, () => {
    test(`RSS back within ${rssMarginBytes / 1048576} MiB of its start once they close`, async () => {
      await withServer([...backendArgs, '--max-clients', String(connections + 10)], async (server) => {
        const pid = server.process.pid!;
        const port = (server.address as { port: number }).port;
        const probe = await FrameClient.connect(server.address);
        probe.send(req.ping('warm'));
        assert.deepEqual(await probe.frames(1), [rep.pong('warm')]);
        await sleep(1500); // a release after start-up's garbage, if any
        const startRss = rssBytes(pid);
        const clients = await startSlowReaders(port, connections, req.ping('p'), openTimeoutMs);
        await awaitInfoNumber(probe, 'connected clients', connections + 1, openTimeoutMs);
        const openRss = rssBytes(pid);
        clients.kill('SIGKILL');
        await new Promise((resolve) => clients.once('exit', resolve));
        await awaitInfoNumber(probe, 'connected clients', 1, openTimeoutMs);
        const closedAt = Date.now();
        let afterRss = rssBytes(pid);
        while (afterRss - startRss > rssMarginBytes && Date.now() - closedAt < releaseTimeoutMs) {
          await sleep(100);
          afterRss = rssBytes(pid);
        }
        const mib = (bytes: number) => (bytes / 1048576).toFixed(1);
        console.log(
          `${backend}: RSS start ${mib(startRss)} MiB, with ${connections} connections ${mib(openRss)}, ` +
            `after ${mib(afterRss)} (${Date.now() - closedAt} ms after the last closed)`,
        );
        assert.ok(
          openRss - startRss >= minGrowthBytes,
          `the connections cost ${mib(openRss - startRss)} MiB`,
        );
        assert.ok(
          afterRss - startRss <= rssMarginBytes,
          `RSS ${mib(afterRss - startRss)} MiB above its start`,
        );
        probe.send(req.ping('after'));
        assert.deepEqual(await probe.frames(1), [rep.pong('after')]);
        probe.end();
      });
    });
  });
}
