import type { KeyValueStore } from '../store/store-api.js';
import type { WriteLog } from '../write-log.js';
import { AofWriter } from './aof-writer.js';

const flushdbName = Uint8Array.from('FLUSHDB', (c) => c.charCodeAt(0));

/**
 * The append-only log of the server's writes: each change is logged as the state of its key once
 * the command made it (SET key value [PXAT ms], or DEL key when the key is gone), which is the
 * RESP command that reproduces it whatever command made it (INCR, APPEND, RENAME, MOVE, COPY,
 * GETEX, either protocol). Deadlines are absolute, so a replay hours later gives the same ones.
 * The bytes collect in an AofWriter; the server writes them out once per loop turn (pending(),
 * clear()) and sets `refusal` while the file cannot be written.
 */
export class AppendLog implements WriteLog {
  readonly writer = new AofWriter();
  refusal: string | null = null;

  constructor(private readonly storeFor: (db: number) => KeyValueStore | null) {}

  keyWritten(db: number, bytes: Uint8Array, offset: number, length: number): void {
    const store = this.storeFor(db);
    const handle = store === null ? -1 : store.findIncludingExpired(bytes, offset, length);
    if (handle < 0) {
      this.writer.del(db, bytes, offset, length);
      return;
    }
    const s = store!;
    this.writer.set(
      db,
      bytes,
      offset,
      length,
      s.valueBytes(handle),
      s.valueOffset(handle),
      s.valueLength(handle),
      s.deadline(handle),
    );
  }

  flushed(db: number): void {
    this.writer.command(db, 1);
    this.writer.argument(flushdbName, 0, flushdbName.length);
  }
}
