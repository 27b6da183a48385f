import { renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { getSystemErrorName } from 'node:util';
import { FileMode, FileSync } from '../io/native.js';
import type { Transport } from '../io/transport.js';
import { type AofManifest, formatManifest, manifestFileName } from '../persistence/aof-manifest.js';

const nothing = new Uint8Array(0);
const manifestTag = 0;
const directoryTag = 1;

/** Redis's name of the manifest being written (temp-<appendfilename>.manifest, in the log's directory). */
export function tempManifestName(aofName: string): string {
  return `temp-${manifestFileName(aofName)}`;
}

interface ManifestWrite {
  readonly bytes: Uint8Array;
  readonly done: (error: string | null) => void;
}

/**
 * Writes the log's manifest as a whole or not at all, through the transport's files (the loop
 * never waits on the disk): the temp file, fsynced, renamed over the manifest, the directory
 * fsynced; then `done(null)`, or `done(error)` with the previous manifest left in place. Writes run
 * one at a time, in the order asked, so the last asked is the one that stays.
 */
export class ManifestFile {
  private readonly queue: ManifestWrite[] = [];
  private busy = false;

  constructor(
    private readonly transport: Transport,
    /** The log's directory (dir/appenddirname). */
    private readonly directory: string,
    private readonly aofName: string,
  ) {}

  write(manifest: AofManifest, done: (error: string | null) => void): void {
    this.queue.push({ bytes: Buffer.from(formatManifest(manifest), 'latin1'), done });
    if (!this.busy) this.next();
  }

  private next(): void {
    const job = this.queue.shift();
    if (job === undefined) {
      this.busy = false;
      return;
    }
    this.busy = true;
    const temp = join(this.directory, tempManifestName(this.aofName));
    const finish = (error: string | null) => {
      if (error !== null) {
        try {
          unlinkSync(temp);
        } catch {
          // renamed already, or never made
        }
      }
      job.done(error);
      this.next();
    };
    let file: number;
    try {
      file = this.transport.openFile(temp, FileMode.truncate, (_tag, result) => {
        this.transport.native.closeFile(file);
        if (result < 0) return finish(`writing ${temp}: ${getSystemErrorName(result)}`);
        this.renamed(temp, finish);
      });
    } catch (error) {
      finish(`opening ${temp}: ${(error as Error).message}`);
      return;
    }
    this.transport.native.writeFile(file, job.bytes, 0, job.bytes.length, FileSync.full, manifestTag);
  }

  private renamed(temp: string, finish: (error: string | null) => void): void {
    let directory: number;
    try {
      renameSync(temp, join(this.directory, manifestFileName(this.aofName)));
      directory = this.transport.openFile(this.directory, FileMode.directory, (_tag, result) => {
        this.transport.native.closeFile(directory);
        finish(result < 0 ? `syncing ${this.directory}: ${getSystemErrorName(result)}` : null);
      });
    } catch (error) {
      finish((error as Error).message);
      return;
    }
    this.transport.native.writeFile(directory, nothing, 0, 0, FileSync.full, directoryTag);
  }
}
