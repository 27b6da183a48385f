// The io_uring lost wake-up (fixed in 6dbacb5): under DEFER_TASKRUN the kernel runs at most 20
// deferred task work items per enter and keeps the rest on a retry list; while that list is not
// empty it does not take in new work, and new work added to a non-empty list signals no eventfd.
// Completions left there waited for an unrelated wake-up (p99 of 78 ms to 1 s under steady load).
// collect() now enters again while an enter brought in 20 or more. Here the server is stopped
// while 200 connections each send the first part of a request (so that one enter has far more than
// 20 completions to bring in, none of which makes a reply whose send would wake the loop again),
// continued, and then sent the rest: every request must be answered within a bound, and the
// server's `reenters` counter (transport counters, logged at shutdown) must have moved.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rep, req } from '../support/fkvs.js';
import { FrameClient, startServer } from '../support/server-process.js';
import { scaledMs } from '../support/time-scale.js';

/** Connections that send at once: ten times the kernel's 20 items per enter. */
const connections = 200;
/** Rounds of a stop, first parts, continue, last parts. */
const rounds = 3;
/** Time for the first parts to reach the stopped server's sockets, and for it to run again. */
const settleMs = 100;
/**
 * Longest a round's replies may take after the last parts were sent. Healthy: a few milliseconds
 * (tens on a busy shared machine); with the re-enter removed the requests are never answered.
 */
const replyBoundMs = scaledMs(2000);

describe('io_uring deferred task work: more than 20 completions per enter', () => {
  test('requests that reached a stopped server in parts from 200 connections are all answered; reenters moved', async (t) => {
    const server = await startServer(['--use-io-uring', 'true', '--max-clients', String(connections + 10)]);
    let stopped = false;
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    try {
      if (!/io_uring features: .*defer_taskrun/.test(server.output())) {
        t.skip('io_uring with DEFER_TASKRUN is not in use on this kernel (or build): nothing to test');
        return;
      }
      const clients = await Promise.all(
        Array.from({ length: connections }, () => FrameClient.connect(server.address)),
      );
      const request = req.ping('x');
      const reply = rep.pong('x');
      for (let round = 0; round < rounds; round++) {
        server.process.kill('SIGSTOP');
        for (const c of clients) c.send(request.subarray(0, request.length - 1));
        await pause(settleMs);
        server.process.kill('SIGCONT');
        await pause(settleMs);
        const start = performance.now();
        for (const c of clients) c.send(request.subarray(request.length - 1));
        const replies = await Promise.all(clients.map((c) => c.frames(1, replyBoundMs)));
        console.log(
          `round ${round}: all ${connections} replies in ${(performance.now() - start).toFixed(1)} ms`,
        );
        for (const r of replies) assert.deepEqual(r, [reply]);
      }
      for (const c of clients) c.socket.destroy();
      assert.equal(await server.stop(), 0);
      stopped = true;
      const counters = /transport counters: (\{.*\})/.exec(server.output());
      assert.ok(counters !== null, `no counters in the log:\n${server.output()}`);
      const reenters = JSON.parse(counters[1]).reenters as number;
      console.log(`reenters: ${reenters}`);
      assert.ok(reenters > 0, 'no enter brought in 20 completions or more: the load did not test the fix');
    } finally {
      if (!stopped) {
        server.process.kill('SIGCONT');
        await server.stop();
      }
    }
  });
});
