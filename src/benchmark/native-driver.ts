import { getSystemErrorName } from 'node:util';
import { addon, EventKind, type NativeTransport } from '../io/native.js';
import { maxPendingOutputBytes } from '../limits.js';
import type { Driver, DriverEvents, Target } from './driver.js';

export type NativeBackend = 'io_uring' | 'epoll';

/**
 * The driver on the project's addon (the server's transport, connecting out): received bytes land
 * in one shared area and every connection's replies of a loop turn reach JS in one call, and the
 * turn's batches go back to the addon in one send() call.
 */
export class NativeDriver implements Driver {
  readonly name: string;
  private readonly native: NativeTransport;
  private readonly area: Uint8Array;
  private readonly records: Int32Array;
  private events: DriverEvents | null = null;
  /** Connection index by the addon's id, and back. */
  private indexById = new Int32Array(0);
  private idByIndex = new Int32Array(0);
  private opening = 0;
  private openingDone: ((error: Error | null) => void) | null = null;
  private queued = 0;
  private sendIds = new Int32Array(0);
  private sendStarts = new Int32Array(0);
  private sendEnds = new Int32Array(0);
  private readonly sendBuffers: Uint8Array[] = [];

  /** Throws when the backend cannot start (io_uring disabled, addon built without liburing). */
  constructor(backend: NativeBackend, connections: number) {
    this.native = new addon.Transport(
      backend,
      {
        maxClients: 0,
        maxOutgoing: connections,
        maxPendingOutputBytes,
        // Every io_uring feature: the addon's setup ladder drops what this kernel lacks.
        deferTaskrun: true,
        coopTaskrun: true,
        multishotAccept: true,
        multishotRecv: true,
      },
      (count: number) => this.onEvents(count),
    );
    this.name = this.native.backend;
    this.area = new Uint8Array(this.native.receiveArea);
    this.records = this.native.records;
  }

  async connect(target: Target, count: number, events: DriverEvents): Promise<void> {
    this.events = events;
    this.idByIndex = new Int32Array(count);
    this.sendIds = new Int32Array(count);
    this.sendStarts = new Int32Array(count);
    this.sendEnds = new Int32Array(count);
    let highest = 0;
    for (let index = 0; index < count; index++) {
      const id =
        'path' in target
          ? this.native.connectUnix(target.path)
          : this.native.connectTcp(target.host, target.port);
      this.idByIndex[index] = id;
      highest = Math.max(highest, id);
    }
    this.indexById = new Int32Array(highest + 1).fill(-1);
    for (let index = 0; index < count; index++) this.indexById[this.idByIndex[index]] = index;
    this.opening = count;
    await new Promise<void>((resolve, reject) => {
      this.openingDone = (error) => {
        this.openingDone = null;
        if (error === null) resolve();
        else reject(error);
      };
    });
  }

  send(connection: number, bytes: Uint8Array, start: number, end: number): void {
    // At most one batch per connection between flushes (a connection sends when all its
    // requests are answered), so `count` slots suffice; more would make the addon throw.
    const i = this.queued++;
    this.sendIds[i] = this.idByIndex[connection];
    this.sendStarts[i] = start;
    this.sendEnds[i] = end;
    this.sendBuffers[i] = bytes;
  }

  flush(): void {
    if (this.queued === 0) return;
    this.native.send(this.sendIds, this.sendStarts, this.sendEnds, this.sendBuffers, this.queued);
    this.queued = 0;
  }

  async close(): Promise<void> {
    this.native.destroy();
  }

  private onEvents(count: number): void {
    const records = this.records;
    const events = this.events!;
    for (let i = 0; i < count; i++) {
      const kind = records[4 * i];
      const index = this.indexById[records[4 * i + 1]];
      if (kind === EventKind.data) {
        events.data(index, this.area, records[4 * i + 2], records[4 * i + 3]);
      } else if (kind === EventKind.open) {
        if (--this.opening === 0) this.openingDone?.(null);
      } else if (kind === EventKind.closed) {
        const errno = records[4 * i + 2];
        if (this.openingDone !== null)
          this.openingDone(new Error(`connect ${errno > 0 ? getSystemErrorName(-errno) : 'closed'}`));
        else events.closed(index);
      }
    }
    // Inside this callback the addon starts the sends after the batch: one crossing for all.
    this.flush();
  }
}
