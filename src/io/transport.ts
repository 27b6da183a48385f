import { maxPendingOutputBytes } from '../limits.js';
import { FeedResult, FrameReader } from '../protocol/frame-reader.js';
import { OutputBuffer } from '../protocol/output-buffer.js';
import type { IoUringSwitches } from '../server/config.js';
import type { ServerInfo } from '../server/server-info.js';
import { addon, EventKind, type NativeTransport, type NativeTransportOptions } from './native.js';

/** What runs the frames of a connection: the Dispatcher, or a test's stand-in. */
export interface FrameConsumer {
  feed(
    reader: FrameReader,
    bytes: Uint8Array,
    offset: number,
    length: number,
    out: OutputBuffer,
    nowMs: number,
  ): number;
}

export interface TransportOptions {
  useIoUring: boolean;
  ioUring: IoUringSwitches;
  maxClients: number;
  tcpKeepaliveSeconds: number;
  log: (message: string) => void;
}

/** How often a graceful stop checks whether every connection has flushed and closed. */
const shutdownPollMs = 5;

class ConnectionState {
  readonly reader = new FrameReader();
  readonly out = new OutputBuffer();
  /** Closed by us (frame too large, output limit): its further data is ignored. */
  closing = false;
  listed = false;
}

/**
 * The JS side of the transport: per-connection frame state and reply buffers, fed from the
 * addon's event batches. One callback in per batch, one send() out per batch.
 */
export class Transport {
  readonly native: NativeTransport;
  /** Why io_uring is not in use although it was asked for, or null. */
  readonly fallbackReason: string | null;
  private readonly log: (message: string) => void;
  private readonly area: Uint8Array;
  private readonly records: Int32Array;
  private readonly connections: Array<ConnectionState | undefined> = [];
  private readonly listed: number[] = [];
  private readonly toClose: number[] = [];
  private sendIds = new Int32Array(64);
  private sendStarts = new Int32Array(64);
  private sendEnds = new Int32Array(64);
  private readonly sendBuffers: Uint8Array[] = [];

  constructor(
    options: TransportOptions,
    private readonly consumer: FrameConsumer,
    private readonly info: ServerInfo,
  ) {
    const nativeOptions: NativeTransportOptions = {
      maxClients: options.maxClients,
      maxOutgoing: 0, // the server opens no connections
      maxPendingOutputBytes,
      tcpKeepaliveSeconds: options.tcpKeepaliveSeconds,
      ...options.ioUring,
    };
    const onEvents = (count: number) => this.onEvents(count);
    let native: NativeTransport | null = null;
    let fallbackReason: string | null = null;
    if (options.useIoUring) {
      try {
        native = new addon.Transport('io_uring', nativeOptions, onEvents);
      } catch (error) {
        fallbackReason = (error as Error).message;
      }
    }
    this.native = native ?? new addon.Transport('epoll', nativeOptions, onEvents);
    this.fallbackReason = fallbackReason;
    this.area = new Uint8Array(this.native.receiveArea);
    this.records = this.native.records;
    this.log = options.log;
  }

  listenTcp(host: string, port: number): void {
    this.native.listenTcp(host, port);
  }

  listenUnix(path: string): void {
    this.native.listenUnix(path);
  }

  /** Stops accepting, lets every connection flush its replies, closes them; then frees the backend. */
  async shutdown(timeoutMs: number): Promise<void> {
    const native = this.native;
    native.stopListening();
    this.connections.forEach((state, id) => {
      if (state !== undefined && !state.closing) native.close(id, true);
    });
    const deadline = Date.now() + timeoutMs;
    while (native.openConnections > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, shutdownPollMs));
    }
    native.destroy();
  }

  private onEvents(count: number): void {
    const records = this.records;
    const now = Date.now();
    for (let i = 0; i < count; i++) {
      const kind = records[4 * i];
      const id = records[4 * i + 1];
      if (kind === EventKind.data) {
        this.received(id, records[4 * i + 2], records[4 * i + 3], now);
      } else if (kind === EventKind.open) {
        this.opened(id);
      } else if (kind === EventKind.closed) {
        const state = this.connections[id];
        if (state !== undefined) {
          state.reader.reset();
          state.out.consume(state.out.pendingBytes);
          state.closing = true;
        }
        this.info.connectedClients--;
        this.info.disconnectedClients++;
      } else if (kind === EventKind.refused) {
        this.info.disconnectedClients++;
      }
    }
    this.flush();
  }

  private opened(id: number): void {
    let state = this.connections[id];
    if (state === undefined) {
      state = new ConnectionState();
      this.connections[id] = state;
    }
    state.reader.reset();
    state.out.consume(state.out.pendingBytes);
    state.closing = false;
    state.listed = false;
    this.info.connectedClients++;
  }

  private received(id: number, offset: number, length: number, now: number): void {
    const state = this.connections[id];
    if (state === undefined || state.closing) return;
    const result = this.consumer.feed(state.reader, this.area, offset, length, state.out, now);
    if (result === FeedResult.ok) {
      if (state.out.pendingBytes > 0 && !state.listed) {
        state.listed = true;
        this.listed.push(id);
      }
      return;
    }
    state.closing = true;
    if (result === FeedResult.closeFrameTooLarge) {
      this.log(`client ${id}: frame too large (core_len 65535), closing`);
      if (!state.listed && state.out.pendingBytes > 0) {
        state.listed = true;
        this.listed.push(id);
      }
      this.toClose.push(id); // after its earlier replies
    } else {
      this.log(`client ${id}: pending output over ${maxPendingOutputBytes} bytes, closing`);
      state.out.consume(state.out.pendingBytes);
      this.native.close(id, false);
    }
  }

  /** Hands every connection's new replies to the addon in one call. */
  private flush(): void {
    const listed = this.listed;
    const count = listed.length;
    if (count > 0) {
      if (count > this.sendIds.length) this.growSendArrays(count);
      for (let i = 0; i < count; i++) {
        const state = this.connections[listed[i]]!;
        this.sendIds[i] = listed[i];
        this.sendStarts[i] = state.out.start;
        this.sendEnds[i] = state.out.end;
        this.sendBuffers[i] = state.out.bytes;
      }
      this.native.send(this.sendIds, this.sendStarts, this.sendEnds, this.sendBuffers, count);
      for (let i = 0; i < count; i++) {
        const state = this.connections[listed[i]]!;
        state.out.consume(state.out.pendingBytes);
        state.listed = false;
      }
      listed.length = 0;
    }
    if (this.toClose.length > 0) {
      for (const id of this.toClose) this.native.close(id, true);
      this.toClose.length = 0;
    }
  }

  private growSendArrays(count: number): void {
    let size = this.sendIds.length;
    while (size < count) size *= 2;
    this.sendIds = new Int32Array(size);
    this.sendStarts = new Int32Array(size);
    this.sendEnds = new Int32Array(size);
  }
}
