import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endsWithTests } from './child-processes.js';
import { stopProcess } from './stop-process.js';

/** How long a test waits for redis-server to say it is ready. */
const redisStartTimeoutMs = 10_000;
/** How long one command may take before the test fails instead of hanging. */
const redisReplyTimeoutMs = 10_000;

/** Fails with the fix when Debian's redis-server or redis-tools are missing (scripts/setup.sh installs them). */
export function requireRedisTools(): void {
  for (const tool of ['redis-server', 'redis-check-rdb', 'redis-check-aof']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      throw new Error(
        `${tool} is not installed: run scripts/setup.sh (apt-get install redis-server redis-tools)`,
      );
    }
  }
}

/** Directories tempDir made, removed by one exit listener (one each would pass Node's 10-listener warning). */
const tempDirs: string[] = [];

/** A fresh directory under the system's temp directory, removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `fkvs-${prefix}-`));
  if (tempDirs.length === 0) {
    process.once('exit', () => {
      for (const made of tempDirs) rmSync(made, { recursive: true, force: true });
    });
  }
  tempDirs.push(dir);
  return dir;
}

export type RespReply = string | number | Buffer | null | RespError | RespReply[];

export class RespError {
  constructor(readonly message: string) {}
}

/**
 * A redis-server of the test's own: no TCP listener (--port 0), a unix socket in its directory,
 * so it can never meet another test's server; ready once it logged so.
 */
export class RedisServer {
  private constructor(
    readonly process: ChildProcess,
    readonly dir: string,
    readonly socketPath: string,
    private readonly log: () => string,
  ) {}

  static async start(dir: string, args: string[] = []): Promise<RedisServer> {
    const socketPath = join(dir, 'redis.sock');
    const child = endsWithTests(
      spawn(
        'redis-server',
        ['--port', '0', '--unixsocket', socketPath, '--dir', dir, '--save', '', '--daemonize', 'no', ...args],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      ),
    );
    let log = '';
    child.stdout.on('data', (d) => {
      log += d;
    });
    child.stderr.on('data', (d) => {
      log += d;
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`redis-server not ready:\n${log}`));
      }, redisStartTimeoutMs);
      const check = () => {
        if (/ready to accept connections/i.test(log)) {
          clearTimeout(timer);
          child.stdout.off('data', check);
          resolve();
        }
      };
      child.stdout.on('data', check);
      child.once('exit', () => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited:\n${log}`));
      });
    });
    return new RedisServer(child, dir, socketPath, () => log);
  }

  output(): string {
    return this.log();
  }

  connect(): Promise<RespClient> {
    return RespClient.connect(this.socketPath);
  }

  /** SIGTERM and the exit (Redis flushes its log and exits 0); SIGKILL and an error after timeoutMs. */
  async stop(timeoutMs?: number): Promise<void> {
    await stopProcess(this.process, 'redis-server', this.log, timeoutMs);
  }
}

/** A minimal RESP2 client: one command at a time, replies parsed into plain values. */
export class RespClient {
  private buffer = Buffer.alloc(0);
  private waiting: ((reply: RespReply) => void) | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (data) => {
      this.buffer = Buffer.concat([this.buffer, data]);
      this.deliver();
    });
  }

  static connect(path: string): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection(path, () => resolve(new RespClient(socket)));
      socket.once('error', reject);
    });
  }

  command(...args: (string | Uint8Array | number)[]): Promise<RespReply> {
    const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
    for (const arg of args) {
      const bytes =
        typeof arg === 'number' ? Buffer.from(String(arg)) : Buffer.from(arg as Uint8Array | string);
      parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no reply to ${String(args[0])}`)),
        redisReplyTimeoutMs,
      );
      this.waiting = (reply) => {
        clearTimeout(timer);
        resolve(reply);
      };
      this.socket.write(Buffer.concat(parts));
      this.deliver();
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private deliver(): void {
    if (this.waiting === null) return;
    const parsed = parseReply(this.buffer, 0);
    if (parsed === undefined) return;
    this.buffer = this.buffer.subarray(parsed[1]);
    const waiting = this.waiting;
    this.waiting = null;
    waiting(parsed[0]);
  }
}

/** The reply at offset and the offset after it, or undefined when incomplete. */
function parseReply(buffer: Buffer, offset: number): [RespReply, number] | undefined {
  const lineEnd = buffer.indexOf('\r\n', offset);
  if (lineEnd < 0) return undefined;
  const kind = String.fromCharCode(buffer[offset]);
  const line = buffer.subarray(offset + 1, lineEnd).toString('latin1');
  const next = lineEnd + 2;
  if (kind === '+') return [line, next];
  if (kind === '-') return [new RespError(line), next];
  if (kind === ':') return [Number(line), next];
  if (kind === '$') {
    const length = Number(line);
    if (length < 0) return [null, next];
    if (buffer.length < next + length + 2) return undefined;
    return [Buffer.from(buffer.subarray(next, next + length)), next + length + 2];
  }
  if (kind === '*') {
    const count = Number(line);
    if (count < 0) return [null, next];
    const items: RespReply[] = [];
    let at = next;
    for (let i = 0; i < count; i++) {
      const item = parseReply(buffer, at);
      if (item === undefined) return undefined;
      items.push(item[0]);
      at = item[1];
    }
    return [items, at];
  }
  throw new Error(`unexpected reply type ${kind}`);
}

/** Every string key of the selected database with its value and absolute deadline (0: none), by KEYS and PEXPIRETIME. */
export async function readStrings(
  client: RespClient,
  db: number,
): Promise<Map<string, { value: Buffer; deadlineMs: number }>> {
  await client.command('SELECT', db);
  const keys = (await client.command('KEYS', '*')) as Buffer[];
  const result = new Map<string, { value: Buffer; deadlineMs: number }>();
  for (const key of keys) {
    const value = (await client.command('GET', key)) as Buffer;
    const deadline = (await client.command('PEXPIRETIME', key)) as number;
    result.set(key.toString('latin1'), { value, deadlineMs: Math.max(deadline, 0) });
  }
  return result;
}

/** db -> key (latin1) -> value and absolute deadline (0: none). */
export type StringContents = Map<number, Map<string, { value: Buffer; deadlineMs: number }>>;

/**
 * Starts redis-server in dir with args (it loads what is there), and asserts that databases 0-15
 * hold exactly the expected string keys, values and deadlines.
 */
export async function assertRedisLoads(dir: string, args: string[], expected: StringContents): Promise<void> {
  const server = await RedisServer.start(dir, args);
  try {
    const client = await server.connect();
    for (let db = 0; db < 16; db++) {
      const actual = await readStrings(client, db);
      const want = expected.get(db) ?? new Map();
      assert.equal(actual.size, want.size, `keys in db ${db}`);
      for (const [key, { value, deadlineMs }] of want) {
        const got = actual.get(key);
        assert.ok(got, `db ${db} key ${JSON.stringify(key)} missing`);
        assert.ok(got.value.equals(value), `db ${db} key ${JSON.stringify(key)}: value differs`);
        assert.equal(got.deadlineMs, deadlineMs, `db ${db} key ${JSON.stringify(key)}: deadline`);
      }
    }
    client.close();
  } finally {
    await server.stop();
  }
}
