import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import { loggedCounters, socketFds } from '../support/connection-counts.js';
import { rep, req } from '../support/fkvs.js';
import { awaitInfoNumber } from '../support/info.js';
import { SeededRandom, seededRandom } from '../support/random.js';
import { encodeRequest, RespClient } from '../support/resp-client.js';
import {
  FrameClient,
  freePort,
  type RunningServer,
  serverBackends,
  tempSocketPath,
  withServer,
} from '../support/server-process.js';

/**
 * The seeded abuse run: for a few seconds, hostile clients mix random bytes, frames cut
 * short, resets in the middle of replies, readers that never read and storms of short
 * connections over both listeners (FKVS and Redis), while one good client per wire writes keys.
 * Afterwards the server answers, every key a good client saw acknowledged reads back whole over
 * both wires, and every count of connections agrees: INFO's, the sockets the process holds, and
 * the addon's own count and table (logged as it stops). Both backends; each backend serves one
 * wire over TCP and the other over a unix socket, then the other way round.
 */

/** How long the hostile clients run, per server. */
const abuseMs = 6000;
/** Hostile clients acting at once, each choosing its next act from its own seeded random. */
const abusers = 6;
const maxClients = 64;
/** Readers that never read, held open at once (the oldest is reset to make room for a new one). */
const maxSlowReaders = 12;
/** A storm opens between 10 and this many connections at once. */
const maxStormConnections = 48;
/** The value slow readers and resets ask for, over and over. */
const bigValueBytes = 60_000;
/** A good client's values: random bytes, as hex, of up to this many bytes. */
const maxGoodValueBytes = 1500;
/** The longest a good client may wait for one acknowledgement while the abuse runs. */
const goodReplyTimeoutMs = 10_000;
/** How long the counts may take to settle once the hostile clients are gone. */
const settleTimeoutMs = 5000;
/** A hostile connection is given up (destroyed) after this long, whatever it waits for. */
const hostileConnectionMs = 2000;
/** Keys read back per pipelined batch in the final check. */
const checkBatchKeys = 200;

type Address = RunningServer['address'];
type Wire = 'fkvs' | 'resp';
interface Listener {
  wire: Wire;
  address: Address;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Connects; null when the server refused or reset the connection first. */
function open(address: Address): Promise<net.Socket | null> {
  return new Promise((resolve) => {
    const socket = 'path' in address ? net.connect(address.path) : net.connect(address.port, address.host);
    socket.on('error', () => resolve(null));
    socket.once('connect', () => resolve(socket));
  });
}

/** Ends the connection with a FIN, an RST (TCP only: a unix socket has none) or a plain close. */
function finish(socket: net.Socket, address: Address, random: SeededRandom): void {
  const how = random.int(3);
  if (how === 0 && !('path' in address)) socket.resetAndDestroy();
  else if (how === 1) socket.end();
  else socket.destroy();
}

/** Resolves once the socket closed, destroying it after hostileConnectionMs. */
function closed(socket: net.Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.destroy();
      resolve();
    }, hostileConnectionMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function request(wire: Wire, argv: string[]): Buffer {
  if (wire === 'resp') return encodeRequest(argv);
  if (argv[0] === 'GET') return req.get(argv[1]);
  if (argv[0] === 'SET') return req.set(argv[1], argv[2]);
  return req.ping(argv[1]);
}

/** One hostile act of each kind; each ends its connections (or hands them to `slow`). */
class Abuse {
  /** Readers that never read, oldest first, with where they connected. */
  readonly slow: Array<{ socket: net.Socket; address: Address }> = [];
  readonly acts = { random: 0, partial: 0, reset: 0, slow: 0, storm: 0, refused: 0 };

  constructor(private readonly listeners: Listener[]) {}

