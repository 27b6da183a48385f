import net from 'node:net';
import type { Driver, DriverEvents, Target } from './driver.js';

/**
 * The driver on node:net, for builds without the native addon: one write() per batch, but also
 * one 'data' event and one Buffer per read, which costs more per request than the addon.
 */
export class NetDriver implements Driver {
  readonly name = 'node:net';
  private sockets: net.Socket[] = [];

  async connect(target: Target, count: number, events: DriverEvents): Promise<void> {
    const opening: Array<Promise<void>> = [];
    for (let id = 0; id < count; id++) {
      const socket = 'path' in target ? net.connect(target.path) : net.connect(target.port, target.host);
      socket.setNoDelay(true);
      this.sockets.push(socket);
      opening.push(
        new Promise<void>((resolve, reject) => {
          socket.once('connect', () => {
            socket.off('error', reject);
            socket.on('error', () => {}); // 'close' follows and reports it
            socket.on('data', (chunk: Buffer) => events.data(id, chunk, 0, chunk.length));
            socket.on('close', () => events.closed(id));
            resolve();
          });
          socket.once('error', reject);
        }),
      );
    }
    await Promise.all(opening);
  }

  send(connection: number, bytes: Uint8Array, start: number, end: number): void {
    this.sockets[connection].write(bytes.subarray(start, end));
  }

  flush(): void {}

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets = [];
  }
}
