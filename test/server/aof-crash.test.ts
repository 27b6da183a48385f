import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { kill, PipelinedWriter, readValues, startLogged } from '../support/aof-clients.js';
import { seededRandom } from '../support/random.js';
import { tempDir } from '../support/redis-server.js';
import { serverBackends } from '../support/server-process.js';

/** Clients writing at once, SETs each keeps in flight, kills per configuration. */
const clients = 8;
const depth = 16;
const kills = 2;
/** What everysec may lose: writes acknowledged in the last this-many ms before the kill. */
const everysecLossMs = 2000;

for (const [backend, backendArgs] of serverBackends) {
  describe(`append-only log under SIGKILL, ${backend} backend`, () => {
    for (const fsync of ['always', 'everysec'] as const) {
      test(`appendfsync ${fsync}: ${fsync === 'always' ? 'every acknowledged write is there after the restart' : 'only writes acknowledged in the last 2 s before the kill may be missing'}`, async () => {
        const random = seededRandom(`aof crash ${backend} ${fsync}`);
        const dir = tempDir('aof-crash');
        const writers: PipelinedWriter[] = [];
        const killedAtMs: number[] = [];
        for (let round = 0; round <= kills; round++) {
          const { server, respPort } = await startLogged(backendArgs, dir, fsync);
          try {
            // Everything acknowledged before every earlier kill is there (or, everysec, lost late).
            const keys: string[] = [];
            const expected: Array<{ value: string; ackedAtMs: number; killedAtMs: number }> = [];
            writers.forEach((writer, w) => {
              const roundOf = Math.floor(w / clients);
              writer.ackedAtMs.forEach((at, n) => {
                if (at < 0) return;
                keys.push(`${writer.prefix}:${n}`);
                expected.push({ value: writer.valueOf(n), ackedAtMs: at, killedAtMs: killedAtMs[roundOf] });
              });
            });
            const values = await readValues(respPort, keys);
            let missing = 0;
            for (let i = 0; i < keys.length; i++) {
              if (values[i] === expected[i].value) continue;
              assert.equal(values[i], null, random.at(`${keys[i]} holds ${values[i]}`));
              missing++;
              const lostMs = expected[i].killedAtMs - expected[i].ackedAtMs;
              assert.ok(
                fsync === 'everysec' && lostMs < everysecLossMs,
                random.at(`${keys[i]} was acknowledged ${lostMs} ms before the kill and is missing`),
              );
            }
            console.log(`round ${round}: ${keys.length} acknowledged writes checked, ${missing} lost`);
            if (round === kills) break;
            for (let c = 0; c < clients; c++)
              writers.push(new PipelinedWriter(respPort, `r${round}c${c}`, depth));
            // everysec: long enough that some acknowledged writes are older than what it may lose.
            const runMs =
              fsync === 'always' ? 300 + random.int(1200) : everysecLossMs + 500 + random.int(1000);
            await new Promise((resolve) => setTimeout(resolve, runMs));
            killedAtMs.push(Date.now());
            await kill(server);
            for (const writer of writers.slice(-clients)) {
              writer.stop();
              assert.equal(writer.errors, 0, writer.lastError);
            }
            const acked = writers.slice(-clients).reduce((n, w) => n + w.ackedAtMs.length, 0);
            assert.ok(acked > 0, 'the clients got acknowledgements before the kill');
          } finally {
            await kill(server);
          }
        }
      });
    }
  });
}
