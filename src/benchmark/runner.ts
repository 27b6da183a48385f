import { performance } from 'node:perf_hooks';
import type { BenchmarkOptions } from './args.js';
import { BatchBuffer } from './batch.js';
import type { Driver, Target } from './driver.js';
import { type LatencySummary, OpenModel } from './open-model.js';
import type { ReplyStream } from './request-template.js';
import type { Workload } from './workload.js';

export interface RunResult {
  clients: number;
  requests: number;
  pipeline: number;
  /** Requests answered with the expected reply. */
  completed: number;
  /** Requests answered with another reply (an error frame, a wrong value), and replies to no request. */
  wrong: number;
  /** Requests with no reply: timed out, connection closed, or never sent because of that. */
  missing: number;
  elapsedSeconds: number;
  /** CPU time of this process over the timed phase, user + system (getrusage), microseconds. */
  cpuUs: number;
  latency: LatencySummary | null;
}

/** A stalled connection fails after this many checks without a reply (the checks run every timeout / 4). */
const stallChecks = 4;
/** The open model waits on a timer when the next request is due later than this; closer, it spins. */
const timerSlackMs = 2;

class Connection {
  /** Requests of its share not sent yet. */
  unsent: number;
  /** Sent and not answered yet. */
  outstanding = 0;
  /** Requests sent so far; also the pattern position of the next one, modulo the pattern. */
  sent = 0;
  answered = 0;
  answeredAtCheck = 0;
  stalledChecks = 0;
  finished = false;

  constructor(
    readonly id: number,
    share: number,
    readonly checker: ReplyStream,
    readonly batch: BatchBuffer,
  ) {
    this.unsent = share;
  }
}

/**
 * One run: opens the connections, sends the workload's setup requests, then drives every
 * connection from the driver's events. Closed loop (the original's): each connection sends
 * min(P, left) requests in one write and sends the next batch when all are answered. Open model
 * (-R): one request at a time per connection, each at its scheduled time (see OpenModel).
 */
export class Runner {
  private readonly connections: Connection[] = [];
  private readonly open: OpenModel | null;
  private readonly patternLength: number;
  private setupChecker: ReplyStream | null = null;
  private setupDone: ((error: Error | null) => void) | null = null;
  private finishedConnections = 0;
  private missing = 0;
  /** Replies beyond the requests sent; they count as wrong. */
  private unrequested = 0;
  private startMs = 0;
  private endMs = 0;
  private cpuAtStart: NodeJS.CpuUsage = { user: 0, system: 0 };
  private cpu: NodeJS.CpuUsage = { user: 0, system: 0 };
  private nextSlot = 0;
  private lastSlot = 0;
  private stallTimer: NodeJS.Timeout | null = null;
  private tickTimer: NodeJS.Timeout | null = null;
  private tickImmediate: NodeJS.Immediate | null = null;
  private done: (() => void) | null = null;
  /** tick() bound once: a closure per wait would be an allocation per spin of the schedule. */
  private readonly tickCallback = () => this.tick();

  constructor(
    private readonly options: BenchmarkOptions,
    private readonly workload: Workload,
    private readonly driver: Driver,
  ) {
    this.open = options.rate > 0 ? new OpenModel(options.rate, options.clients, options.calibrationMs) : null;
    this.patternLength = workload.pattern.length;
    // Without -r every connection sends the same bytes: one shared buffer.
    const shared = workload.keys === null ? new BatchBuffer(workload.pattern, options.pipeline) : null;
    const base = Math.floor(options.requests / options.clients);
    const extra = options.requests % options.clients;
    for (let id = 0; id < options.clients; id++) {
      this.connections.push(
        new Connection(
          id,
          base + (id < extra ? 1 : 0),
          workload.checker(workload.pattern),
          shared ?? new BatchBuffer(workload.pattern, options.pipeline),
        ),
      );
    }
  }

  /** Replies received so far (for the progress line). */
  answered(): number {
    let sum = 0;
    for (const connection of this.connections) sum += connection.answered;
    return sum;
  }

  async run(target: Target): Promise<RunResult> {
    try {
      await this.connect(target);
      if (this.workload.setup.length > 0) await this.runSetup();
      await new Promise<void>((resolve) => {
        this.done = resolve;
        this.start();
      });
    } finally {
      this.stopTimers();
      await this.driver.close();
    }
    const connections = this.connections;
    return {
      clients: this.options.clients,
      requests: this.options.requests,
      pipeline: this.options.pipeline,
      completed: connections.reduce((sum, c) => sum + c.checker.ok, 0),
      wrong: connections.reduce((sum, c) => sum + c.checker.wrong, 0) + this.unrequested,
      missing: this.missing,
      elapsedSeconds: (this.endMs - this.startMs) / 1000,
      cpuUs: this.cpu.user + this.cpu.system,
      latency: this.open === null ? null : this.open.summary(),
    };
  }

