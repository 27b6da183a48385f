import type { AppendLog } from '../persistence/append-log.js';
import type { WriteGate } from '../write-log.js';
import type { Snapshots } from './snapshots.js';

/**
 * The server's WriteGate: a failed snapshot's refusal first, then the log's, as Redis. A class, so
 * that the getter sits on the prototype, where V8 inlines it into the frame loop: as an object
 * literal's own getter it was called through the generic LoadIC on every write (SET fixed key
 * P128: 5-6% of the server's time, docs/performance.md).
 */
export class ServerWriteGate implements WriteGate {
  constructor(
    private readonly snapshots: Snapshots,
    private readonly appendLog: AppendLog,
  ) {}

  get refusal(): string | null {
    return this.snapshots.refusal ?? this.appendLog.refusal;
  }
}
