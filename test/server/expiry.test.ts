import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expireCycleMs } from '../../src/limits.js';
import { rep, req } from '../support/fkvs.js';
import { awaitInfoNumber, infoNumber } from '../support/info.js';
import { FrameClient, withServer } from '../support/server-process.js';

/** Keys set to expire: more than one pipelined write, fewer than one expiry cycle scans. */
const expiringKeys = 5000;
/** Their time to live: long enough that a loaded machine counts them all before any expires. */
const ttlSeconds = 3;

test('active expiry: keys nobody touches leave INFO within a few expiry cycles of their deadline', async () => {
  await withServer([], async (server) => {
    const client = await FrameClient.connect(server.address);
    const sets = Array.from({ length: expiringKeys }, (_, i) => req.set(`e${i}`, 'v', String(ttlSeconds)));
    const setAt = Date.now();
    client.send(Buffer.concat([...sets, req.set('kept', 'v')]));
    const replies = await client.frames(expiringKeys + 1, 10_000);
    assert.ok(replies.every((r) => r === rep.value('v')));
    assert.equal(await infoNumber(client, 'keys'), expiringKeys + 1);
    assert.equal(await infoNumber(client, 'keys_with_deadline'), expiringKeys);
    // The deadline is ttlSeconds after the SET; from then on only INFO is asked, which reclaims nothing.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, setAt + ttlSeconds * 1000 - Date.now())));
    const tookMs = await awaitInfoNumber(client, 'keys', 1, 10 * expireCycleMs);
    assert.equal(await infoNumber(client, 'keys_with_deadline'), 0);
    client.send(req.get('kept'));
    assert.deepEqual(await client.frames(1), [rep.value('v')]);
    console.log(`expired keys reclaimed ${tookMs} ms after their deadline`);
    client.end();
  });
});
