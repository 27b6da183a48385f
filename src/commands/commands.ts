import { maxInt64DecimalBytes } from '../limits.js';
import type { ServerInfo } from '../server-info.js';
import type { KeyValueStore } from '../store/store-api.js';
import { entryUnknown, noWriteLog, openWriteGate, type WriteGate, type WriteLog } from '../write-log.js';
import { infoText } from './info.js';
import { Int64, parseDeadline } from './int64.js';
import { KeyPrefetch } from './key-prefetch.js';
import { Failure, type Reply } from './reply.js';
import type { Request } from './request.js';

const zeroText = new Uint8Array([0x30]);

/**
 * What each command does to the store, with the original's semantics (spec section 3). Arguments
 * arrive decoded as byte ranges (Request); outcomes leave through a Reply. Nothing here knows the
 * wire format, and nothing allocates on the paths of SET, GET and the INCR family below 2^53.
 */
export class Commands {
  private readonly current = new Int64();
  private readonly operand = new Int64();
  private readonly digits = new Uint8Array(maxInt64DecimalBytes);
  /** The look-ahead of whichever wire runs these commands. */
  readonly keyPrefetch: KeyPrefetch;
  /**
   * Called after each change of a key's value, deadline or existence (as CommandContext.written of
   * the Redis front): the server hangs WATCH on it, so that FKVS writes abort transactions too.
   * `entry`: the key's entry set() returned, or entryUnknown (WriteLog.keyWritten).
   */
  written: (bytes: Uint8Array, offset: number, length: number, entry: number) => void = () => {};
  /** The append-only log: the server's written hook feeds it. */
  writeLog: WriteLog = noWriteLog;
  /** Turns writes away while the server cannot persist (MISCONF). */
  writeGate: WriteGate = openWriteGate;

  constructor(
    readonly store: KeyValueStore,
    readonly info: ServerInfo,
  ) {
    this.keyPrefetch = new KeyPrefetch(store);
  }

  /** SET key value [seconds]: a bad deadline changes nothing; plain SET clears a deadline. */
  set(r: Request, reply: Reply): boolean {
    const b = r.bytes;
    let deadline = 0;
    if (r.count === 3) {
      deadline = parseDeadline(b, r.offsets[2], r.lengths[2], this.store.nowMs, this.operand);
      if (deadline < 0) return reply.failed(Failure.syntax);
    }
    const handle = this.store.set(
      b,
      r.offsets[0],
      r.lengths[0],
      b,
      r.offsets[1],
      r.lengths[1],
      deadline,
      r.keyHash,
    );
    if (handle < 0) return reply.failed(Failure.outOfMemory);
    this.written(b, r.offsets[0], r.lengths[0], handle);
    return reply.stored(b, r.offsets[1], r.lengths[1]);
  }

  get(r: Request, reply: Reply): boolean {
    const store = this.store;
    const handle = store.find(r.bytes, r.offsets[0], r.lengths[0], r.keyHash);
    // The keyspace is the Redis front's too: its INFO counts FKVS GETs (as read-key.ts does).
    if (handle < 0) {
      store.keyspaceMisses++;
      return reply.nil();
    }
    store.keyspaceHits++;
    return reply.value(store.valueBytes(handle), store.valueOffset(handle), store.valueLength(handle));
  }

  /**
   * INCR, DECR (no operand argument: 1) and INCRBY, DECRBY. A missing key is first stored as "0",
   * even when the delta then proves invalid (spec 3.4). The deadline is kept.
   */
  addTo(r: Request, reply: Reply, subtract: boolean): boolean {
    const store = this.store;
    const b = r.bytes;
    const keyOffset = r.offsets[0];
    const keyLength = r.lengths[0];
    let handle = store.find(b, keyOffset, keyLength, r.keyHash);
    if (handle < 0) {
      handle = store.set(b, keyOffset, keyLength, zeroText, 0, 1, 0, r.keyHash);
      if (handle < 0) return reply.failed(Failure.outOfMemory);
      this.written(b, keyOffset, keyLength, handle);
    }
    const current = this.current;
    if (!current.parse(store.valueBytes(handle), store.valueOffset(handle), store.valueLength(handle))) {
      return reply.failed(Failure.notInteger);
    }
    const operand = this.operand;
    if (r.count === 2) {
      if (!operand.parse(b, r.offsets[1], r.lengths[1])) return reply.failed(Failure.notInteger);
    } else {
      operand.setSmall(1);
    }
    if (!(subtract ? current.subtract(operand) : current.add(operand))) return reply.failed(Failure.overflow);
    const length = current.format(this.digits, 0);
    const updated = store.set(
      b,
      keyOffset,
      keyLength,
      this.digits,
      0,
      length,
      store.deadline(handle),
      r.keyHash,
    );
    if (updated < 0) return reply.failed(Failure.outOfMemory);
    this.written(b, keyOffset, keyLength, updated);
    return reply.integer(current);
  }

  del(r: Request, reply: Reply): boolean {
    const deleted = this.store.delete(r.bytes, r.offsets[0], r.lengths[0], r.keyHash);
    if (deleted) this.written(r.bytes, r.offsets[0], r.lengths[0], entryUnknown);
    return reply.deleted(deleted ? 1 : 0);
  }

  /** EXPIRE key seconds: no lazy expiry first, so an expired key not yet reclaimed revives (spec 3.6). */
  expire(r: Request, reply: Reply): boolean {
    const store = this.store;
    const handle = store.findIncludingExpired(r.bytes, r.offsets[0], r.lengths[0], r.keyHash);
    if (handle < 0) return reply.failed(Failure.noSuchKey);
    const deadline = parseDeadline(r.bytes, r.offsets[1], r.lengths[1], store.nowMs, this.operand);
    if (deadline < 0) return reply.failed(Failure.syntax);
    if (store.setDeadline(handle, deadline) < 0) return reply.failed(Failure.outOfMemory);
    this.written(r.bytes, r.offsets[0], r.lengths[0], entryUnknown);
    return reply.expireSet();
  }

  /** TTL: whole seconds left, floored (spec 3.7). */
  ttl(r: Request, reply: Reply): boolean {
    const store = this.store;
    const handle = store.find(r.bytes, r.offsets[0], r.lengths[0], r.keyHash);
    if (handle < 0) return reply.ttl(-2);
    const deadline = store.deadline(handle);
    return reply.ttl(deadline === 0 ? -1 : Math.floor((deadline - store.nowMs) / 1000));
  }

  /** PERSIST: like EXPIRE, no lazy expiry first. */
  persist(r: Request, reply: Reply): boolean {
    const store = this.store;
    const handle = store.findIncludingExpired(r.bytes, r.offsets[0], r.lengths[0], r.keyHash);
    const hadDeadline = handle >= 0 && store.deadline(handle) !== 0;
    if (hadDeadline) {
      store.setDeadline(handle, 0);
      this.written(r.bytes, r.offsets[0], r.lengths[0], entryUnknown);
    }
    return reply.persisted(hadDeadline);
  }

  ping(r: Request, reply: Reply): boolean {
    return reply.pong(r.bytes, r.offsets[0], r.lengths[0]);
  }

  infoCommand(_r: Request, reply: Reply): boolean {
    return reply.info(infoText(this.info, this.store));
  }

  keys(_r: Request, reply: Reply): boolean {
    return reply.keys(this.store);
  }
}
