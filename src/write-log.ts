/**
 * Where changes go to be made durable: the append-only log, which persistence/ implements and the
 * server wires to both fronts. Commands and protocols call it; it knows no wire and no command.
 */
export interface WriteLog {
  /** A key of database db changed (value, deadline or existence): the log records its state now. */
  keyWritten(db: number, bytes: Uint8Array, offset: number, length: number): void;
  /** Every key of database db was removed (FLUSHDB; FLUSHALL calls it for each database). */
  flushed(db: number): void;
  /**
   * The error a write must be turned away with while the log cannot be written (Redis's MISCONF
   * text), or null. Reads go on.
   */
  readonly refusal: string | null;
}

/** The log of a server without persistence: changes go nowhere, nothing is refused. */
export const noWriteLog: WriteLog = {
  keyWritten: () => {},
  flushed: () => {},
  refusal: null,
};

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
}
