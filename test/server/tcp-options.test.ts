import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { rep, req } from '../support/fkvs.js';
import { FrameClient, freePort, serverBackends, withServer } from '../support/server-process.js';

/**
 * tcp-keepalive on accepted connections, seen from /proc/net/tcp: the server's side of an idle
 * connection has its keepalive timer pending (timer kind 2) exactly when tcp-keepalive is on.
 * And the warning a non-loopback bind logs.
 */

/** The timer kind of the established IPv4 socket with this local port ("tr" of /proc/net/tcp). */
function timerKind(localPort: number): number {
  const hexPort = localPort.toString(16).toUpperCase().padStart(4, '0');
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    // sl local rem st tx:rx tr:when ...; st 01 = ESTABLISHED
    if (fields.length > 5 && fields[1].endsWith(`:${hexPort}`) && fields[3] === '01') {
      return Number.parseInt(fields[5].split(':')[0], 16);
    }
  }
  throw new Error(`no established socket on port ${localPort}`);
}

const keepaliveTimer = 2;

for (const [backend, backendArgs] of serverBackends) {
  describe(`TCP options, ${backend} backend`, () => {
    for (const [seconds, timer] of [
      ['300', keepaliveTimer],
      ['0', 0],
    ] as const) {
      test(`tcp-keepalive ${seconds}: the keepalive timer is ${timer === 0 ? 'off' : 'on'}`, async () => {
        const port = await freePort();
        await withServer(
          [...backendArgs, '--port', String(port), '--tcp-keepalive', seconds],
          async (server) => {
            const client = await FrameClient.connect(server.address);
            client.send(req.ping('k'));
            assert.deepEqual(await client.frames(1), [rep.pong('k')]);
            assert.equal(timerKind(port), timer);
            client.end();
          },
        );
      });
    }

    test('a non-loopback bind logs one warning that FKVS has no authentication; loopback none', async () => {
      await withServer([...backendArgs, '--bind', '0.0.0.0'], async (server) => {
        const warnings = server
          .output()
          .split('\n')
          .filter((line) => line.includes('no authentication'));
        assert.equal(warnings.length, 1, server.output());
        assert.match(warnings[0], /WARNING: bind 0\.0\.0\.0 is not a loopback address/);
      });
      await withServer([...backendArgs], async (server) => {
        assert.doesNotMatch(server.output(), /no authentication/);
      });
    });
  });
}
