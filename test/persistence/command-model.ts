import type { LoggedCommand } from '../../src/persistence/aof-loader.js';
import type { KeyValueStore } from '../../src/store/store-api.js';
import { MapStore } from '../support/map-store.js';

/**
 * A stand-in for the Redis front's commands when a log is replayed: applies the write commands
 * Redis 7.0 logs for strings (SELECT, SET with EX/PX/EXAT/PXAT/KEEPTTL, PEXPIREAT, INCR, DEL) to
 * one MapStore per database, and keeps each command as text for exact comparisons.
 */
export class CommandModel {
  readonly stores = new Map<number, MapStore>();
  readonly log: string[] = [];
  private db = 0;

  constructor(private readonly nowMs: number) {}

  storeFor = (db: number): KeyValueStore => {
    if (!this.stores.has(db)) {
      const store = new MapStore();
      store.nowMs = this.nowMs;
      this.stores.set(db, store);
    }
    return this.stores.get(db)!;
  };

  sink = (command: LoggedCommand): void => {
    const args: Buffer[] = [];
    for (let i = 0; i < command.count; i++) {
      const at = command.offsets[i];
      args.push(Buffer.from(command.bytes.subarray(at, at + command.lengths[i])));
    }
    this.log.push(args.map((a) => a.toString('latin1')).join(' '));
    this.apply(args);
  };

  private apply(args: Buffer[]): void {
    const name = args[0].toString().toLowerCase();
    const store = this.storeFor(this.db);
    const key = args[1];
    switch (name) {
      case 'select':
        this.db = Number(args[1]);
        return;
      case 'set': {
        let deadline = 0;
        for (let i = 3; i < args.length; i++) {
          const option = args[i].toString().toLowerCase();
          if (option === 'keepttl') {
            const handle = store.findIncludingExpired(key, 0, key.length);
            deadline = handle >= 0 ? store.deadline(handle) : 0;
          } else if (option === 'pxat') deadline = Number(args[++i]);
          else if (option === 'exat') deadline = Number(args[++i]) * 1000;
          else if (option === 'px') deadline = this.nowMs + Number(args[++i]);
          else if (option === 'ex') deadline = this.nowMs + Number(args[++i]) * 1000;
          else throw new Error(`model: SET option ${option}`);
        }
        if (store.set(key, 0, key.length, args[2], 0, args[2].length, deadline) < 0)
          throw new Error('model: SET refused');
        return;
      }
      case 'pexpireat': {
        const handle = store.findIncludingExpired(key, 0, key.length);
        if (handle >= 0) store.setDeadline(handle, Number(args[2]));
        return;
      }
      case 'incr': {
        const handle = store.findIncludingExpired(key, 0, key.length);
        let value = 0;
        let deadline = 0;
        if (handle >= 0) {
          const o = store.valueOffset(handle);
          value = Number(
            Buffer.from(store.valueBytes(handle).subarray(o, o + store.valueLength(handle))).toString(),
          );
          deadline = store.deadline(handle);
        }
        const text = Buffer.from(String(value + 1));
        store.set(key, 0, key.length, text, 0, text.length, deadline);
        return;
      }
      case 'del':
        for (const k of args.slice(1)) store.delete(k, 0, k.length);
        return;
      default:
        throw new Error(`model: command ${name}`);
    }
  }

  /** db -> key (latin1) -> value and deadline, of the live keys (by the model's clock). */
  contents(): Map<number, Map<string, { value: Buffer; deadlineMs: number }>> {
    const result = new Map<number, Map<string, { value: Buffer; deadlineMs: number }>>();
    for (const [db, store] of this.stores) {
      const keys = new Map<string, { value: Buffer; deadlineMs: number }>();
      store.forEachKey((bytes, offset, length) => {
        const handle = store.find(bytes, offset, length);
        const o = store.valueOffset(handle);
        keys.set(Buffer.from(bytes.subarray(offset, offset + length)).toString('latin1'), {
          value: Buffer.from(store.valueBytes(handle).subarray(o, o + store.valueLength(handle))),
          deadlineMs: store.deadline(handle),
        });
        return true;
      });
      if (keys.size > 0) result.set(db, keys);
    }
    return result;
  }
}
