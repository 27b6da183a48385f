import { Commands } from '../../src/commands/commands.js';
import { dataCommands } from '../../src/commands/data-commands.js';
import { Databases } from '../../src/commands/databases.js';
import { OutputBuffer } from '../../src/io/output-buffer.js';
import { Transport } from '../../src/io/transport.js';
import { maxRespPendingOutputBytes } from '../../src/limits.js';
import { Dispatcher } from '../../src/protocol/fkvs/dispatcher.js';
import { FkvsSessionFactory } from '../../src/protocol/fkvs/session.js';
import { RespServer, type RespSettings } from '../../src/protocol/resp/server.js';
import type { RespSession } from '../../src/protocol/resp/session.js';
import { newServerInfo } from '../../src/server-info.js';
import type { ArenaStoreOptions } from '../../src/store/arena-store.js';
import { pendingOutput } from './pending-output.js';
import { freePort, tempSocketPath } from './server-process.js';

/** The 16 databases over small arena stores (options: e.g. look-ahead always on). */
export function testDatabases(options: ArenaStoreOptions = {}): Databases {
  return new Databases({ maxMemoryBytes: 256 * 1024 * 1024, ...options });
}

/** Settings for a RespServer over `databases` (CONFIG SET of eviction reaches their evictor). */
export function testSettings(databases: Databases, overrides: Partial<RespSettings> = {}): RespSettings {
  return {
    eviction: databases.evictor.settings,
    requirepass: '',
    protectedMode: true,
    maxBulkBytes: 512 * 1024 * 1024,
    maxQueryBufferBytes: 1024 * 1024 * 1024,
    port: 6379,
    bind: '127.0.0.1',
    unixSocket: '',
    maxClients: 10000,
    maxMemoryBytes: 1024 * 1024 * 1024,
    saveRules: [],
    stopWritesOnBgsaveError: true,
    enableProtectedConfigs: 'no',
    dir: process.cwd(),
    dbFilename: 'dump.rdb',
    autoAofRewritePercentage: 100,
    autoAofRewriteMinBytes: 64 * 1024 * 1024,
    ...overrides,
  };
}

/** A RespServer with the test commands, and connections fed bytes directly: no sockets. */
export class RespHarness {
  readonly server: RespServer;
  readonly killed: number[] = [];
  /** The peer each new connection reports ("" as a unix socket's). */
  peer = '127.0.0.1:40000';
  /** The local end each new connection reports (CLIENT LIST laddr). */
  local = '127.0.0.1:6379';
  nowMs = 1_700_000_000_000;

  constructor(settings: Partial<RespSettings> = {}, databases: Databases = testDatabases()) {
    this.server = new RespServer(
      databases,
      testSettings(databases, settings),
      newServerInfo(),
      dataCommands,
      (id) => this.killed.push(id),
      () => this.peer,
      () => this.local,
    );
  }

  connect(id = this.server.sessions.size + 1): TestConnection {
    return new TestConnection(this, this.server.open(id));
  }
}

export class TestConnection {
  readonly out = new OutputBuffer(maxRespPendingOutputBytes);
  status = 0;

  constructor(
    private readonly harness: RespHarness,
    readonly session: RespSession,
  ) {}

  /** Feeds the bytes (in the given pieces) and returns every reply byte written, as latin1. */
  send(...pieces: Array<string | Uint8Array>): string {
    for (const piece of pieces) {
      const bytes = typeof piece === 'string' ? Buffer.from(piece, 'latin1') : piece;
      // Inside a larger buffer at an offset, as the receive area hands it over.
      const area = new Uint8Array(bytes.length + 16).fill(0x41);
      area.set(bytes, 7);
      this.status = this.session.feed(area, 7, bytes.length, this.out, this.harness.nowMs);
      area.fill(0x5a); // the transport reuses the area: nothing may still point into it
      if (this.status !== 0) break;
    }
    const text = pendingOutput(this.out).toString('latin1');
    this.out.consume(this.out.pendingBytes);
    return text;
  }
}

/** A multibulk command. */
export function cmd(...args: Array<string | Uint8Array>): string {
  let text = `*${args.length}\r\n`;
  for (const a of args) {
    const s = typeof a === 'string' ? a : Buffer.from(a).toString('latin1');
    text += `$${Buffer.byteLength(s, 'latin1')}\r\n${s}\r\n`;
  }
  return text;
}

/** An in-process server on real sockets: FKVS on TCP, the Redis front on TCP and a unix socket, one store. */
export interface InProcessServer {
  fkvsPort: number;
  respPort: number;
  respPath: string;
  resp: RespServer;
  stop(): Promise<void>;
}

export async function startInProcess(
  useIoUring: boolean,
  settings: Partial<RespSettings> = {},
): Promise<InProcessServer> {
  const info = newServerInfo();
  const databases = testDatabases();
  const store = databases.get(0);
  const transport = new Transport(
    {
      useIoUring,
      ioUring: { deferTaskrun: true, coopTaskrun: true, multishotAccept: true, multishotRecv: true },
      maxClients: 256,
      maxQueuedOutputBytes: maxRespPendingOutputBytes,
      tcpKeepaliveSeconds: 0,
      maxClientOutputBytes: maxRespPendingOutputBytes,
    },
    info,
  );
  if (useIoUring && transport.native.backend !== 'io_uring')
    throw new Error(`no io_uring: ${transport.fallbackReason}`);
  const resp = new RespServer(
    databases,
    testSettings(databases, settings),
    info,
    dataCommands,
    (id) => transport.native.close(id, true),
    (id) => transport.native.peerAddress(id),
    (id) => transport.native.localAddress(id),
  );
  const fkvsPort = await freePort();
  const respPort = await freePort();
  const respPath = tempSocketPath();
  const commands = new Commands(store, info);
  commands.written = (bytes, offset, length) => resp.watches.touch(0, bytes, offset, length);
  transport.listenTcp('127.0.0.1', fkvsPort, new FkvsSessionFactory(new Dispatcher(commands), () => {}));
  transport.listenTcp('127.0.0.1', respPort, resp);
  transport.listenUnix(respPath, resp);
  const expiry = setInterval(() => store.expireCycle(Date.now()), 100);
  return {
    fkvsPort,
    respPort,
    respPath,
    resp,
    async stop() {
      clearInterval(expiry);
      await transport.shutdown(1000);
    },
  };
}