  async act(random: SeededRandom): Promise<void> {
    const listener = this.listeners[random.int(this.listeners.length)];
    const kind = random.int(5);
    if (kind === 4) return this.storm(random, listener);
    const socket = await open(listener.address);
    if (socket === null) {
      this.acts.refused++;
      return;
    }
    socket.on('data', () => {});
    if (kind === 0) {
      // Random bytes; over FKVS half of them framed (a length that matches), so that the opcode
      // and fields are random rather than the length.
      const bytes = random.bytes(1 + random.int(400));
      if (listener.wire === 'fkvs' && bytes.length >= 3 && random.int(2) === 0)
        bytes.writeUInt16BE(bytes.length - 2);
      socket.write(bytes);
      this.acts.random++;
      await sleep(random.int(30));
      finish(socket, listener.address, random);
    } else if (kind === 1) {
      const whole = request(listener.wire, ['SET', `junk-${random.int(1000)}`, 'x'.repeat(random.int(5000))]);
      socket.write(whole.subarray(0, 1 + random.int(whole.length - 1)));
      this.acts.partial++;
      await sleep(random.int(30));
      finish(socket, listener.address, random);
    } else if (kind === 2) {
      // Resets while the replies are on their way.
      const gets = 2 + random.int(12);
      socket.write(Buffer.concat(Array.from({ length: gets }, () => request(listener.wire, ['GET', 'big']))));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, hostileConnectionMs);
        socket.once('data', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      this.acts.reset++;
      if ('path' in listener.address) socket.destroy();
      else socket.resetAndDestroy();
    } else {
      socket.pause(); // never reads
      const gets = 5 + random.int(30);
      socket.write(Buffer.concat(Array.from({ length: gets }, () => request(listener.wire, ['GET', 'big']))));
      this.acts.slow++;
      this.slow.push({ socket, address: listener.address });
      // The oldest goes with an RST or a close: a FIN would leave it half open, as the server
      // keeps its replies for a client that may still read.
      if (this.slow.length > maxSlowReaders) {
        const oldest = this.slow.shift()!;
        if (random.int(2) === 0 && !('path' in oldest.address)) oldest.socket.resetAndDestroy();
        else oldest.socket.destroy();
      }
      return;
    }
    await closed(socket);
  }

  private async storm(random: SeededRandom, listener: Listener): Promise<void> {
    this.acts.storm++;
    const count = 10 + random.int(maxStormConnections - 10);
    await Promise.all(
      Array.from({ length: count }, async () => {
        const socket = await open(listener.address);
        if (socket === null) {
          this.acts.refused++;
          return;
        }
        socket.on('data', () => {});
        if (random.int(2) === 0) socket.write(request(listener.wire, ['PING', 'storm']));
        finish(socket, listener.address, random);
        await closed(socket);
      }),
    );
  }

