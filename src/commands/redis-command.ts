import type { KeyValueStore } from '../store/store-api.js';
import type { ValueWriter } from './value-writer.js';

/**
 * The arguments of one Redis-style command, argv[0] being the command name: each a byte range of
 * `bytes` (the receive buffer, or a copy of a command that arrived over several reads). Reused
 * for every command of a connection: nothing allocated per command.
 */
export interface Arguments {
  bytes: Uint8Array;
  offsets: Int32Array;
  lengths: Int32Array;
  count: number;
}

/** What a data command runs against: the keyspace the connection selected, and hooks on writes. */
export interface CommandContext {
  /** The selected database's store (SELECT; FKVS always sees database 0). */
  store: KeyValueStore;
  /** Index of the selected database. */
  db: number;
  /** The time of this batch (Unix ms); the store's nowMs is set to it. */
  nowMs: number;
  /**
   * Called after every change of a key's value, deadline or existence that a command makes (both
   * keys of a RENAME, every key of an MSET, each key a DEL removed): WATCH and the append-only
   * log hang on it. `db` is the database of the key: the selected one, except for COPY ... DB n.
   * `entry`: the key's entry that store.set() just returned, when the command has it (the log
   * then reads the value from it instead of finding the key again: a SET's hot path).
   */
  written(bytes: Uint8Array, offset: number, length: number, db: number, entry?: number): void;
  /** The store of database `index` (0 <= index < 16), made on first use: COPY ... DB n reaches past the selected one. */
  database(index: number): KeyValueStore;
}

/** One command of the Redis front: its metadata (as COMMAND INFO reports it) and its handler. */
export interface RedisCommand {
  /** Lower case, as COMMAND reports it. */
  name: string;
  /** Redis's convention: N exactly N arguments with the name, -N at least N. */
  arity: number;
  /** COMMAND INFO flags: 'write', 'readonly', 'denyoom', 'fast', ... */
  flags: readonly string[];
  /** Key positions in argv, as COMMAND INFO: 0 0 0 for none, lastKey -1 for "to the end". */
  firstKey: number;
  lastKey: number;
  keyStep: number;
  /** Runs the command (arity already checked); writes exactly one reply. */
  run(context: CommandContext, args: Arguments, out: ValueWriter): void;
}
