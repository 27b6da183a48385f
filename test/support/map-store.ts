import { maxKeyBytes, maxValueBytes } from '../../src/limits.js';
import { type KeyValueStore, StoreRefusal, type StoreStats, unknownHash } from '../../src/store/store-api.js';

interface ModelEntry {
  key: string;
  value: Uint8Array;
  deadline: number;
}

/**
 * The reference model of KeyValueStore: a plain Map keyed by latin1 strings, written for clarity,
 * not speed. Randomized tests check the arena store against it, and command tests can run on it.
 */
export class MapStore implements KeyValueStore {
  private readonly index = new Map<string, number>();
  private readonly entries: ModelEntry[] = [];

  nowMs = 0;
  keyspaceHits = 0;
  keyspaceMisses = 0;
  expiredKeys = 0;

  constructor(private readonly maxKeys = Number.MAX_SAFE_INTEGER) {}

  get size(): number {
    return this.entries.length;
  }

  find(key: Uint8Array, keyOffset: number, keyLength: number): number {
    const handle = this.findIncludingExpired(key, keyOffset, keyLength);
    if (handle < 0) return -1;
    const deadline = this.entries[handle].deadline;
    if (deadline !== 0 && deadline <= this.nowMs) {
      this.delete(key, keyOffset, keyLength);
      return -1;
    }
    return handle;
  }

  /** A Map has no cache misses to overlap, and no hashes to hand out. */
  readonly prefetchHelps = false;

  prefetch(
    _bytes: Uint8Array,
    _offsets: Int32Array,
    _lengths: Int32Array,
    count: number,
    hashes: Int32Array,
  ): void {
    hashes.fill(unknownHash, 0, count);
  }

  findIncludingExpired(key: Uint8Array, keyOffset: number, keyLength: number): number {
    return this.index.get(latin1(key, keyOffset, keyLength)) ?? -1;
  }

  valueBytes(handle: number): Uint8Array {
    return this.entries[handle].value;
  }

  valueOffset(_handle: number): number {
    return 0;
  }

  valueLength(handle: number): number {
    return this.entries[handle].value.length;
  }

  /** The model: always in place (a Map has no size classes), the deadline kept. */
  overwriteValue(handle: number, value: Uint8Array, valueOffset: number, valueLength: number): boolean {
    this.entries[handle].value = value.slice(valueOffset, valueOffset + valueLength);
    return true;
  }

  /** The model keeps no snapshot images and counts no changes: the caller writes into the value's array. */
  rewriteValue(_handle: number): void {}

  set(
    key: Uint8Array,
    keyOffset: number,
    keyLength: number,
    value: Uint8Array,
    valueOffset: number,
    valueLength: number,
    deadlineMs: number,
  ): number {
    if (keyLength > maxKeyBytes) return StoreRefusal.keyTooLarge;
    if (valueLength > maxValueBytes) return StoreRefusal.valueTooLarge;
    const name = latin1(key, keyOffset, keyLength);
    const copy = value.slice(valueOffset, valueOffset + valueLength);
    const existing = this.index.get(name);
    if (existing !== undefined) {
      this.entries[existing] = { key: name, value: copy, deadline: deadlineMs };
      return existing;
    }
    if (this.entries.length >= this.maxKeys) return StoreRefusal.tooManyKeys;
    this.entries.push({ key: name, value: copy, deadline: deadlineMs });
    this.index.set(name, this.entries.length - 1);
    return this.entries.length - 1;
  }

  delete(key: Uint8Array, keyOffset: number, keyLength: number): boolean {
    const name = latin1(key, keyOffset, keyLength);
    const handle = this.index.get(name);
    if (handle === undefined) return false;
    const last = this.entries.pop()!;
    if (handle < this.entries.length) {
      this.entries[handle] = last;
      this.index.set(last.key, handle);
    }
    this.index.delete(name);
    return true;
  }

  deadline(handle: number): number {
    return this.entries[handle].deadline;
  }

  setDeadline(handle: number, deadlineMs: number): number {
    this.entries[handle].deadline = deadlineMs;
    return handle;
  }

  forEachKey(visit: (bytes: Uint8Array, offset: number, length: number) => boolean): void {
    this.expireCycle(this.nowMs);
    for (const entry of [...this.entries]) {
      const bytes = Buffer.from(entry.key, 'latin1');
      if (!visit(bytes, 0, bytes.length)) return;
    }
  }

  /** The model walks every live key in one step (a valid SCAN: the cursor returns to 0 at once). */
  scan(
    _cursor: number,
    _count: number,
    visit: (bytes: Uint8Array, offset: number, length: number) => void,
  ): number {
    for (const entry of this.entries) {
      if (entry.deadline !== 0 && entry.deadline <= this.nowMs) continue;
      const bytes = Buffer.from(entry.key, 'latin1');
      visit(bytes, 0, bytes.length);
    }
    return 0;
  }

  keyBytes(handle: number): Uint8Array {
    return Buffer.from(this.entries[handle].key, 'latin1');
  }

  keyOffset(_handle: number): number {
    return 0;
  }

  keyLength(handle: number): number {
    return this.entries[handle].key.length;
  }

  randomHandle(): number {
    return this.entries.length === 0 ? -1 : Math.floor(Math.random() * this.entries.length);
  }

  expireCycle(nowMs: number): number {
    const expired = this.entries.filter((e) => e.deadline !== 0 && e.deadline <= nowMs);
    for (const entry of expired) {
      const bytes = Buffer.from(entry.key, 'latin1');
      this.delete(bytes, 0, bytes.length);
    }
    return expired.length;
  }

  stats(): StoreStats {
    let bytesUsed = 0;
    for (const entry of this.entries) bytesUsed += entry.key.length + entry.value.length;
    return {
      keys: this.entries.length,
      keysWithDeadline: this.entries.filter((e) => e.deadline !== 0).length,
      bytesUsed,
      bytesReserved: bytesUsed,
      fragmentation: 0,
    };
  }
}

function latin1(bytes: Uint8Array, offset: number, length: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + offset, length).toString('latin1');
}
