import { createRequire } from 'node:module';

/** Event kinds of the records the addon hands over (native/backend.h). */
export const EventKind = { open: 1, data: 2, closed: 3, refused: 4, drained: 5, file: 6 } as const;

/** How openFile opens a file (native/backend.h FileMode). */
export const FileMode = {
  /** Created if missing; writes go on from its end. */
  append: 1,
  /** Created if missing, emptied. */
  truncate: 2,
  /** A directory, opened to be synced (a rename made durable). */
  directory: 3,
} as const;

/** What a writeFile request ends with before its record comes (native/backend.h FileSync). */
export const FileSync = { none: 0, data: 1, full: 2 } as const;

export interface NativeCounters {
  syscalls: number;
  batches: number;
  events: number;
  sends: number;
  accepted: number;
  refused: number;
  dropped: number;
  /** Connections open (as openConnections). */
  openConnections: number;
  /** Connections in the native table, counted slot by slot: always equal to openConnections. */
  tableConnections: number;
  /** Bytes queued by send() and not yet taken by the kernel, all connections together. */
  unsentOutputBytes: number;
  /** Bytes of pinned ranges (send's pinned[i]) the addon still holds: not yet sent, or read by a send in flight. */
  pinnedBytes: number;
  /** Pinned ranges the addon still holds. */
  pins: number;
  /** File operations started: a write, a sync, or a write linked to its sync. */
  fileWrites: number;
  /** The most file syncs in flight at once, of every file (native/files.h). */
  fileSyncsInFlightMax: number;
  /** File syncs completed, and their time from the start of their job to their end, summed (mean latency). */
  fileSyncs: number;
  fileSyncMicros: number;
  /** io_uring: enters collect() made again because the one before brought in 20 or more completions (the kernel's cap of deferred work per enter). */
  reenters: number;
}

export interface NativeTransportOptions {
  /** Accepted connections open at once; more are accepted and closed (a refused record). */
  maxClients: number;
  /** Connections opened by connectTcp/connectUnix at once; one more throws. */
  maxOutgoing: number;
  /** Send queue limit of outgoing connections, and of a listener's that names none. */
  maxPendingOutputBytes: number;
  /** Keepalive on accepted TCP connections: idle seconds before probes (as Redis's anetKeepAlive); 0: off. */
  tcpKeepaliveSeconds?: number;
  deferTaskrun: boolean;
  coopTaskrun: boolean;
  multishotAccept: boolean;
  multishotRecv: boolean;
}

