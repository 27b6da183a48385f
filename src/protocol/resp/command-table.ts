import type { Arguments } from '../../commands/redis-command.js';
import type { RespWriter } from './reply-writer.js';
import type { RespSession } from './session.js';

/** How a table entry behaves inside MULTI and before AUTH (Redis's CMD_NO_AUTH and the EXEC family). */
export const CommandRole = {
  /** Queued inside MULTI, refused before AUTH. */
  normal: 0,
  /** Runs at once inside MULTI (MULTI, EXEC, DISCARD, WATCH, QUIT). */
  transaction: 1,
  /** Runs before AUTH, and at once inside MULTI (AUTH, HELLO, QUIT). */
  noAuth: 2,
} as const;

/** One command of the Redis front: COMMAND INFO's metadata and how it runs in a session. */
export interface CommandEntry {
  /** Lower case, as COMMAND reports it. */
  readonly name: string;
  readonly arity: number;
  readonly flags: readonly string[];
  readonly firstKey: number;
  readonly lastKey: number;
  readonly keyStep: number;
  readonly role: number;
  /** Subcommand names (lower case) with their arities, for COMMAND INFO and arity errors; empty when none. */
  readonly subcommands: readonly SubcommandInfo[];
  run(session: RespSession, args: Arguments, out: RespWriter): void;
}

export interface SubcommandInfo {
  readonly name: string;
  readonly arity: number;
  readonly flags: readonly string[];
}

/** Slots of the lookup table: a power of two, at least twice the commands. */
const tableSlots = 512;

/**
 * Finds a command by the bytes of argv[0], ignoring ASCII case, without allocating: a hash of the
 * case-folded bytes picks an open-addressing slot, and the name is compared byte by byte.
 */
export class CommandTable {
  readonly entries: readonly CommandEntry[];
  private readonly slots: Array<CommandEntry | undefined> = new Array(tableSlots).fill(undefined);
  private readonly names: Array<Uint8Array | undefined> = new Array(tableSlots).fill(undefined);

  constructor(entries: readonly CommandEntry[]) {
    if (2 * entries.length > tableSlots) throw new RangeError(`${entries.length} commands: raise tableSlots`);
    this.entries = [...entries].sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const name = new TextEncoder().encode(entry.name);
      let slot = foldedHash(name, 0, name.length) & (tableSlots - 1);
      while (this.slots[slot] !== undefined) {
        if (this.slots[slot]!.name === entry.name) throw new Error(`command ${entry.name} twice`);
        slot = (slot + 1) & (tableSlots - 1);
      }
      this.slots[slot] = entry;
      this.names[slot] = name;
    }
  }

  find(bytes: Uint8Array, offset: number, length: number): CommandEntry | undefined {
    let slot = foldedHash(bytes, offset, length) & (tableSlots - 1);
    for (;;) {
      const name = this.names[slot];
      if (name === undefined) return undefined;
      if (name.length === length && equalsFolded(name, bytes, offset)) return this.slots[slot];
      slot = (slot + 1) & (tableSlots - 1);
    }
  }

  /** By a name given as a string (COMMAND INFO, COMMAND GETKEYS). */
  findName(name: string): CommandEntry | undefined {
    const bytes = Buffer.from(name, 'latin1');
    return this.find(bytes, 0, bytes.length);
  }
}

/** ASCII upper case to lower case, other bytes unchanged. */
function fold(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
}

function foldedHash(bytes: Uint8Array, offset: number, length: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < length; i++) h = Math.imul(h ^ fold(bytes[offset + i]), 0x01000193);
  return h >>> 0;
}

/** Whether bytes at offset spell `lower` (lower case), ignoring ASCII case. */
function equalsFolded(lower: Uint8Array, bytes: Uint8Array, offset: number): boolean {
  for (let i = 0; i < lower.length; i++) if (fold(bytes[offset + i]) !== lower[i]) return false;
  return true;
}

/** Whether argument `index` spells `lower` (a lower-case ASCII word), ignoring case: option parsing. */
export function argumentIs(args: Arguments, index: number, lower: string): boolean {
  const length = args.lengths[index];
  if (length !== lower.length) return false;
  const offset = args.offsets[index];
  for (let i = 0; i < length; i++) if (fold(args.bytes[offset + i]) !== lower.charCodeAt(i)) return false;
  return true;
}

/** Argument `index` as a latin1 string (options, names, passwords: never on the hot path). */
export function argumentText(args: Arguments, index: number): string {
  const offset = args.offsets[index];
  return Buffer.from(args.bytes.buffer, args.bytes.byteOffset + offset, args.lengths[index]).toString(
    'latin1',
  );
}

/** Whether `args.count` fits Redis's arity convention (N exactly, -N at least N). */
export function arityFits(arity: number, count: number): boolean {
  return arity >= 0 ? count === arity : count >= -arity;
}

/** An entry of a command with no key arguments and no subcommands: COMMAND reports 0 0 0 for its keys. */
export function keylessCommand(
  name: string,
  arity: number,
  flags: readonly string[],
  role: number,
  run: CommandEntry['run'],
): CommandEntry {
  return { name, arity, flags, firstKey: 0, lastKey: 0, keyStep: 0, role, subcommands: [], run };
}
