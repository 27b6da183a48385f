import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import net from 'node:net';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { freePort, serverBackends, tempSocketPath, withServer } from '../../support/server-process.js';

const run = promisify(execFile);

for (const [backend, flags] of serverBackends) {
  test(`fkvs-server serves the Redis protocol on resp-port and resp-unixsocket beside FKVS (${backend})`, async () => {
    const respPort = await freePort();
    const path = tempSocketPath();
    await withServer(
      [...flags, '--resp-port', String(respPort), '--resp-unixsocket', path],
      async (server) => {
        assert.match(
          server.output(),
          new RegExp(`Redis protocol \\(RESP\\) on tcp 127\\.0\\.0\\.1:${respPort}`),
        );
        const tcp = await run('redis-cli', ['-p', String(respPort), 'PING'], { timeout: 10_000 });
        assert.equal(tcp.stdout, 'PONG\n');
        const unix = await run('redis-cli', ['-s', path, 'CONFIG', 'GET', 'databases'], { timeout: 10_000 });
        assert.equal(unix.stdout, 'databases\n16\n');
        const info = await run('redis-cli', ['-p', String(respPort), 'INFO', 'server'], { timeout: 10_000 });
        assert.match(info.stdout, new RegExp(`multiplexing_api:${backend}\\r?\\n`));
      },
    );
  });
}

test('a busy resp-port stops start-up with one line naming the key', async () => {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as net.AddressInfo).port;
  try {
    const result = spawnSync(
      process.execPath,
      ['bin/fkvs-server', '--port', String(await freePort()), '--resp-port', String(port)],
      {
        encoding: 'utf8',
        timeout: 10_000,
      },
    );
    assert.equal(result.status, 1);
    const lines = result.stdout.split('\n').filter((l) => l.includes('resp-port'));
    assert.equal(lines.length, 1, result.stdout);
    assert.match(
      lines[0],
      new RegExp(`127\\.0\\.0\\.1:${port}: .*Address already in use.*Set resp-port to a free port, or to 0`),
    );
  } finally {
    taken.close();
  }
});

test('resp-port 0 turns the Redis protocol off', async () => {
  await withServer(['--resp-port', '0'], async (server) => {
    assert.doesNotMatch(server.output(), /Redis protocol/);
  });
});