/** The addon's Transport (native/addon.cc). */
export interface NativeTransport {
  readonly backend: 'io_uring' | 'epoll';
  readonly features: string;
  /** Bytes received; data records point into it. */
  readonly receiveArea: ArrayBuffer;
  /**
   * Event records: kind, connection id, offset, length (4 ints each). An open record's offset
   * is the index of the listener that accepted it (what listenTcp/listenUnix returned), -1 for an
   * outgoing connection. A closed record's offset is the errno when an outgoing connection failed
   * to connect (util.getSystemErrorName(-errno)), else 0. A data record holds at most 64 KiB more
   * of a connection than that connection already got in the batch (both backends): the rest comes
   * in later batches. A drained record answers notifyDrained.
   */
  readonly records: Int32Array;
  readonly openConnections: number;
  /**
   * Returns the listener's index (0 for the first opened), which its open records carry.
   * `maxPendingOutputBytes`: the send queue limit of the connections it accepts (past it send()
   * closes the connection); the transport's maxPendingOutputBytes when absent.
   */
  listenTcp(host: string, port: number, maxPendingOutputBytes?: number): number;
  listenUnix(path: string, maxPendingOutputBytes?: number): number;
  /**
   * Starts a connection to an IPv4/IPv6 literal and port (TCP_NODELAY); returns its id at once.
   * An open record follows when connected, or a closed record carrying the errno. Sends queued
   * before that are held until connected. Throws on a bad address or when maxOutgoing are open.
   */
  connectTcp(host: string, port: number): number;
  /** As connectTcp, to a unix socket path. */
  connectUnix(path: string): number;
  /**
   * Queues a copy of buffers[i][starts[i], ends[i]) for connection ids[i], i < count; where
   * pinned[i] is 1, the range itself, without a copy: the addon keeps buffers[i] alive until the
   * kernel has taken the range or the connection is gone (no send reads it any more), and its bytes
   * must not change until then. Called from onEvents, the sends start once the batch is handled;
   * called elsewhere, at once.
   */
  send(
    ids: Int32Array,
    starts: Int32Array,
    ends: Int32Array,
    buffers: Uint8Array[],
    count: number,
    pinned?: Uint8Array,
  ): void;
  /** Closes a connection, after its queued bytes when flushFirst; a closed record follows. */
  close(id: number, flushFirst: boolean): void;
  /**
   * Stops reading the connection: its peer's bytes wait in the kernel (and its window fills).
   * Bytes the backend already read still arrive as data records; sends go on. A paused connection
   * whose peer is gone is still read to its end, so that it closes.
   */
  pauseReading(id: number): void;
  resumeReading(id: number): void;
  /**
   * Asks for one drained record for the connection once every byte queued for it has been taken
   * by the kernel: at the start of the next batch when that is already so. With pauseReading,
   * JS's backpressure: pause when replies pile up, ask, resume on drained.
   */
  notifyDrained(id: number): void;
  /** "ip:port" of a connection's TCP peer; "" for a unix socket or an unknown id. Once per connection, not per request. */
  peerAddress(id: number): string;
  /** The local end: "ip:port", or "path:0" for a unix socket; "" for an unknown id. Once per connection. */
  localAddress(id: number): string;
  stopListening(): void;
  /**
   * Opens a file for writes through the backend (FileMode); returns its id (at most 64 open).
   * The open itself is a plain open(2) on the calling thread. Throws with the errno text.
   */
  openFile(path: string, mode: number): number;
  /**
   * Queues a copy of bytes[start, end) for the file, to be written at its end, then synced as
   * `sync` asks (FileSync); a file record with `tag` (an int32) follows once that is done, or
   * with -errno when it failed. One operation per file is in flight: requests made meanwhile go
   * together in the next one (one WRITE, one sync), and records come in request order. io_uring:
   * a WRITE linked to an FSYNC; epoll: a worker thread's pwrite and fdatasync. A failed
   * operation keeps its bytes; nothing more is written until retryFile. Returns false (nothing
   * queued) when the file already has 1 GiB queued. end - start may be 0: a sync alone.
   */
  writeFile(file: number, bytes: Uint8Array, start: number, end: number, sync: number, tag: number): boolean;
  /** After a failed request: writes its bytes again at the same offset, then what was queued since; `tag` gets a record when done. */
  retryFile(file: number, tag: number): void;
  /** Closes the file once its queue is written (at once when empty); a failed queue not retried is given up. */
  closeFile(file: number): void;
  /** Bytes the file holds: its size when opened plus what completed writes added. */
  fileSize(file: number): number;
  destroy(): void;
  counters(): NativeCounters;
  /**
   * What closed connections left behind, back to the system without stalling the loop: starts an
   * incremental garbage collection and hands glibc's free pages back (malloc_trim) on a pool
   * thread. What the collection frees is returned by the next call: after a wave of closes, twice.
   */
  releaseMemory(): void;
}

interface Addon {
  Transport: new (
    backend: string,
    options: NativeTransportOptions,
    onEvents: (count: number) => void,
  ) => NativeTransport;
  /** False when liburing was missing at build time. */
  hasIoUring: boolean;
  /**
   * madvise(MADV_HUGEPAGE) over the whole pages of the buffer's memory; the bytes advised (0 when
   * refused). For memory not yet touched: the kernel then backs it with 2 MiB pages where it can.
   */
  adviseHugePages(buffer: ArrayBuffer): number;
}

const require = createRequire(import.meta.url);
/**
 * The compiled addon: dist/src/io/ → build/Release/, or the file FKVS_NATIVE_ADDON names (the
 * coverage build that scripts/coverage.mjs makes apart from the normal one).
 */
export const addon: Addon = require(
  process.env.FKVS_NATIVE_ADDON || '../../../build/Release/fkvs_native.node',
);

/** Ints per event record: kind, connection id, offset, length (kRecordInts in native/backend.h). */
const recordInts = 4;

