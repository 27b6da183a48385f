// Not a test of the suite: a test file that test/child-processes.test.ts runs under a short
// --test-timeout. It starts a server, writes its pid to the file named by FKVS_PID_FILE, and then
// never ends, as a hung test does.
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { startServer } from './server-process.js';

test('a test that hangs holding a server', async () => {
  const server = await startServer([]);
  writeFileSync(process.env.FKVS_PID_FILE!, String(server.process.pid));
  await new Promise(() => {});
});
