import {
  drainAskBytes,
  initialDeferredInputBytes,
  initialOutputBytes,
  maxBatchInputBytesPerConnection,
  maxBatchOutputBytes,
  maxDeferredInputBytes,
  maxIdleOutputBytes,
  maxLightBatchOutputBytes,
  maxLightFeedOutputBytes,
  maxPendingOutputBytes,
  maxPooledOutputArrays,
} from '../limits.js';
import type { ConnectionCounters } from '../server-info.js';
import { ByteArrayPool } from './byte-array-pool.js';
import {
  addon,
  dispatchEvents,
  type NativeEvents,
  type NativeTransport,
  type NativeTransportOptions,
  SendBatch,
} from './native.js';
import { OutputBuffer } from './output-buffer.js';
import { type ProtocolSession, type SessionFactory, SessionStatus } from './session.js';

/** io_uring features that can be switched off one by one (native/backend.h), e.g. to test each rung. */
export interface IoUringSwitches {
  deferTaskrun: boolean;
  coopTaskrun: boolean;
  multishotAccept: boolean;
  multishotRecv: boolean;
}

export interface TransportOptions {
  useIoUring: boolean;
  ioUring: IoUringSwitches;
  maxClients: number;
  /**
   * Reply bytes the addon may queue for one connection while the kernel does not take them (a
   * client that does not read); over it the connection is dropped. Each listener's connections
   * get their factory's maxPendingOutputBytes; this is for a factory that names none.
   */
  maxQueuedOutputBytes: number;
  /** SO_KEEPALIVE idle seconds on accepted TCP sockets (Redis's tcp-keepalive); 0 off. */
  tcpKeepaliveSeconds: number;
  /**
   * Unsent reply bytes of all connections together (Redis's maxmemory-clients): past it the
   * connections holding the most are closed, until the rest fit.
   */
  maxClientOutputBytes: number;
}

/**
 * What runs at the end of each loop turn, before replies go out: the append-only log writes the
 * turn's writes. Under `appendfsync always` the replies of that turn wait until they are synced.
 */
export interface TurnEnd {
  /**
   * Writes out what the turn logged. Returns the sequence number the turn's replies must wait
   * for (durableSeq reaching it), or 0 when they may go at once.
   */
  endTurn(): number;
  /** The highest sequence number known durable; it only grows. */
  readonly durableSeq: number;
}

/** A file request completed: `result` 0, or -errno (util.getSystemErrorName). */
export type FileDone = (tag: number, result: number) => void;

/** How often a graceful stop checks whether every connection has flushed and closed. */
const shutdownPollMs = 5;

/** What the transport keeps per connection id; reused when the addon reuses the id. */
class ConnectionState {
  /** The session of the connection; null once it closed. */
  session: ProtocolSession | null = null;
  /** Closed by us (its session asked, or it was idle): its further data is ignored. */
  closing = false;
  listed = false;
  /** When its last bytes arrived, or it opened (Unix ms): what closeIdle compares. */
  lastActiveMs = 0;
  /**
   * Reply bytes handed to the addon since its last drained record: an upper bound of what the
   * addon still holds for it.
   */
  unsentBytes = 0;
  /** A drained record was asked for (notifyDrained) and has not come yet. */
  drainAsked = false;
  /** Its listener's outputPauseBytes, or 0: never paused. */
  pauseBytes = 0;
  /** Not read from until its drained record comes (unsentBytes passed pauseBytes). */
  paused = false;
  /** Its replies wait until the turn end's durableSeq reaches this (appendfsync always); 0: none wait. */
  heldSeq = 0;
  /**
   * Its requests put aside, in arrival order, when they came after the batch's reply budget was
   * spent (maxBatchOutputBytes); null when there are none. Not read from while there are.
   */
  deferred: OutputBuffer | null = null;
  /** What deferred is when set: made at the connection's first deferral, kept for the next ones. */
  deferredInput: OutputBuffer | null = null;
  /** What the addon was last told: reading paused (paused, or requests put aside). */
  readingPaused = false;
  /** Its last run of requests made at most maxLightFeedOutputBytes of replies. */
  light = false;

  constructor(public out: OutputBuffer) {}
}