/** What an event batch says, one call per record (see NativeTransport.records for the fields). */
export interface NativeEvents {
  /** `listener`: the index listenTcp/listenUnix returned, -1 for an outgoing connection. */
  opened(id: number, listener: number): void;
  /** receiveArea[offset, offset + length) holds the bytes, until the callback returns. */
  received(id: number, offset: number, length: number): void;
  /** `errno`: the errno when an outgoing connection failed to connect (getSystemErrorName(-errno)), else 0. */
  closed(id: number, errno: number): void;
  /** A connection over maxClients was accepted and closed at once. */
  refused(id: number): void;
  /** Every byte queued for the connection was taken by the kernel (answers notifyDrained). */
  drained(id: number): void;
  /** A writeFile or retryFile request of the file completed: result 0, or -errno. Only users of files need it. */
  fileDone?(file: number, tag: number, result: number): void;
}

/** Decodes the first `count` records of an event batch (the addon's onEvents) into calls on `to`. */
export function dispatchEvents(records: Int32Array, count: number, to: NativeEvents): void {
  for (let i = 0, at = 0; i < count; i++, at += recordInts) {
    const kind = records[at];
    const id = records[at + 1];
    if (kind === EventKind.data) to.received(id, records[at + 2], records[at + 3]);
    else if (kind === EventKind.open) to.opened(id, records[at + 2]);
    else if (kind === EventKind.closed) to.closed(id, records[at + 2]);
    else if (kind === EventKind.refused) to.refused(id);
    else if (kind === EventKind.drained) to.drained(id);
    else if (kind === EventKind.file) to.fileDone!(id, records[at + 2], records[at + 3]);
    else throw new Error(`event record ${i}: unknown kind ${kind}`);
  }
}

const emptyBytes = new Uint8Array(0);

/** The arguments of one NativeTransport.send: byte ranges for connections, filled, sent, reused. */
export class SendBatch {
  private ids: Int32Array;
  private starts: Int32Array;
  private ends: Int32Array;
  /** 1 where the range goes by reference (addPinned). */
  private pinned: Uint8Array;
  private readonly buffers: Uint8Array[] = [];
  private count = 0;
  private hasPinned = false;

  constructor(initialCount = 64) {
    if (!(initialCount >= 1)) throw new RangeError(`SendBatch of ${initialCount}`);
    this.ids = new Int32Array(initialCount);
    this.starts = new Int32Array(initialCount);
    this.ends = new Int32Array(initialCount);
    this.pinned = new Uint8Array(initialCount);
  }

  get length(): number {
    return this.count;
  }

  /** Adds bytes[start, end) for connection `id`. */
  add(id: number, bytes: Uint8Array, start: number, end: number): void {
    const i = this.count;
    if (i === this.ids.length) this.grow();
    this.ids[i] = id;
    this.starts[i] = start;
    this.ends[i] = end;
    this.buffers[i] = bytes;
    this.pinned[i] = 0;
    this.count = i + 1;
  }

  /** Adds bytes[start, end) for connection `id` by reference (NativeTransport.send's pinned). */
  addPinned(id: number, bytes: Uint8Array, start: number, end: number): void {
    this.add(id, bytes, start, end);
    this.pinned[this.count - 1] = 1;
    this.hasPinned = true;
  }

  /**
   * Hands every range added to the addon in one call (it copies them, or pins those added by
   * addPinned) and empties the batch.
   */
  sendThrough(native: NativeTransport): void {
    if (this.count === 0) return;
    if (this.hasPinned) {
      native.send(this.ids, this.starts, this.ends, this.buffers, this.count, this.pinned);
      this.hasPinned = false;
    } else {
      native.send(this.ids, this.starts, this.ends, this.buffers, this.count);
    }
    // Kept, the references would keep closed connections' output buffers (and pinned values, now
    // the addon's to keep alive) from being collected.
    this.buffers.fill(emptyBytes, 0, this.count);
    this.count = 0;
  }

  private grow(): void {
    const size = this.ids.length * 2;
    const ids = new Int32Array(size);
    const starts = new Int32Array(size);
    const ends = new Int32Array(size);
    const pinned = new Uint8Array(size);
    ids.set(this.ids);
    starts.set(this.starts);
    ends.set(this.ends);
    pinned.set(this.pinned);
    this.ids = ids;
    this.starts = starts;
    this.ends = ends;
    this.pinned = pinned;
  }
}
