import { closeSync, fstatSync, openSync, readSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { cliHistoryEntries, maxCliHistoryLineBytes } from '../limits.js';

/** ~/.fkvs_cli_history: one line per entry, oldest first, as the original's linenoise file. */
export function historyFile(): string {
  return join(homedir(), '.fkvs_cli_history');
}

/** Most that a history file of cliHistoryEntries entries can hold; only that much is read. */
const maxHistoryFileBytes = cliHistoryEntries * (maxCliHistoryLineBytes + 1);

/** The saved entries, newest first as node:readline wants them; none when the file is missing. */
export function loadHistory(path: string): string[] {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, maxHistoryFileBytes);
    const tail = Buffer.alloc(length);
    readSync(fd, tail, 0, length, size - length);
    const lines = tail.toString('utf8').split('\n');
    if (length < size) lines.shift(); // cut in the middle of a line
    return lines
      .filter((line) => line.length > 0)
      .slice(-cliHistoryEntries)
      .reverse();
  } finally {
    closeSync(fd);
  }
}

/** Writes the entries (newest first), leaving out the long ones. Throws on a write failure. */
export function saveHistory(path: string, newestFirst: readonly string[]): void {
  const kept = newestFirst
    .filter((line) => Buffer.byteLength(line) <= maxCliHistoryLineBytes)
    .slice(0, cliHistoryEntries)
    .reverse();
  writeFileSync(path, kept.map((line) => `${line}\n`).join(''), { mode: 0o600 });
}