/**
 * The JS side of the transport: connections and their reply buffers, fed from the addon's event
 * batches; the bytes of each connection go to the session its listener's factory made for it.
 * One callback in per batch, one send() out per batch.
 */
export class Transport {
  readonly native: NativeTransport;
  /** Why io_uring is not in use although it was asked for, or null. */
  readonly fallbackReason: string | null;
  private readonly area: Uint8Array;
  private readonly records: Int32Array;
  /** What dispatchEvents calls for each record of a batch. */
  private readonly events: NativeEvents;
  /** The time of the batch being handled (Unix ms). */
  private now = 0;
  private readonly connections: Array<ConnectionState | undefined> = [];
  /** The session factory of each listener, by the index its open records carry. */
  private readonly factories: SessionFactory[] = [];
  private readonly listed: number[] = [];
  private readonly toClose: number[] = [];
  private readonly sends = new SendBatch();
  private readonly maxClientOutputBytes: number;
  /** The append-only log's end of turn, or null (no persistence). */
  turnEnd: TurnEnd | null = null;
  /** Connections whose replies wait for a sync (ConnectionState.heldSeq). */
  private readonly held: number[] = [];
  /** By file id: who gets that file's records (openFile). */
  private readonly fileHandlers: Array<FileDone | undefined> = [];
  private readonly maxQueuedOutputBytes: number;
  /** Reply bytes produced in this batch, or since the last round of put-aside requests. */
  private batchOutputBytes = 0;
  /** Connections with requests put aside, in the order they are run. */
  private deferredIds: number[] = [];
  private deferredScheduled = false;
  private readonly runDeferredBound = () => this.runDeferred();
  /**
   * The first arrays of the connections' output buffers: taken at a connection's first reply,
   * given back when it closes or after a heavy run of replies, so that a storm of new connections
   * allocates none per connection (ByteArrayPool).
   */
  private readonly outputArrays = new ByteArrayPool(initialOutputBytes, maxPooledOutputArrays);

