import net from 'node:net';
import { FeedResult, FrameReader, type FrameSink } from '../protocol/fkvs/frame-reader.js';

/** Where the server is: a TCP host (name, IPv4 or IPv6 literal) and port, or a unix socket path. */
export type Target = { host: string; port: number } | { path: string };

/** `127.0.0.1:5995`, `[::1]:5995` or the socket path, for prompts and messages. */
export function describeTarget(target: Target): string {
  if ('path' in target) return target.path;
  return net.isIPv6(target.host) ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}

/** The server cannot be reached, went away, or answered something that is not a reply. */
export class ConnectionError extends Error {}

/**
 * One connection used in lock step, like the original's blocking client: request() sends one
 * frame and resolves with exactly one reply frame, or rejects after the timeout. Replies are cut
 * out of the stream by the project's FrameReader. After any failure the connection is closed.
 */
export class Connection implements FrameSink {
  private readonly reader = new FrameReader();
  /** A request was sent and its reply not yet taken. */
  private awaiting = false;
  private reply: Uint8Array | null = null;
  private wake: (() => void) | null = null;
  private failure: ConnectionError | null = null;

  private constructor(
    private readonly socket: net.Socket,
    private readonly where: string,
  ) {
    socket.on('data', (chunk: Buffer) => {
      if (this.reader.feed(chunk, 0, chunk.length, this) !== FeedResult.ok) {
        this.fail('the server sent a frame larger than the protocol allows');
      }
      this.notify();
    });
    socket.on('error', (error) => this.fail(errorText(error)));
    socket.on('close', () => this.fail('connection closed by the server'));
  }

  static open(target: Target, timeoutMs: number): Promise<Connection> {
    const where = describeTarget(target);
    return new Promise((resolve, reject) => {
      const socket = 'path' in target ? net.connect(target.path) : net.connect(target.port, target.host);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new ConnectionError(`cannot connect to ${where}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(new ConnectionError(`cannot connect to ${where}: ${errorText(error)}`));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.setNoDelay(true);
        resolve(new Connection(socket, where));
      });
    });
  }

  onFrame(bytes: Uint8Array, at: number, coreLength: number): number {
    // Lock step: a frame is welcome only while a request waits for its one reply. Any other would
    // pair every later reply with the wrong request (and could pile up without bound).
    if (!this.awaiting || this.reply !== null) this.fail('the server sent a frame that no request asked for');
    else this.reply = bytes.slice(at, at + 2 + coreLength);
    return FeedResult.ok;
  }

  /** Sends one request frame and waits for its reply frame. */
  async request(frame: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    if (this.failure !== null) throw this.failure;
    this.awaiting = true;
    this.socket.write(frame);
    const deadline = Date.now() + timeoutMs;
    while (this.reply === null) {
      if (this.failure !== null) throw this.failure;
      const left = deadline - Date.now();
      if (left <= 0) {
        this.fail(`no reply within ${timeoutMs} ms`);
        throw this.failure;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const reply = this.reply;
    this.reply = null;
    this.awaiting = false;
    return reply;
  }

  close(): void {
    this.socket.destroy();
  }

  private fail(reason: string): void {
    if (this.failure === null) this.failure = new ConnectionError(`${this.where}: ${reason}`);
    this.socket.destroy();
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

const reasonByCode: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the server',
  EPIPE: 'connection closed by the server',
  ENOENT: 'no such socket file',
  EACCES: 'permission denied',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** One short line, such as `connection refused (ECONNREFUSED)`: never a stack. */
function errorText(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === undefined) return error.message;
  const reason = reasonByCode[code];
  return reason === undefined ? error.message : `${reason} (${code})`;
}