  /** Opens the connections; an unanswered connect (a full accept queue, a dropped SYN) fails after the timeout. */
  private async connect(target: Target): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeoutMs = this.options.replyTimeoutMs;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`connect: no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    const events = {
      data: (id: number, bytes: Uint8Array, offset: number, length: number) =>
        this.received(id, bytes, offset, length),
      closed: (id: number) => this.closed(id),
    };
    try {
      await Promise.race([this.driver.connect(target, this.options.clients, events), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends the setup requests on the first connection and checks their replies. */
  private runSetup(): Promise<void> {
    const setup = this.workload.setup;
    this.setupChecker = this.workload.checker(setup);
    const bytes = Buffer.concat(setup.map((s) => s.frame));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => finish(new Error('no reply to the setup requests')),
        this.options.replyTimeoutMs,
      );
      const finish = (error: Error | null) => {
        clearTimeout(timer);
        this.setupChecker = null;
        this.setupDone = null;
        if (error === null) resolve();
        else reject(error);
      };
      this.setupDone = finish;
      this.driver.send(0, bytes, 0, bytes.length);
      this.driver.flush();
    });
  }

  private start(): void {
    this.cpuAtStart = process.cpuUsage();
    this.startMs = performance.now();
    const timeoutMs = this.options.replyTimeoutMs;
    this.stallTimer = setInterval(() => this.checkStalls(), Math.max(1, timeoutMs / stallChecks));
    if (this.open === null) {
      for (const connection of this.connections) this.sendBatch(connection);
      this.driver.flush();
      return;
    }
    this.open.startMs = this.startMs;
    // The first connections have the largest share (the original's split).
    this.lastSlot = this.options.clients * this.connections[0].unsent;
    this.tick();
  }

  private sendBatch(connection: Connection): void {
    const count = Math.min(this.options.pipeline, connection.unsent);
    const first = connection.sent % this.patternLength;
    const batch = connection.batch;
    if (this.workload.keys !== null) batch.writeKeys(this.workload.keys, first, count);
    this.driver.send(connection.id, batch.bytes, batch.frameStart(first), batch.frameStart(first + count));
    connection.sent += count;
    connection.unsent -= count;
    connection.outstanding += count;
  }

  private received(id: number, bytes: Uint8Array, offset: number, length: number): void {
    const connection = this.connections[id];
    if (this.setupChecker !== null) {
      if (id === 0 && this.setupChecker.feed(bytes, offset, length) > 0) this.checkSetup();
      return;
    }
    if (connection.finished) return;
    const replies = connection.checker.feed(bytes, offset, length);
    if (replies === 0) return;
    connection.answered += replies;
    connection.outstanding -= replies;
    if (connection.outstanding < 0) {
      // More replies than requests: a broken server; nothing after this can be matched up.
      this.unrequested -= connection.outstanding;
      connection.outstanding = 0;
      this.fail(connection);
      return;
    }
    if (connection.outstanding > 0) return;
    if (this.open === null) {
      if (connection.unsent > 0) this.sendBatch(connection);
      else this.finish(connection);
      return;
    }
    const now = performance.now();
    this.open.record(id, connection.sent - 1, now);
    if (connection.unsent === 0) this.finish(connection);
    else if (this.open.dueMs(id, connection.sent) <= now) this.sendBatch(connection);
  }

  private checkSetup(): void {
    const checker = this.setupChecker!;
    if (checker.ok + checker.wrong < this.workload.setup.length) return;
    this.setupDone!(checker.wrong > 0 ? new Error('the server rejected the setup requests') : null);
  }

  private closed(id: number): void {
    if (this.setupDone !== null) {
      this.setupDone(new Error('connection closed during setup'));
      return;
    }
    const connection = this.connections[id];
    if (!connection.finished) this.fail(connection);
  }

  /** Sends every request that became due; then waits for the next one on a timer or spinning. */
  private tick(): void {
    this.tickTimer = null;
    this.tickImmediate = null;
    const open = this.open!;
    const clients = this.options.clients;
    const now = performance.now();
    while (this.nextSlot < this.lastSlot && open.slotDueMs(this.nextSlot) <= now) {
      const connection = this.connections[this.nextSlot % clients];
      const turn = Math.floor(this.nextSlot / clients);
      if (connection.outstanding === 0 && connection.unsent > 0 && connection.sent === turn) {
        this.sendBatch(connection);
      }
      this.nextSlot++;
    }
    this.driver.flush();
    if (this.nextSlot >= this.lastSlot || this.done === null) return;
    const waitMs = open.slotDueMs(this.nextSlot) - performance.now();
    if (waitMs > timerSlackMs) this.tickTimer = setTimeout(this.tickCallback, waitMs - timerSlackMs / 2);
    else this.tickImmediate = setImmediate(this.tickCallback);
  }

  /** Fails connections that waited a whole timeout for a reply. */
  private checkStalls(): void {
    for (const connection of this.connections) {
      if (connection.finished) continue;
      if (connection.outstanding === 0 || connection.answered !== connection.answeredAtCheck) {
        connection.answeredAtCheck = connection.answered;
        connection.stalledChecks = 0;
      } else if (++connection.stalledChecks >= stallChecks) {
        this.fail(connection);
      }
    }
  }

  /** The connection's unanswered and unsent requests count as missing; it takes no more part. */
  private fail(connection: Connection): void {
    this.missing += connection.outstanding + connection.unsent;
    connection.outstanding = 0;
    connection.unsent = 0;
    this.finish(connection);
  }

  private finish(connection: Connection): void {
    connection.finished = true;
    if (++this.finishedConnections < this.connections.length) return;
    this.endMs = performance.now();
    this.cpu = process.cpuUsage(this.cpuAtStart);
    const done = this.done;
    this.done = null;
    done?.();
  }

  private stopTimers(): void {
    if (this.stallTimer !== null) clearInterval(this.stallTimer);
    if (this.tickTimer !== null) clearTimeout(this.tickTimer);
    if (this.tickImmediate !== null) clearImmediate(this.tickImmediate);
  }
}
