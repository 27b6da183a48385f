import { getSystemErrorName } from 'node:util';
import { addon, dispatchEvents, type NativeEvents, type NativeTransport, SendBatch } from '../io/native.js';
import { maxPendingOutputBytes } from '../limits.js';
import type { Driver, DriverEvents, Target } from './driver.js';

export type NativeBackend = 'io_uring' | 'epoll';

/**
 * The driver on the project's addon (the server's transport, connecting out): received bytes land
 * in one shared area and every connection's replies of a loop turn reach JS in one call, and the
 * turn's batches go back to the addon in one send() call.
 */
export class NativeDriver implements Driver, NativeEvents {
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
  private readonly sends = new SendBatch();

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
    this.sends.add(this.idByIndex[connection], bytes, start, end);
  }

  flush(): void {
    this.sends.sendThrough(this.native);
  }

  async close(): Promise<void> {
    this.native.destroy();
  }

  /** NativeEvents, called by dispatchEvents from onEvents. */
  opened(): void {
    if (--this.opening === 0) this.openingDone?.(null);
  }

  received(id: number, offset: number, length: number): void {
    this.events!.data(this.indexById[id], this.area, offset, length);
  }

  closed(id: number, errno: number): void {
    if (this.openingDone !== null)
      this.openingDone(new Error(`connect ${errno > 0 ? getSystemErrorName(-errno) : 'closed'}`));
    else this.events!.closed(this.indexById[id]);
  }

  refused(): void {} // the benchmark accepts no connections

  drained(): void {} // the benchmark never asks (notifyDrained)

  private onEvents(count: number): void {
    dispatchEvents(this.records, count, this);
    // Inside this callback the addon starts the sends after the batch: one crossing for all.
    this.flush();
  }
}
