import { dataCommands } from '../../src/commands/data-commands.js';
import { Databases } from '../../src/commands/databases.js';
import type { Arguments, CommandContext, RedisCommand } from '../../src/commands/redis-command.js';
import type { ValueWriter } from '../../src/commands/value-writer.js';
import type { KeyValueStore } from '../../src/store/store-api.js';

/**
 * A reply as a plain value, for assertions: '+OK' (status), '-ERR ...' (error), a number or bigint
 * (integer), '$text' (bulk, latin1), null (nil), an array (array, map, set: their elements).
 */
export type Recorded = string | number | bigint | null | Recorded[];

/** A ValueWriter that builds Recorded values, copying bulk bytes as the contract asks. */
/** argv as one Arguments over a single buffer (strings as latin1, one byte per char). */
export function argumentsOf(...argv: Array<string | Uint8Array>): Arguments {
  const parts = argv.map((a) => (typeof a === 'string' ? Buffer.from(a, 'latin1') : Buffer.from(a)));
  const args: Arguments = {
    bytes: Buffer.concat(parts),
    offsets: new Int32Array(parts.length),
    lengths: new Int32Array(parts.length),
    count: parts.length,
  };
  let offset = 0;
  parts.forEach((part, i) => {
    args.offsets[i] = offset;
    args.lengths[i] = part.length;
    offset += part.length;
  });
  return args;
}

export class RecordingWriter implements ValueWriter {
  readonly replies: Recorded[] = [];
  private readonly open: Array<{ items: Recorded[]; left: number }> = [];

  status(text: string): void {
    this.add(`+${text}`);
  }
  error(text: string): void {
    this.add(`-${text}`);
  }
  integer(n: number): void {
    if (!Number.isSafeInteger(n)) throw new Error(`integer ${n} is not a safe integer`);
    this.add(n);
  }
  bigInteger(n: bigint): void {
    this.add(n);
  }
  bulk(bytes: Uint8Array, offset: number, length: number): void {
    this.add(`$${Buffer.from(bytes.subarray(offset, offset + length)).toString('latin1')}`);
  }
  storedValue(bytes: Uint8Array, offset: number, length: number): void {
    this.bulk(bytes, offset, length);
  }
  bulkText(text: string): void {
    this.add(`$${text}`);
  }
  nil(): void {
    this.add(null);
  }
  nilArray(): void {
    this.add(null);
  }
  array(count: number): void {
    this.begin(count);
  }
  map(pairs: number): void {
    this.begin(2 * pairs);
  }
  set(count: number): void {
    this.begin(count);
  }
  double(x: number): void {
    this.add(`$${x}`);
  }
  boolean(b: boolean): void {
    this.add(b ? 1 : 0);
  }
  verbatim(_format: 'txt' | 'mkd', text: string): void {
    this.add(`$${text}`);
  }

  private begin(count: number): void {
    const items: Recorded[] = [];
    this.add(items);
    if (count > 0) this.open.push({ items, left: count });
  }

  private add(value: Recorded): void {
    const top = this.open[this.open.length - 1];
    if (top === undefined) {
      this.replies.push(value);
      return;
    }
    top.items.push(value);
    if (--top.left === 0) this.open.pop();
  }
}

export const commandTable: ReadonlyMap<string, RedisCommand> = new Map(dataCommands.map((c) => [c.name, c]));

/**
 * Runs data commands the way the RESP front does (arity checked, one reply each) over real stores:
 * a Databases, with the selected one's nowMs set from `nowMs`. Records every written() call.
 */
export class RedisSession {
  readonly databases: Databases;
  db = 0;
  nowMs = 1_700_000_000_000;
  readonly writes: string[] = [];

  constructor(databases = new Databases({ maxMemoryBytes: 256 * 1024 * 1024, hashSeed: 7 })) {
    this.databases = databases;
  }

  get store(): KeyValueStore {
    return this.databases.get(this.db);
  }

  /** One command; its reply. */
  run(...argv: Array<string | Uint8Array>): Recorded {
    const args = argumentsOf(...argv);
    const out = new RecordingWriter();
    const name = Buffer.from(args.bytes.subarray(0, args.lengths[0])).toString('latin1').toLowerCase();
    const command = commandTable.get(name);
    if (command === undefined) throw new Error(`no command ${name}`);
    if (command.arity > 0 ? args.count !== command.arity : args.count < -command.arity) {
      return `-ERR wrong number of arguments for '${name}' command`;
    }
    const store = this.store;
    store.nowMs = this.nowMs;
    const context: CommandContext = {
      store,
      db: this.db,
      nowMs: this.nowMs,
      database: (index) => this.databases.get(index),
      written: (bytes, o, length, db) => {
        this.writes.push(`${db}:${Buffer.from(bytes.subarray(o, o + length)).toString('latin1')}`);
      },
    };
    command.run(context, args, out);
    if (out.replies.length !== 1) throw new Error(`${name} wrote ${out.replies.length} replies`);
    return out.replies[0];
  }
}
