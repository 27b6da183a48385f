import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { freePort, type RunningServer, startServer } from './server-process.js';

/** The append-only log's directory and its manifest's text, under a server's dir. */
export const logDir = (dir: string) => join(dir, 'appendonlydir');
export const manifestText = (dir: string) =>
  readFileSync(join(logDir(dir), 'appendonly.aof.manifest'), 'latin1');

/** Starts fkvs-server with the append-only log in dir (appendonly as asked), the Redis front on a free port. */
export async function startLogged(
  backendArgs: readonly string[],
  dir: string,
  fsync: string,
  extra: string[] = [],
  wrapper: string[] = [],
  appendonly = 'yes',
): Promise<{ server: RunningServer; respPort: number }> {
  const respPort = await freePort();
  const server = await startServer(
    [
      ...backendArgs,
      '--appendonly',
      appendonly,
      '--appendfsync',
      fsync,
      '--dir',
      dir,
      '--resp-port',
      String(respPort),
      ...extra,
    ],
    {},
    wrapper,
  );
  return { server, respPort };
}

/** SIGKILL and the exit: nothing of the server runs after this resolves. */
export async function kill(server: RunningServer): Promise<void> {
  if (server.process.exitCode !== null || server.process.signalCode !== null) return;
  const exited = new Promise((resolve) => server.process.once('exit', resolve));
  server.process.kill('SIGKILL');
  await exited;
}

/**
 * A RESP client that keeps `depth` SETs in flight (pipelined) until stopped, each key
 * `<prefix>:<n>` with value `v<n>`, and notes when each +OK came: what the server acknowledged.
 * An error reply (MISCONF) is noted apart and the client goes on.
 */
export class PipelinedWriter {
  /** ackedAtMs[n]: when the +OK of key n came. */
  readonly ackedAtMs: number[] = [];
  errors = 0;
  lastError = '';
  private sent = 0;
  private buffer = '';
  private stopped = false;
  private readonly socket: net.Socket;
  readonly closed: Promise<void>;

  constructor(
    port: number,
    readonly prefix: string,
    private readonly depth: number,
    /** Bytes of filler after `v<n>` in each value. */
    private readonly padBytes = 0,
  ) {
    this.socket = net.createConnection(port, '127.0.0.1');
    this.socket.setNoDelay(true);
    this.socket.on('connect', () => this.fill());
    this.socket.on('data', (data) => this.onData(data.toString('latin1')));
    this.closed = new Promise((resolve) => {
      this.socket.on('close', () => resolve());
      this.socket.on('error', () => {});
    });
  }

  /** The value of key n. */
  valueOf(n: number): string {
    return `v${n}${'x'.repeat(this.padBytes)}`;
  }

  stop(): void {
    this.stopped = true;
    this.socket.destroy();
  }

  private fill(): void {
    if (this.stopped) return;
    let batch = '';
    while (this.sent - this.ackedAtMs.length < this.depth) {
      const n = this.sent++;
      const key = `${this.prefix}:${n}`;
      const value = this.valueOf(n);
      batch += `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${value.length}\r\n${value}\r\n`;
    }
    if (batch !== '') this.socket.write(batch);
  }

  private onData(text: string): void {
    this.buffer += text;
    const now = Date.now();
    let at = 0;
    for (;;) {
      const end = this.buffer.indexOf('\r\n', at);
      if (end < 0) break;
      const line = this.buffer.slice(at, end);
      at = end + 2;
      if (line === '+OK') {
        this.ackedAtMs.push(now);
      } else {
        // An error takes the place of the key's ack: that key was not written.
        this.ackedAtMs.push(-1);
        this.errors++;
        this.lastError = line;
      }
    }
    this.buffer = this.buffer.slice(at);
    this.fill();
  }
}

/** The keys the writers' servers acknowledged, and the value each was set to. */
export function acknowledged(writers: readonly PipelinedWriter[]): { keys: string[]; values: string[] } {
  const keys: string[] = [];
  const values: string[] = [];
  for (const writer of writers) {
    writer.ackedAtMs.forEach((at, n) => {
      if (at < 0) return;
      keys.push(`${writer.prefix}:${n}`);
      values.push(writer.valueOf(n));
    });
  }
  return { keys, values };
}

/** A one-command-at-a-time RESP client over TCP for checks (KEYS, MGET, INFO); each reply must come within replyTimeoutMs. */
export async function respCommands(
  port: number,
  commands: string[][],
  replyTimeoutMs = 10_000,
): Promise<string[]> {
  const socket = net.createConnection(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const replies: string[] = [];
  let buffer = Buffer.alloc(0);
  const waiters: Array<() => void> = [];
  socket.on('data', (data) => {
    buffer = Buffer.concat([buffer, data]);
    waiters.shift()?.();
  });
  try {
    for (const command of commands) {
      let text = `*${command.length}\r\n`;
      for (const arg of command) text += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
      socket.write(text);
      for (;;) {
        const parsed = parseWhole(buffer, 0);
        if (parsed !== null) {
          replies.push(buffer.subarray(0, parsed).toString('latin1'));
          buffer = buffer.subarray(parsed);
          break;
        }
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no reply to ${command[0]}`)), replyTimeoutMs);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    }
  } finally {
    socket.destroy();
  }
  return replies;
}

/** The end of the whole reply at offset, or null when incomplete. */
function parseWhole(buffer: Buffer, offset: number): number | null {
  const lineEnd = buffer.indexOf('\r\n', offset);
  if (lineEnd < 0) return null;
  const kind = String.fromCharCode(buffer[offset]);
  const line = buffer.subarray(offset + 1, lineEnd).toString('latin1');
  const next = lineEnd + 2;
  if (kind === '$') {
    const length = Number(line);
    if (length < 0) return next;
    return buffer.length >= next + length + 2 ? next + length + 2 : null;
  }
  if (kind === '*') {
    let at = next;
    for (let i = 0; i < Number(line); i++) {
      const end = parseWhole(buffer, at);
      if (end === null) return null;
      at = end;
    }
    return at;
  }
  return next;
}

/** The values of keys (null: missing), by MGET in chunks. */
export async function readValues(port: number, keys: string[]): Promise<Array<string | null>> {
  const chunk = 500;
  const commands: string[][] = [];
  for (let i = 0; i < keys.length; i += chunk) commands.push(['MGET', ...keys.slice(i, i + chunk)]);
  const replies = await respCommands(port, commands);
  const values: Array<string | null> = [];
  for (const reply of replies) {
    const lines = reply.split('\r\n');
    for (let i = 1; i < lines.length - 1; ) {
      if (lines[i] === '$-1') {
        values.push(null);
        i++;
      } else {
        values.push(lines[i + 1]);
        i += 2;
      }
    }
  }
  return values;
}
