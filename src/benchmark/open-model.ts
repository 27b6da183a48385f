import * as hdr from 'hdr-histogram-js';
import { maxLatencyUs } from '../limits.js';

export interface LatencySummary {
  targetRate: number;
  /** The first part of the run whose replies are not in the figures. */
  calibrationMs: number;
  samples: number;
  minUs: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  p999Us: number;
  p9999Us: number;
  maxUs: number;
  meanUs: number;
}

/**
 * The open model's fixed schedule (spec 6.3): request k of the run is due at start + k / rate and
 * belongs to connection k mod clients, so each connection sends every clients / rate seconds and
 * the connections are staggered by 1 / rate. Latency counts from the due time, not from the
 * actual send, so a late send (the server or this process falling behind) is measured instead of
 * hidden (coordinated omission). As in wrk2, requests due in a first calibration period are sent
 * but not recorded: the connections, the server's tables and both JITs are still warming up then,
 * and that start-up tail would otherwise be reported as the server's.
 */
export class OpenModel {
  private readonly histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: maxLatencyUs,
    numberOfSignificantValueDigits: 3,
    autoResize: false,
  });
  private readonly slotMs: number;
  startMs = 0;

  constructor(
    readonly rate: number,
    private readonly clients: number,
    readonly calibrationMs = 0,
  ) {
    this.slotMs = 1000 / rate;
  }

  /** When the connection's request number `sent` (from 0) is due. */
  dueMs(connection: number, sent: number): number {
    return this.startMs + (connection + sent * this.clients) * this.slotMs;
  }

  /** When the run's request number `slot` is due. */
  slotDueMs(slot: number): number {
    return this.startMs + slot * this.slotMs;
  }

  /** Records the reply to request number `sent` of the connection, arrived at nowMs. */
  record(connection: number, sent: number, nowMs: number): void {
    const dueMs = this.dueMs(connection, sent);
    if (dueMs < this.startMs + this.calibrationMs) return;
    const us = Math.round((nowMs - dueMs) * 1000);
    this.histogram.recordValue(Math.min(maxLatencyUs, Math.max(1, us)));
  }

  summary(): LatencySummary {
    const h = this.histogram;
    const empty = h.totalCount === 0;
    return {
      targetRate: this.rate,
      calibrationMs: this.calibrationMs,
      samples: h.totalCount,
      minUs: empty ? 0 : h.minNonZeroValue,
      p50Us: h.getValueAtPercentile(50),
      p90Us: h.getValueAtPercentile(90),
      p99Us: h.getValueAtPercentile(99),
      p999Us: h.getValueAtPercentile(99.9),
      p9999Us: h.getValueAtPercentile(99.99),
      // Like p99.99 (and the C histogram's hdr_max): the highest value of its bucket.
      maxUs: h.getValueAtPercentile(100),
      meanUs: empty ? 0 : h.mean,
    };
  }
}
