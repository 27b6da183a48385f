import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backendServerArgs, testedBackends } from './backends.js';
import { endsWithTests } from './child-processes.js';
import { stopProcess } from './stop-process.js';
import { scaledMs } from './time-scale.js';

/** The backends under test (both unless the kernel matrix chose one), each with the flags that choose it. */
export const serverBackends: ReadonlyArray<readonly [string, readonly string[]]> = testedBackends.map(
  (backend) => [backend, backendServerArgs(backend)] as const,
);

/** How long a test waits for the server to say it is ready. */
const startTimeoutMs = scaledMs(10_000);

export interface RunningServer {
  process: ChildProcess;
  /** Where clients connect: { port } or { path }. */
  address: { port: number; host: string } | { path: string };
  output: () => string;
  /** SIGTERM, then the exit code; SIGKILL and an error with the last log lines after timeoutMs (stopTimeoutMs). */
  stop: (timeoutMs?: number) => Promise<number | null>;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export function tempSocketPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'fkvs-')), 'fkvs.sock');
}

/**
 * Starts bin/fkvs-server with the args (through `wrapper`, a command that execs the rest, such as
 * prlimit, when given); resolves once it logged its last start-up line.
 */
export async function startServer(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  wrapper: string[] = [],
): Promise<RunningServer> {
  let address: RunningServer['address'];
  const socket = args.indexOf('--unixsocket');
  if (socket >= 0) {
    address = { path: args[socket + 1] };
  } else if (args.includes('--port')) {
    address = { port: Number(args[args.indexOf('--port') + 1]), host: '127.0.0.1' };
  } else {
    const port = await freePort();
    args = [...args, '--port', String(port)];
    address = { port, host: '127.0.0.1' };
  }
  // The Redis front's default port (6379) would be shared by every server of a run: off unless asked for.
  if (!args.includes('--resp-port')) args = [...args, '--resp-port', '0'];
  // Redis's default save rules would leave a dump.rdb in the working directory at each stop: off unless asked for.
  if (!args.includes('--save')) args = [...args, '--save', ''];
  const command = [...wrapper, process.execPath, 'bin/fkvs-server', ...args];
  const child = endsWithTests(
    spawn(command[0], command.slice(1), {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // else it would keep the test process alive
      reject(new Error(`server not ready:\n${output}`));
    }, startTimeoutMs);
    const check = () => {
      if (output.includes('allocator: ')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', check);
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`server exited:\n${output}`));
    });
  });
  return {
    process: child,
    address,
    output: () => output,
    stop: (timeoutMs) => stopProcess(child, 'fkvs-server', () => output, timeoutMs),
  };
}

/** A client that reads whole reply frames. */
export class FrameClient {
  readonly socket: net.Socket;
  private buffered = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d) => {
      this.buffered = Buffer.concat([this.buffered, d]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static connect(address: RunningServer['address']): Promise<FrameClient> {
    return new Promise((resolve, reject) => {
      const socket = 'path' in address ? net.connect(address.path) : net.connect(address.port, address.host);
      socket.once('connect', () => resolve(new FrameClient(socket)));
      socket.once('error', reject);
    });
  }

  send(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** The next n reply frames, as hex strings; rejects on close or timeout. */
  async frames(n: number, timeoutMs = scaledMs(5000)): Promise<string[]> {
    const out: string[] = [];
    const deadline = Date.now() + timeoutMs;
    while (out.length < n) {
      if (this.buffered.length >= 2 && this.buffered.length >= 2 + this.buffered.readUInt16BE(0)) {
        const size = 2 + this.buffered.readUInt16BE(0);
        out.push(
          this.buffered
            .subarray(0, size)
            .toString('hex')
            .replace(/(..)(?!$)/g, '$1 '),
        );
        this.buffered = this.buffered.subarray(size);
        continue;
      }
      if (this.closed) throw new Error(`closed after ${out.length} of ${n} frames`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout after ${out.length} of ${n} frames`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return out;
  }

  /** Resolves when the server closed the connection (rejects after the timeout). */
  async closedByServer(timeoutMs = scaledMs(5000)): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('still open');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  bytesBuffered(): number {
    return this.buffered.length;
  }

  end(): void {
    this.socket.end();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** Runs fn against a fresh server and always stops it; returns the server's exit code. */
export async function withServer(
  args: string[],
  fn: (server: RunningServer) => Promise<void>,
  env: NodeJS.ProcessEnv = {},
): Promise<number | null> {
  const server = await startServer(args, env);
  let failure: unknown = null;
  try {
    await fn(server);
  } catch (error) {
    failure = error;
  }
  const code = await server.stop();
  if (failure !== null) throw failure;
  if (code !== 0) throw new Error(`server exited with ${code}:\n${server.output()}`);
  return code;
}
