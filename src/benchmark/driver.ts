/** Where the benchmark connects. */
export type Target = { host: string; port: number } | { path: string };

/** What a driver reports; connection ids are 0 .. count-1 in the order they were asked for. */
export interface DriverEvents {
  /** Reply bytes [offset, offset + length) of `bytes`, valid only during the call. */
  data(connection: number, bytes: Uint8Array, offset: number, length: number): void;
  /** The connection is gone (peer closed or failed): its outstanding requests will not be answered. */
  closed(connection: number): void;
}

/**
 * Moves request and reply bytes for all connections of a run from one event loop. send() queues a
 * batch that the driver passes to the kernel as one write: sends made while handling events go
 * out when the driver's batch of events ends, others on flush().
 */
export interface Driver {
  readonly name: string;
  /** Opens `count` connections; rejects with a readable message when one cannot be opened. */
  connect(target: Target, count: number, events: DriverEvents): Promise<void>;
  /** Queues bytes[start, end) for the connection; the caller keeps them unchanged until replied. */
  send(connection: number, bytes: Uint8Array, start: number, end: number): void;
  /** Starts every send queued outside an event batch (timers, the first batch). */
  flush(): void;
  /** Closes every connection. */
  close(): Promise<void>;
}