  endSlowReaders(): void {
    for (const { socket } of this.slow.splice(0)) socket.destroy();
  }
}

/** A good client of one wire: writes keys one at a time and remembers what was acknowledged. */
interface GoodClient {
  wire: Wire;
  set(key: string, value: string): Promise<void>;
  /** The values of the keys, read in pipelined batches. */
  get(keys: string[]): Promise<string[]>;
  end(): void;
}

async function goodFkvs(address: Address): Promise<GoodClient> {
  const client = await FrameClient.connect(address);
  return {
    wire: 'fkvs',
    async set(key, value) {
      client.send(req.set(key, value));
      assert.deepEqual(await client.frames(1, goodReplyTimeoutMs), [rep.value(value)]);
    },
    async get(keys) {
      client.send(Buffer.concat(keys.map((key) => req.get(key))));
      return client.frames(keys.length, goodReplyTimeoutMs);
    },
    end: () => client.end(),
  };
}

async function goodResp(address: Address): Promise<GoodClient> {
  const client = await RespClient.connect('path' in address ? { path: address.path } : address);
  return {
    wire: 'resp',
    async set(key, value) {
      assert.equal((await client.command(['SET', key, value])).raw.toString(), '+OK\r\n');
    },
    async get(keys) {
      const values: string[] = [];
      for (const key of keys) values.push(String((await client.command(['GET', key])).value));
      return values;
    },
    end: () => client.close(),
  };
}

const layouts = [
  { name: 'FKVS over TCP, Redis over a unix socket', fkvsUnix: false },
  { name: 'FKVS over a unix socket, Redis over TCP', fkvsUnix: true },
];

for (const [backend, backendArgs] of serverBackends) {
  describe(`seeded abuse run, ${backend} backend, max-clients ${maxClients}`, () => {
    for (const layout of layouts) {
      test(`${layout.name}: every acknowledged key kept, counts agree`, { timeout: 60_000 }, async () => {
        const random = seededRandom(`abuse run, ${backend}, ${layout.name}`);
        const fkvsPath = tempSocketPath();
        const respPath = tempSocketPath();
        const respPort = await freePort();
        const listenArgs = layout.fkvsUnix
          ? ['--unixsocket', fkvsPath, '--resp-port', String(respPort)]
          : ['--resp-unixsocket', respPath];
        const args = [
          ...backendArgs,
          ...listenArgs,
          '--max-clients',
          String(maxClients),
          '--maxmemory',
          '64mb',
          '--maxmemory-clients',
          '16mb',
        ];
        let stopped: RunningServer | null = null;
        await withServer(args, async (server) => {
          stopped = server;
          const pid = server.process.pid!;
          const respAddress: Address = layout.fkvsUnix
            ? { port: respPort, host: '127.0.0.1' }
            : { path: respPath };
          const listeners: Listener[] = [
            { wire: 'fkvs', address: server.address },
            { wire: 'resp', address: respAddress },
          ];
          const idleSockets = socketFds(pid);
          const good = [await goodFkvs(server.address), await goodResp(respAddress)];
          await good[0].set('big', 'v'.repeat(bigValueBytes));

          const acknowledged = new Map<string, string>();
          const abuse = new Abuse(listeners);
          const until = Date.now() + abuseMs;
          const writer = async (client: GoodClient, writerRandom: SeededRandom) => {
            for (let i = 0; Date.now() < until; i++) {
              const key = `good-${client.wire}-${i}`;
              const value = writerRandom.bytes(1 + writerRandom.int(maxGoodValueBytes)).toString('hex');
              await client.set(key, value);
              acknowledged.set(key, value);
            }
          };
          const abuser = async (abuserRandom: SeededRandom) => {
            while (Date.now() < until) await abuse.act(abuserRandom);
          };
          await Promise.all([
            ...good.map((client) => writer(client, new SeededRandom(random.next()))),
            ...Array.from({ length: abusers }, () => abuser(new SeededRandom(random.next()))),
          ]);
          abuse.endSlowReaders();
          console.log(
            `${backend}, ${layout.name}: ${acknowledged.size} keys acknowledged; acts ${JSON.stringify(abuse.acts)}`,
          );
          assert.ok(acknowledged.size > 0, random.at('the good clients were served'));

          // Every acknowledged key, read back over each wire.
          const keys = [...acknowledged.keys()];
          for (const client of good) {
            for (let at = 0; at < keys.length; at += checkBatchKeys) {
              const batch = keys.slice(at, at + checkBatchKeys);
              const values = await client.get(batch);
              for (const [i, key] of batch.entries()) {
                const expected = acknowledged.get(key)!;
                assert.equal(
                  values[i],
                  client.wire === 'fkvs' ? rep.value(expected) : `$${expected}`,
                  random.at(`${key} over ${client.wire}`),
                );
              }
            }
          }

          // Only the good clients and a new one are left: in INFO's count and in the sockets held.
          const after = await FrameClient.connect(server.address);
          after.send(req.ping('after'));
          assert.deepEqual(await after.frames(1), [rep.pong('after')], random.at('a new client served'));
          const clients = good.length + 1;
          await awaitInfoNumber(after, 'connected clients', clients, settleTimeoutMs);
          const deadline = Date.now() + settleTimeoutMs;
          while (socketFds(pid) !== idleSockets + clients && Date.now() < deadline) await sleep(20);
          assert.equal(socketFds(pid), idleSockets + clients, random.at('client sockets held'));
        });
        // Logged as the server stopped, with those three clients still connected.
        const counters = loggedCounters(stopped!);
        assert.deepEqual(
          [counters.openConnections, counters.tableConnections],
          [3, 3],
          random.at('addon counts'),
        );
      });
    }
  });
}
