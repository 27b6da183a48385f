import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import { shutdownTimeoutMs } from '../../src/limits.js';
import { hex, rep, req } from '../support/fkvs.js';
import {
  FrameClient,
  type RunningServer,
  serverBackends,
  startServer,
  tempSocketPath,
} from '../support/server-process.js';

const valueBytes = 60_000;
const value = 'v'.repeat(valueBytes);
const reply = hex(rep.value(value));
/**
 * GETs of the value queued for the slow reader before SIGTERM, sent 5 at a time, short of what the
 * output limit allows. Measured here, a client that never reads is cut after 3.6 to 6 MB over TCP
 * and 1.8 MB over a unix socket: the kernel holds the rest. Over a unix socket, 20 of them leave
 * about 400 KB in the server's own queue, which a stop that does not flush loses; over TCP the
 * kernel takes up to some 5 MB, so there the test checks the closes and the time, not the flush.
 */
const queuedGets = { tcp: 30, unix: 20 } as const;
/** The slow reader pauses readPauseMs after each readChunkBytes it reads. */
const readChunkBytes = 128 * 1024;
const readPauseMs = 10;

/** A client that does not read until told, then reads slowly; collects every byte until the server closes. */
class SlowReader {
  private readonly chunks: Buffer[] = [];
  closed = false;
  private readonly ended: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.pause();
    socket.on('error', () => {});
    this.ended = new Promise((resolve) =>
      socket.on('close', () => {
        this.closed = true;
        resolve();
      }),
    );
  }

  static connect(address: RunningServer['address']): Promise<SlowReader> {
    return new Promise((resolve, reject) => {
      const socket = 'path' in address ? net.connect(address.path) : net.connect(address.port, address.host);
      socket.once('connect', () => resolve(new SlowReader(socket)));
      socket.once('error', reject);
    });
  }

  /** Reads, pausing now and then, until the server closes; rejects after timeoutMs. */
  async readSlowlyToEnd(timeoutMs: number): Promise<Buffer> {
    let unpaused = 0;
    this.socket.on('data', (d: Buffer) => {
      this.chunks.push(d);
      unpaused += d.length;
      if (unpaused < readChunkBytes) return;
      unpaused = 0;
      this.socket.pause();
      setTimeout(() => this.socket.resume(), readPauseMs);
    });
    this.socket.resume();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`still open after ${timeoutMs} ms`)), timeoutMs);
    });
    await Promise.race([this.ended, timeout]);
    clearTimeout(timer);
    return Buffer.concat(this.chunks);
  }
}

for (const [backend, backendArgs] of serverBackends) {
  for (const transport of ['tcp', 'unix'] as const) {
    describe(`SIGTERM over ${transport}, ${backend} backend`, () => {
      test('an idle client and a slow reader with megabytes queued: every reply delivered, both closed, exit 0 in time', async (t) => {
        const where = transport === 'unix' ? ['--unixsocket', tempSocketPath()] : [];
        const server = await startServer([...backendArgs, ...where]);
        t.after(() => {
          if (server.process.exitCode === null && server.process.signalCode === null)
            server.process.kill('SIGKILL');
        });
        const idle = await FrameClient.connect(server.address);
        idle.send(req.set('big', value));
        await idle.frames(1);
        idle.send(req.ping('idle'));
        assert.deepEqual(await idle.frames(1), [rep.pong('idle')]);

        const slow = await SlowReader.connect(server.address);
        const gets = queuedGets[transport];
        for (let sent = 0; sent < gets; sent += 5) {
          slow.socket.write(Buffer.concat(Array.from({ length: 5 }, () => req.get('big'))));
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await new Promise((resolve) => setTimeout(resolve, 100)); // the server answers all of them
        assert.equal(slow.closed, false, 'the slow reader is within the output limit');

        const exited = new Promise<number | null>((resolve) => server.process.on('exit', resolve));
        const signalledAt = Date.now();
        server.process.kill('SIGTERM');
        await idle.closedByServer(shutdownTimeoutMs);
        const idleClosedMs = Date.now() - signalledAt;
        const received = await slow.readSlowlyToEnd(2 * shutdownTimeoutMs);
        assert.equal(received.length, gets * reply.length, 'every reply byte delivered');
        for (let at = 0; at < received.length; at += reply.length) {
          assert.ok(received.subarray(at, at + reply.length).equals(reply), `reply at byte ${at}`);
        }
        assert.equal(await exited, 0, server.output());
        const exitMs = Date.now() - signalledAt;
        console.log(
          `${gets * reply.length} bytes queued: idle client closed after ${idleClosedMs} ms, exit 0 after ${exitMs} ms`,
        );
        assert.ok(idleClosedMs < shutdownTimeoutMs / 5, `the idle client closed after ${idleClosedMs} ms`);
        assert.ok(exitMs < shutdownTimeoutMs / 2, `exit after ${exitMs} ms`);
        if ('path' in server.address) assert.equal(server.output().includes('Failed'), false);
      });
    });
  }
}
