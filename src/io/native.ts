import { createRequire } from 'node:module';

/** Event kinds of the records the addon hands over (native/backend.h). */
export const EventKind = { open: 1, data: 2, closed: 3, refused: 4 } as const;

export interface NativeCounters {
  syscalls: number;
  batches: number;
  events: number;
  sends: number;
  accepted: number;
  refused: number;
  dropped: number;
}

export interface NativeTransportOptions {
  maxClients: number;
  maxPendingOutputBytes: number;
  deferTaskrun: boolean;
  coopTaskrun: boolean;
  multishotAccept: boolean;
  multishotRecv: boolean;
  recvBundle: boolean;
}

/** The addon's Transport (native/addon.cc). */
export interface NativeTransport {
  readonly backend: 'io_uring' | 'epoll';
  readonly features: string;
  /** Bytes received; data records point into it. */
  readonly receiveArea: ArrayBuffer;
  /** Event records: kind, connection id, offset, length (recordInts each). */
  readonly records: Int32Array;
  readonly openConnections: number;
  listenTcp(host: string, port: number): void;
  listenUnix(path: string): void;
  send(ids: Int32Array, starts: Int32Array, ends: Int32Array, buffers: Uint8Array[], count: number): void;
  close(id: number, flushFirst: boolean): void;
  stopListening(): void;
  destroy(): void;
  counters(): NativeCounters;
}

interface Addon {
  Transport: new (
    backend: string,
    options: NativeTransportOptions,
    onEvents: (count: number) => void,
  ) => NativeTransport;
  recordInts: number;
  /** False when liburing was missing at build time. */
  hasIoUring: boolean;
}

const require = createRequire(import.meta.url);
/** The compiled addon: dist/src/io/ → build/Release/. */
export const addon: Addon = require('../../../build/Release/fkvs_native.node');
