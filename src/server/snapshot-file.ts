import { renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { getSystemErrorName } from 'node:util';
import { FileMode, FileSync } from '../io/native.js';
import type { Transport } from '../io/transport.js';
import { tempRdbPath } from '../persistence/rdb-save.js';

const dataTag = 0;
const syncTag = 1;
const directoryTag = 2;
const nothing = new Uint8Array(0);

/**
 * A background snapshot's file: chunks go to <dir>/temp-<pid>.rdb through the transport's files
 * (io_uring WRITEs, or the addon's worker thread on epoll: the loop never waits on the disk). At
 * finish(), an fsync; then the file is renamed over the dump and the directory synced, so a crash
 * at any point leaves the previous dump whole. pendingBytes counts what was handed over and not yet
 * written: the memory the snapshot holds for the disk.
 */
export class SnapshotFile {
  pendingBytes = 0;
  private readonly temp: string;
  private readonly file: number;
  /** Sizes of the data requests in flight, oldest first (records come in request order). */
  private readonly sizes: number[] = [];
  private sizesHead = 0;
  private over = false;
  private open = true;

  /**
   * Opens the temp file (throws the system's error). `written` is called as writes complete;
   * `end` once, with null when the dump is in place, or the error.
   */
  constructor(
    private readonly transport: Transport,
    private readonly dir: string,
    private readonly fileName: string,
    private readonly written: () => void,
    private readonly end: (error: string | null) => void,
  ) {
    this.temp = tempRdbPath(dir);
    this.file = transport.openFile(this.temp, FileMode.truncate, (tag, result) => this.done(tag, result));
  }

  write(chunk: Uint8Array): void {
    if (this.over) return;
    if (!this.transport.native.writeFile(this.file, chunk, 0, chunk.length, FileSync.none, dataTag)) {
      this.fail('the file queue of the disk is full');
      return;
    }
    this.pendingBytes += chunk.length;
    this.sizes.push(chunk.length);
  }

  /** Every chunk was written: fsync, rename over the dump, sync the directory; then end(null). */
  finish(): void {
    if (!this.over) this.transport.native.writeFile(this.file, nothing, 0, 0, FileSync.full, syncTag);
  }

  /** Gives up: closes and removes the temp file; end is not called. */
  abandon(): void {
    if (this.over) return;
    this.over = true;
    this.removeTemp();
  }

  private done(tag: number, result: number): void {
    if (this.over) return;
    if (result < 0) {
      this.fail(`Write error saving DB on disk: ${getSystemErrorName(result)}`);
      return;
    }
    if (tag === dataTag) {
      this.pendingBytes -= this.sizes[this.sizesHead++];
      if (this.sizesHead === this.sizes.length) {
        this.sizes.length = 0;
        this.sizesHead = 0;
      }
      this.written();
    } else if (tag === syncTag) {
      this.close();
      let directory: number;
      try {
        renameSync(this.temp, join(this.dir, this.fileName));
        directory = this.transport.openFile(this.dir, FileMode.directory, (t, r) => {
          this.transport.native.closeFile(directory);
          this.done(t, r);
        });
      } catch (error) {
        this.fail(`Error moving temp DB file on the final destination: ${(error as Error).message}`);
        return;
      }
      this.transport.native.writeFile(directory, nothing, 0, 0, FileSync.full, directoryTag);
    } else {
      this.over = true;
      this.end(null);
    }
  }

  private fail(error: string): void {
    this.over = true;
    this.removeTemp();
    this.end(error);
  }

  private close(): void {
    if (this.open) this.transport.native.closeFile(this.file);
    this.open = false;
  }

  private removeTemp(): void {
    this.close();
    try {
      unlinkSync(this.temp);
    } catch {
      // renamed already, or never made: nothing to remove
    }
  }
}
