import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rep, req } from '../support/fkvs.js';
import { infoNumber } from '../support/info.js';
import { FrameClient, withServer } from '../support/server-process.js';

/** The server's --maxmemory here: room for one 4 MiB arena chunk and the index, not for two chunks. */
const maxMemoryBytes = 6 * 1024 * 1024;
/** Each value: large, so that a few dozen fill the limit. */
const valueBytes = 60_000;
/** SETs tried: enough for three times the limit. */
const setsTried = Math.ceil((3 * maxMemoryBytes) / valueBytes / 10) * 10;

test('--maxmemory on a live server: SET and SET EX past it get the ERROR frame, and the data set is kept', async () => {
  await withServer(['--maxmemory', String(maxMemoryBytes)], async (server) => {
    const client = await FrameClient.connect(server.address);
    const value = 'm'.repeat(valueBytes);
    // In groups of 10: a pipeline of all would pass the output limit with the values SET echoes.
    const replies: string[] = [];
    for (let i = 0; i < setsTried; i += 10) {
      client.send(Buffer.concat(Array.from({ length: 10 }, (_, j) => req.set(`k${i + j}`, value))));
      replies.push(...(await client.frames(10, 10_000)));
    }
    const stored = replies.findIndex((r) => r !== rep.value(value));
    assert.notEqual(stored, -1, `all ${setsTried} SETs of ${valueBytes} bytes stored`);
    assert.ok(stored > 0, 'the first SETs are stored');
    assert.ok(stored * valueBytes <= maxMemoryBytes, `${stored} values of ${valueBytes} bytes stored`);
    assert.ok(
      replies.slice(stored).every((r) => r === rep.err),
      'every SET past the limit gets the ERROR frame',
    );
    console.log(
      `${stored} of ${setsTried} SETs of ${valueBytes} bytes stored under --maxmemory ${maxMemoryBytes}`,
    );
    const used = await infoNumber(client, 'store_bytes_reserved');
    assert.ok(used <= maxMemoryBytes, `store_bytes_reserved ${used}`);
    assert.equal(await infoNumber(client, 'keys'), stored);

    // SET EX of a new key is refused too, and leaves neither the key nor a deadline.
    client.send(Buffer.concat([req.set('fresh', value, '100'), req.get('fresh')]));
    assert.deepEqual(await client.frames(2), [rep.err, rep.err]);
    assert.equal(await infoNumber(client, 'keys_with_deadline'), 0);

    // What was stored is all there and unchanged.
    for (let i = 0; i < stored; i++) {
      client.send(req.get(`k${i}`)); // one at a time: a pipeline of them would pass the output limit
      assert.deepEqual(await client.frames(1), [rep.value(value)], `k${i}`);
    }

    // A DEL frees room for one more.
    client.send(Buffer.concat([req.del('k0'), req.set('fresh', value, '100'), req.ttl('fresh')]));
    assert.deepEqual(await client.frames(3), [rep.ok, rep.value(value), rep.value('100')]);
    client.end();
  });
});
