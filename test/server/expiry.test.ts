import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expireCycleMs } from '../../src/limits.js';
import { rep, req } from '../support/fkvs.js';
import { awaitInfoNumber, infoNumber } from '../support/info.js';
import { FrameClient, withServer } from '../support/server-process.js';

/** Keys set to expire: more than one pipelined write, fewer than one expiry cycle scans. */
const expiringKeys = 5000;
/** Their EX: long enough for the SETs and the first INFO on a slow (coverage) run. */
const expireSeconds = 3;

test('active expiry: keys nobody touches leave INFO within 10 expiry cycles of their deadline', async () => {
  await withServer([], async (server) => {
    const client = await FrameClient.connect(server.address);
    const sets = Array.from({ length: expiringKeys }, (_, i) => req.set(`e${i}`, 'v', String(expireSeconds)));
    client.send(Buffer.concat([...sets, req.set('kept', 'v')]));
    const replies = await client.frames(expiringKeys + 1, 10_000);
    const lastDeadline = Date.now() + 1000 * expireSeconds; // no deadline the server set is later
    assert.ok(replies.every((r) => r === rep.value('v')));
    assert.equal(await infoNumber(client, 'keys'), expiringKeys + 1);
    assert.equal(await infoNumber(client, 'keys_with_deadline'), expiringKeys);
    // From here to the deadline and after it, only INFO is asked, which reclaims nothing.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, lastDeadline - Date.now())));
    const tookMs = await awaitInfoNumber(client, 'keys', 1, 10 * expireCycleMs);
    assert.equal(await infoNumber(client, 'keys_with_deadline'), 0);
    client.send(req.get('kept'));
    assert.deepEqual(await client.frames(1), [rep.value('v')]);
    console.log(`expired keys reclaimed ${tookMs} ms after their deadline`);
    client.end();
  });
});
