/** What a watching session needs from the registry: a flag to raise. */
export interface Watcher {
  /** Set when a watched key was written since WATCH: EXEC then aborts. */
  watchDirty: boolean;
}

/**
 * The watched keys of every connection (WATCH), by database and key: a write to a watched key
 * marks its watchers dirty. Costs nothing per write while nobody watches (the common case).
 */
export class WatchRegistry {
  private readonly byKey = new Map<string, Set<Watcher>>();

  get size(): number {
    return this.byKey.size;
  }

  add(db: number, key: string, watcher: Watcher): void {
    const name = `${db}:${key}`;
    let watchers = this.byKey.get(name);
    if (watchers === undefined) {
      watchers = new Set();
      this.byKey.set(name, watchers);
    }
    watchers.add(watcher);
  }

  remove(db: number, key: string, watcher: Watcher): void {
    const name = `${db}:${key}`;
    const watchers = this.byKey.get(name);
    if (watchers === undefined) return;
    watchers.delete(watcher);
    if (watchers.size === 0) this.byKey.delete(name);
  }

  /** A key of database db was written. */
  touch(db: number, bytes: Uint8Array, offset: number, length: number): void {
    if (this.byKey.size === 0) return;
    const name = `${db}:${Buffer.from(bytes.buffer, bytes.byteOffset + offset, length).toString('latin1')}`;
    const watchers = this.byKey.get(name);
    if (watchers !== undefined) for (const watcher of watchers) watcher.watchDirty = true;
  }

  /** Every watcher of a key of database db for which `exists` holds (FLUSHDB, FLUSHALL). */
  touchExisting(db: number, exists: (key: string) => boolean): void {
    const prefix = `${db}:`;
    for (const [name, watchers] of this.byKey) {
      if (!name.startsWith(prefix) || !exists(name.slice(prefix.length))) continue;
      for (const watcher of watchers) watcher.watchDirty = true;
    }
  }
}
