import { closeSync, openSync, readSync } from 'node:fs';
import { loadReadBytes } from '../limits.js';
import type { Crc64 } from './crc64.js';

/** Where a loader's bytes come from: read() fills up to length bytes and returns how many, 0 at the end. */
export interface ByteSource {
  read(into: Uint8Array, offset: number, length: number): number;
}

/** A file read front to back with plain read(2) calls: loading happens at start-up, before the loop serves. */
export class FileSource implements ByteSource {
  private readonly fd: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
  }

  read(into: Uint8Array, offset: number, length: number): number {
    return readSync(this.fd, into, offset, length, null);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Bytes already in memory, handed out in pieces of at most pieceBytes (tests use small pieces to cross every boundary). */
export class MemorySource implements ByteSource {
  private at = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly pieceBytes = Number.MAX_SAFE_INTEGER,
  ) {}

  read(into: Uint8Array, offset: number, length: number): number {
    const n = Math.min(length, this.pieceBytes, this.bytes.length - this.at);
    into.set(this.bytes.subarray(this.at, this.at + n), offset);
    this.at += n;
    return n;
  }
}

/**
 * A window over a source read front to back: bytes[pos, end) are read and not yet consumed, and
 * offset() is the file offset of pos. ensure(n) makes n bytes available at pos, moving what is
 * still needed to the front of the buffer (or into a larger one) and reading more. What must stay
 * put while more is read (an AOF command being gathered) is held by mark; a crc, when set, is fed
 * every byte consumed before it leaves the buffer, and through pos by feedCrc().
 */
export class ReadWindow {
  bytes: Uint8Array;
  pos = 0;
  end = 0;
  /** Index of the first byte to keep when the buffer is compacted; -1: keep from pos. */
  mark = -1;
  crc: Crc64 | null = null;
  /** Index up to which the crc has been fed. */
  private crcPos = 0;
  /** File offset of bytes[0]. */
  private base = 0;
  private atEnd = false;

  constructor(
    private readonly source: ByteSource,
    initialBytes = loadReadBytes,
  ) {
    this.bytes = new Uint8Array(initialBytes);
  }

  offset(): number {
    return this.base + this.pos;
  }

  /** File offset of the buffer index i. */
  offsetOf(i: number): number {
    return this.base + i;
  }

  /** Whether n bytes are available at pos; false when the source ends first. */
  ensure(n: number): boolean {
    if (this.end - this.pos >= n) return true;
    return this.fill(n);
  }

  /** Whether the source has nothing more at pos. */
  exhausted(): boolean {
    return !this.ensure(1);
  }

  /** Starts the crc at pos: every byte consumed from here on is fed to it. */
  startCrc(crc: Crc64): void {
    this.crc = crc;
    this.crcPos = this.pos;
  }

  /** Feeds the crc every byte consumed so far, and stops feeding it. */
  finishCrc(): void {
    if (this.crc !== null) this.crc.update(this.bytes, this.crcPos, this.pos - this.crcPos);
    this.crc = null;
  }

  private fill(n: number): boolean {
    const keep = this.mark >= 0 ? this.mark : this.pos;
    if (this.crc !== null) {
      this.crc.update(this.bytes, this.crcPos, this.pos - this.crcPos);
      this.crcPos = this.pos;
    }
    const needed = this.pos - keep + n;
    if (needed > this.bytes.length) {
      const grown = new Uint8Array(Math.max(needed, this.bytes.length * 2));
      grown.set(this.bytes.subarray(keep, this.end));
      this.bytes = grown;
    } else if (keep > 0) {
      this.bytes.copyWithin(0, keep, this.end);
    }
    this.base += keep;
    this.pos -= keep;
    this.end -= keep;
    this.crcPos -= keep;
    if (this.mark >= 0) this.mark -= keep;
    while (this.end - this.pos < n && !this.atEnd) {
      const got = this.source.read(this.bytes, this.end, this.bytes.length - this.end);
      if (got === 0) this.atEnd = true;
      this.end += got;
    }
    return this.end - this.pos >= n;
  }
}