  constructor(
    options: TransportOptions,
    private readonly counters: ConnectionCounters,
  ) {
    const nativeOptions: NativeTransportOptions = {
      maxClients: options.maxClients,
      maxOutgoing: 0, // the server opens no connections
      maxPendingOutputBytes: options.maxQueuedOutputBytes,
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
    this.events = {
      opened: (id, listener) => this.opened(id, listener),
      received: (id, offset, length) => this.received(id, offset, length),
      closed: (id) => this.closed(id),
      refused: () => this.counters.disconnectedClients++,
      drained: (id) => this.drained(id),
      fileDone: (file, tag, result) => this.fileHandlers[file]?.(tag, result),
    };
    this.maxClientOutputBytes = options.maxClientOutputBytes;
    this.maxQueuedOutputBytes = options.maxQueuedOutputBytes;
  }

  /** Listens on an IPv4/IPv6 literal and port; each connection accepted gets a session of `factory`. */
  listenTcp(host: string, port: number, factory: SessionFactory): void {
    this.addFactory(this.native.listenTcp(host, port, this.queueLimit(factory)), factory);
  }

  /** As listenTcp, on a unix socket path. */
  listenUnix(path: string, factory: SessionFactory): void {
    this.addFactory(this.native.listenUnix(path, this.queueLimit(factory)), factory);
  }

  /** The addon's send queue limit for the factory's connections: the wire's own output limit. */
  private queueLimit(factory: SessionFactory): number {
    return factory.maxPendingOutputBytes ?? this.maxQueuedOutputBytes;
  }

  private addFactory(listener: number, factory: SessionFactory): void {
    if (listener !== this.factories.length) {
      throw new Error(`listener index ${listener}, expected ${this.factories.length}`);
    }
    this.factories.push(factory);
  }

  /**
   * Opens a file written through the backend (NativeTransport.openFile: FileMode); `done` gets
   * the tag and result of each of its requests, in the batch that reports it. Write with
   * native.writeFile, close with native.closeFile (records of writes queued before still come).
   */
  openFile(path: string, mode: number, done: FileDone): number {
    const file = this.native.openFile(path, mode);
    this.fileHandlers[file] = done;
    return file;
  }

  /**
   * Stops accepting, lets every connection flush its replies, closes them; then runs beforeDestroy
   * (the append-only log's last sync) and frees the backend.
   */
  async shutdown(timeoutMs: number, beforeDestroy?: () => Promise<void>): Promise<void> {
    const native = this.native;
    native.stopListening();
    this.connections.forEach((state, id) => {
      if (state !== undefined && !state.closing) native.close(id, true);
    });
    const deadline = Date.now() + timeoutMs;
    while (native.openConnections > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, shutdownPollMs));
    }
    if (beforeDestroy !== undefined) await beforeDestroy(); // files written through the backend
    native.destroy();
  }

  /**
   * Closes every connection that sent nothing for more than idleMs (after the replies it is
   * owed): Redis's `timeout`. Returns how many it closed.
   */
  closeIdle(nowMs: number, idleMs: number): number {
    let closed = 0;
    this.connections.forEach((state, id) => {
      if (state === undefined || state.closing || state.session === null) return;
      if (nowMs - state.lastActiveMs <= idleMs) return;
      state.closing = true;
      this.native.close(id, true);
      closed++;
    });
    return closed;
  }

  private onEvents(count: number): void {
    this.now = Date.now();
    // While requests wait, the budget is the event loop turn's (the addon may hand several batches
    // in one turn): runDeferred renews it.
    if (this.deferredIds.length === 0) this.batchOutputBytes = 0;
    dispatchEvents(this.records, count, this.events);
    this.flush();
  }

  /** `listener`: the index listenTcp/listenUnix got, which the open record carries. */
  private opened(id: number, listener: number): void {
    const factory = this.factories[listener];
    if (factory === undefined) throw new Error(`open record of connection ${id}: no listener ${listener}`);
    const maxPending = factory.maxPendingOutputBytes ?? maxPendingOutputBytes;
    let state = this.connections[id];
    if (state === undefined) {
      state = new ConnectionState(new OutputBuffer(maxPending, initialOutputBytes, this.outputArrays));
      this.connections[id] = state;
    } else if (state.out.maxPendingBytes !== maxPending) {
      state.out = new OutputBuffer(maxPending, initialOutputBytes, this.outputArrays); // the id was last used by another listener's connection
    }
    state.out.consume(state.out.pendingBytes);
    state.closing = false;
    state.listed = false;
    state.unsentBytes = 0;
    state.drainAsked = false;
    state.pauseBytes = factory.outputPauseBytes ?? 0;
    state.paused = false;
    state.heldSeq = 0;
    state.deferred = null;
    state.readingPaused = false;
    state.light = false;
    state.session = factory.open(id);
    state.lastActiveMs = this.now;
    this.counters.connectedClients++;
  }

  private closed(id: number): void {
    if (this.toClose.length > 0) {
      // Kept past its batch only while its replies were held: the id may be reused from now on.
      const at = this.toClose.indexOf(id);
      if (at >= 0) this.toClose.splice(at, 1);
    }
    const state = this.connections[id];
    if (state !== undefined) {
      state.session?.closed();
      state.session = null;
      state.out.drop();
      state.deferred = null;
      state.deferredInput?.drop();
      state.closing = true;
      this.forgetUnsent(state);
    }
    this.counters.connectedClients--;
    this.counters.disconnectedClients++;
  }

  private received(id: number, offset: number, length: number): void {
    const state = this.connections[id];
    if (state === undefined || state.closing) return;
    state.lastActiveMs = this.now;
    const budgetBytes = state.light ? maxLightBatchOutputBytes : maxBatchOutputBytes;
    if (state.deferred !== null || this.batchOutputBytes >= budgetBytes) {
      this.defer(id, state, offset, length);
      return;
    }
    this.feed(id, state, this.area, offset, length);
  }

  /** Runs the connection's requests in bytes[offset, offset + length) and acts on the status. */
  private feed(id: number, state: ConnectionState, bytes: Uint8Array, offset: number, length: number): void {
    const before = state.out.pendingBytes;
    const status = state.session!.feed(bytes, offset, length, state.out, this.now);
    const made = state.out.pendingBytes - before;
    this.batchOutputBytes += made;
    state.light = made <= maxLightFeedOutputBytes;
    if (status === SessionStatus.ok) {
      if (state.out.pendingBytes > 0 && !state.listed) {
        state.listed = true;
        this.listed.push(id);
      }
      return;
    }
    state.closing = true;
    if (status === SessionStatus.closeAfterReplies) {
      if (!state.listed && state.out.pendingBytes > 0) {
        state.listed = true;
        this.listed.push(id);
      }
      this.toClose.push(id); // after its earlier replies
    } else {
      state.out.consume(state.out.pendingBytes);
      this.native.close(id, false);
    }
  }

  /**
   * The turn's log goes out first. Under appendfsync always every connection with replies in a
   * turn that logged writes is held until the sync of that turn completes, as Redis sends no reply
   * before its beforeSleep fsync: a reply never tells of a write a crash can lose, nor shows one
   * to a reader. A held connection's later replies wait behind, in order.
   */
  private holdReplies(): void {
    const turnEnd = this.turnEnd;
    if (turnEnd === null) return;
    const seq = turnEnd.endTurn();
    const durable = turnEnd.durableSeq;
    const listed = this.listed;
    let kept = 0;
    for (let i = 0; i < listed.length; i++) {
      const state = this.connections[listed[i]]!;
      if (seq > 0 && state.heldSeq < seq) {
        if (state.heldSeq === 0) this.held.push(listed[i]);
        state.heldSeq = seq;
      }
      if (state.heldSeq > durable) state.listed = false;
      else listed[kept++] = listed[i];
    }
    listed.length = kept;
    let stillHeld = 0;
    for (let i = 0; i < this.held.length; i++) {
      const id = this.held[i];
      const state = this.connections[id]!;
      if (state.session !== null && state.heldSeq > durable) {
        this.held[stillHeld++] = id;
        continue;
      }
      state.heldSeq = 0;
      if (state.session !== null && !state.listed && state.out.pendingBytes > 0) {
        state.listed = true;
        listed.push(id);
      }
    }
    this.held.length = stillHeld;
  }

  /**
   * Puts the connection's bytes aside (the batch's reply budget is spent, or earlier ones wait):
   * they run in a later round, and the connection is not read from until then.
   */
  private defer(id: number, state: ConnectionState, offset: number, length: number): void {
    if (state.deferred === null) {
      // Sized for a few requests, not for replies: a thousand connections put aside at once
      // allocate little, and the array stays with the connection for its next deferral.
      state.deferredInput ??= new OutputBuffer(maxDeferredInputBytes, initialDeferredInputBytes);
      state.deferred = state.deferredInput;
      this.deferredIds.push(id);
      this.updateReading(id, state);
    }
    const at = state.deferred.reserve(length);
    if (at < 0) {
      // More than the addon can have read ahead of a pause: a broken invariant, not a client's doing.
      throw new Error(`connection ${id}: over ${maxDeferredInputBytes} request bytes put aside`);
    }
    state.deferred.bytes.set(this.area.subarray(offset, offset + length), at);
  }

  /**
   * A round of put-aside requests, with a batch's reply budget: each connection's next bytes (at
   * most a batch's worth), in order, until the budget is spent; then their replies are sent, and
   * the next round waits for the event loop's next turn.
   */
  private runDeferred(): void {
    this.deferredScheduled = false;
    this.now = Date.now();
    this.batchOutputBytes = 0;
    const ids = this.deferredIds;
    let done = 0;
    while (done < ids.length && this.batchOutputBytes < maxBatchOutputBytes) {
      const id = ids[done++];
      const state = this.connections[id];
      const input = state?.deferred;
      if (state === undefined || input === null || input === undefined) continue; // closed meanwhile
      const length = Math.min(input.pendingBytes, maxBatchInputBytesPerConnection);
      if (!state.closing) this.feed(id, state, input.bytes, input.start, length);
      input.consume(length);
      if (state.closing) {
        input.drop();
        state.deferred = null;
      } else if (input.pendingBytes > 0) {
        ids.push(id);
      } else {
        if (input.bytes.length > initialDeferredInputBytes) input.drop(); // a grown array goes back
        state.deferred = null;
        this.updateReading(id, state);
      }
    }
    this.deferredIds = ids.slice(done);
    this.flush();
  }

  /** Tells the addon whether to read the connection: not while paused or while requests wait. */
  private updateReading(id: number, state: ConnectionState): void {
    const pause = state.paused || state.deferred !== null;
    if (pause === state.readingPaused) return;
    state.readingPaused = pause;
    if (pause) this.native.pauseReading(id);
    else this.native.resumeReading(id);
  }

  /** Hands every connection's new replies to the addon in one call; then applies backpressure. */
  private flush(): void {
    this.holdReplies();
    const listed = this.listed;
    const count = listed.length;
    if (count > 0) {
      for (let i = 0; i < count; i++) this.addSends(listed[i], this.connections[listed[i]]!.out);
      this.sends.sendThrough(this.native);
      for (let i = 0; i < count; i++) {
        const id = listed[i];
        const state = this.connections[id]!;
        const sent = state.out.pendingBytes;
        state.out.consume(sent);
        // A large reply's room goes back. So does, to the pool, the first array of a heavy run
        // that did not grow it (its replies mostly values sent by reference): a client asking much
        // holds none between its runs, while one whose copied replies grew the array keeps it.
        const kept = state.out.bytes.length;
        if (kept > maxIdleOutputBytes || (!state.light && kept === initialOutputBytes)) state.out.drop();
        state.listed = false;
        state.unsentBytes += sent;
        this.counters.clientOutputBytes += sent;
        if (state.pauseBytes > 0 && !state.paused && state.unsentBytes > state.pauseBytes) {
          // Replies pile up: no more requests from it until the kernel has taken them.
          state.paused = true;
          this.updateReading(id, state);
        }
        if (!state.drainAsked && (state.paused || state.unsentBytes > drainAskBytes)) {
          // The estimate only falls when the addon says all was sent.
          state.drainAsked = true;
          this.native.notifyDrained(id);
        }
      }
      listed.length = 0;
      if (this.counters.clientOutputBytes > this.maxClientOutputBytes) this.evictClients();
    }
    if (this.toClose.length > 0) {
      // A connection whose replies are held closes once they went out.
      let kept = 0;
      for (const id of this.toClose) {
        if (this.connections[id]!.heldSeq > 0) this.toClose[kept++] = id;
        else this.native.close(id, true);
      }
      this.toClose.length = kept;
    }
    if (this.deferredIds.length > 0 && !this.deferredScheduled) {
      this.deferredScheduled = true;
      setImmediate(this.runDeferredBound); // after the addon's next poll: other clients go first
    }
  }

  /** The connection's pending replies, in order: its bytes, with its pinned pieces between them. */
  private addSends(id: number, out: OutputBuffer): void {
    let from = out.start;
    for (let p = 0; p < out.pinnedCount; p++) {
      const at = out.start + out.pinnedAt[p];
      if (at > from) this.sends.add(id, out.bytes, from, at);
      this.sends.addPinned(id, out.pinned[p], out.pinnedStarts[p], out.pinnedEnds[p]);
      from = at;
    }
    if (out.end > from) this.sends.add(id, out.bytes, from, out.end);
  }

  /** The addon sent everything queued for the connection (answering notifyDrained). */
  private drained(id: number): void {
    const state = this.connections[id];
    if (state === undefined || state.session === null) return;
    this.forgetUnsent(state);
    state.drainAsked = false;
    state.paused = false;
    if (!state.closing) this.updateReading(id, state);
  }

  private forgetUnsent(state: ConnectionState): void {
    this.counters.clientOutputBytes -= state.unsentBytes;
    state.unsentBytes = 0;
  }

  /**
   * Closes the connections holding the most unsent replies until the rest fit maxClientOutputBytes
   * (Redis 7's client eviction): clients that do not read, as the others' counts fall back to 0
   * at each drained record.
   */
  private evictClients(): void {
    while (this.counters.clientOutputBytes > this.maxClientOutputBytes) {
      let largest = -1;
      let largestBytes = 0;
      this.connections.forEach((state, id) => {
        if (state !== undefined && state.session !== null && state.unsentBytes > largestBytes) {
          largest = id;
          largestBytes = state.unsentBytes;
        }
      });
      if (largest < 0) return;
      const state = this.connections[largest]!;
      this.forgetUnsent(state);
      state.closing = true;
      this.counters.evictedClients++;
      this.native.close(largest, false);
    }
  }
}
