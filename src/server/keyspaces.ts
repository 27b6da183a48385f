import { respDatabases } from '../limits.js';
import type { Keyspaces } from '../protocol/resp/server.js';
import { ArenaStore } from '../store/arena-store.js';
import type { KeyValueStore } from '../store/store-api.js';

/**
 * The 16 databases of the Redis front. Database 0 is the store FKVS serves; the others are made
 * on first use (SELECT n and a write), each with the server's maxmemory.
 */
export class ServerKeyspaces implements Keyspaces {
  readonly count = respDatabases;
  private readonly stores: Array<KeyValueStore | undefined> = new Array(respDatabases).fill(undefined);

  constructor(
    database0: KeyValueStore,
    private readonly maxMemoryBytes: number,
  ) {
    this.stores[0] = database0;
  }

  store(db: number): KeyValueStore {
    let store = this.stores[db];
    if (store === undefined) {
      store = new ArenaStore({ maxMemoryBytes: this.maxMemoryBytes });
      this.stores[db] = store;
    }
    return store;
  }

  /** In place (sessions and FKVS hold the store): the keys are listed, then deleted. */
  flush(db: number): void {
    const store = this.stores[db];
    if (store === undefined) return;
    const keys: Uint8Array[] = [];
    store.forEachKey((bytes, offset, length) => {
      keys.push(bytes.slice(offset, offset + length));
      return true;
    });
    for (const key of keys) store.delete(key, 0, key.length);
  }

  /** One step of active expiry in every database made so far. */
  expireCycle(nowMs: number): void {
    for (const store of this.stores) store?.expireCycle(nowMs);
  }
}
