import { maxManifestLineBytes } from '../limits.js';

/**
 * Redis 7's multi-part append-only log: a directory (appenddirname, "appendonlydir") holding a base
 * file (a snapshot: <name>.<seq>.base.rdb, or .base.aof as RESP), incremental files of the writes
 * since (<name>.<seq>.incr.aof), and the manifest <name>.manifest that lists them, one line each:
 * "file <name> seq <seq> type <b|h|i>" (base, history, incremental). The base comes first, then
 * history files (left from a rewrite, to be deleted), then incremental files in sequence order.
 */

export type AofFileType = 'b' | 'h' | 'i';

export interface AofFileInfo {
  name: string;
  seq: number;
  type: AofFileType;
}

export interface AofManifest {
  base: AofFileInfo | null;
  history: AofFileInfo[];
  incremental: AofFileInfo[];
}

/** appendfilename's default, as Redis. */
export const defaultAofName = 'appendonly.aof';
/** appenddirname's default, as Redis. */
export const defaultAofDirName = 'appendonlydir';

export function manifestFileName(aofName: string): string {
  return `${aofName}.manifest`;
}

export function baseFileName(aofName: string, seq: number, rdb: boolean): string {
  return `${aofName}.${seq}.base.${rdb ? 'rdb' : 'aof'}`;
}

export function incrementalFileName(aofName: string, seq: number): string {
  return `${aofName}.${seq}.incr.aof`;
}

/** A manifest that cannot be used: the reason, and the line it was found at (0: the file as a whole). */
export class AofManifestError extends Error {
  constructor(
    readonly path: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`AOF manifest ${path}${line > 0 ? ` line ${line}` : ''}: ${reason}`);
    this.name = 'AofManifestError';
  }
}

/** The manifest's text (latin1: one character per byte of a file name), as Redis writes it. */
export function formatManifest(manifest: AofManifest): string {
  const files = [...(manifest.base ? [manifest.base] : []), ...manifest.history, ...manifest.incremental];
  return files.map((f) => `file ${quoteIfNeeded(f.name)} seq ${f.seq} type ${f.type}\n`).join('');
}

/** Parses a manifest's text (latin1) with Redis's rules (aofLoadManifestFromFile). */
export function parseManifest(text: string, path: string): AofManifest {
  const manifest: AofManifest = { base: null, history: [], incremental: [] };
  if (text.length === 0) throw new AofManifestError(path, 0, 'Found an empty AOF manifest');
  let lineNumber = 0;
  let at = 0;
  let maxIncrementalSeq = 0;
  while (at < text.length) {
    lineNumber++;
    const newline = text.indexOf('\n', at);
    const lineEnd = newline < 0 ? text.length : newline + 1;
    const line = text.slice(at, lineEnd);
    at = lineEnd;
    if (line.startsWith('#')) continue;
    const fail = (reason: string): never => {
      throw new AofManifestError(path, lineNumber, reason);
    };
    if (newline < 0 || line.length > maxManifestLineBytes) {
      fail(`a line longer than ${maxManifestLineBytes} bytes, or without its newline`);
    }
    const argv = splitArgs(line.trim());
    if (argv === null || argv.length < 6 || argv.length % 2 !== 0) fail('Invalid AOF manifest file format');
    let name: string | undefined;
    let seq = 0;
    let type = '';
    for (let i = 0; i < argv!.length; i += 2) {
      const key = argv![i].toLowerCase();
      if (key === 'file') name = argv![i + 1];
      else if (key === 'seq') seq = Number.parseInt(argv![i + 1], 10) || 0;
      else if (key === 'type') type = argv![i + 1].charAt(0);
    }
    if (name === undefined || name.length === 0 || seq === 0 || type === '')
      fail('Invalid AOF manifest file format');
    if (name!.includes('/')) fail("File can't be a path, just a filename");
    const info = { name: name!, seq, type: type as AofFileType };
    if (type === 'b') {
      if (manifest.base !== null) fail('Found duplicate base file information');
      manifest.base = info;
    } else if (type === 'h') {
      manifest.history.push(info);
    } else if (type === 'i') {
      if (seq <= maxIncrementalSeq) fail('Found a non-monotonic sequence number');
      manifest.incremental.push(info);
      maxIncrementalSeq = seq;
    } else {
      fail('Unknown AOF file type');
    }
  }
  return manifest;
}

/** Redis's sdsneedsrepr: a name with spaces, quotes, backslashes or unprintable bytes is written quoted. */
function quoteIfNeeded(name: string): string {
  if (!/[^\x21-\x7e]|["'\\]/.test(name)) return name;
  let quoted = '"';
  for (const c of name) {
    const code = c.charCodeAt(0);
    if (c === '\\' || c === '"') quoted += `\\${c}`;
    else if (c === '\n') quoted += '\\n';
    else if (c === '\r') quoted += '\\r';
    else if (c === '\t') quoted += '\\t';
    else if (code === 7) quoted += '\\a';
    else if (code === 8) quoted += '\\b';
    else if (code >= 0x20 && code < 0x7f) quoted += c;
    else quoted += `\\x${code.toString(16).padStart(2, '0')}`;
  }
  return `${quoted}"`;
}

const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' };

/** Redis's sdssplitargs: words split on white space, "..." with C escapes and \xHH, '...' with \'. null when unbalanced. */
export function splitArgs(line: string): string[] | null {
  const words: string[] = [];
  let i = 0;
  const isSpace = (c: string | undefined) =>
    c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '\v' || c === '\f';
  for (;;) {
    while (i < line.length && isSpace(line[i])) i++;
    if (i >= line.length) return words;
    let word = '';
    let quote = '';
    for (;;) {
      const c = line[i];
      if (quote !== '') {
        if (c === undefined) return null;
        const next = line[i + 1];
        if (
          quote === '"' &&
          c === '\\' &&
          next === 'x' &&
          /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))
        ) {
          word += String.fromCharCode(Number.parseInt(line.slice(i + 2, i + 4), 16));
          i += 4;
          continue;
        }
        // In double quotes a backslash escapes any character (C escapes); in single quotes only a quote.
        if (c === '\\' && next !== undefined && (quote === '"' || next === "'")) {
          word += quote === '"' ? (escapes[next] ?? next) : next;
          i += 2;
          continue;
        }
        if (c === quote) {
          if (next !== undefined && !isSpace(next)) return null;
          quote = '';
          i++;
          break;
        }
        word += c;
        i++;
      } else {
        if (c === undefined || isSpace(c)) break;
        if (c === '"' || c === "'") quote = c;
        else word += c;
        i++;
      }
    }
    words.push(word);
  }
}
