/**
 * Where changes go to be made durable: the append-only log, which persistence/ implements and the
 * server wires to both fronts. Commands and protocols call it; it knows no wire and no command.
 */
export interface WriteLog {
  /**
   * A key of database db changed (value, deadline or existence): the log records its state now.
   * `entry` is the key's entry in the store of db when the caller holds it (what set() returned,
   * valid until the next change of that store), so that the log reads the state from it rather
   * than finding the key again; `entryUnknown` when the caller does not have it (or the key is gone).
   */
  keyWritten(db: number, bytes: Uint8Array, offset: number, length: number, entry: number): void;
  /** Every key of database db was removed (FLUSHDB; FLUSHALL calls it for each database). */
  flushed(db: number): void;
  /**
   * The error a write must be turned away with while the log cannot be written (Redis's MISCONF
   * text), or null. Reads go on.
   */
  readonly refusal: string | null;
}

/** What keyWritten is given as the entry when the caller has not got it: the log finds the key. */
export const entryUnknown = -1;

/** The log of a server without persistence: changes go nowhere, nothing is refused. */
export const noWriteLog: WriteLog = {
  keyWritten: () => {},
  flushed: () => {},
  refusal: null,
};

/**
 * What turns writes away while the server cannot persist (Redis's MISCONF): both fronts read it
 * before a write command. The server sets it up from the snapshots (stop-writes-on-bgsave-error)
 * and the append-only log's refusal.
 */
export interface WriteGate {
  /** The error a write is turned away with, or null. Reads go on. */
  readonly refusal: string | null;
}

/** The gate of a server that refuses no write for the disk's sake (in-process tests). */
export const openWriteGate: WriteGate = { refusal: null };

/** What INFO persistence reports of the append-only log (Redis's aof_* fields). */
export interface AofStatus {
  enabled: boolean;
  /** The last write or sync of the log worked (aof_last_write_status ok|err). */
  lastWriteOk: boolean;
  /** Bytes of the incremental file, and of the base when the log was opened. */
  currentSizeBytes: number;
  baseSizeBytes: number;
  /** Bytes logged and not yet known written (aof_buffer_length). */
  bufferedBytes: number;
  /** 1 while the everysec sync last asked for has not completed (aof_pending_bio_fsync), else 0. */
  pendingSyncs: number;
}
