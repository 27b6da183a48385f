import { wrongArityError } from '../../commands/redis-arguments.js';
import type { Arguments } from '../../commands/redis-command.js';
import { argumentText, arityFits, type CommandEntry, type SubcommandInfo } from './command-table.js';
import { commandError } from './errors.js';
import type { RespWriter } from './reply-writer.js';
import type { RespSession } from './session.js';

/** A subcommand (CLIENT SETNAME, CONFIG GET, ...): Redis's arity counts the command and the subcommand. */
export interface Subcommand extends SubcommandInfo {
  run(session: RespSession, args: Arguments, out: RespWriter): void;
}

/**
 * Redis's check of a container command's subcommand before the command runs or is queued in
 * MULTI (processCommand's existence and arity checks): the error text when argv[1] names no
 * subcommand of the entry or the wrong number of arguments follows it; null when the command may
 * go on (it names a subcommand correctly, or the entry has none, or argv[1] is absent).
 */
export function subcommandError(entry: CommandEntry, args: Arguments): string | null {
  if (entry.subcommands.length === 0 || args.count < 2) return null;
  const name = argumentText(args, 1).toLowerCase();
  const sub = entry.subcommands.find((s) => s.name === name);
  if (sub === undefined) return commandError.unknownSubcommand(args, entry.name);
  return arityFits(sub.arity, args.count) ? null : wrongArityError(`${entry.name}|${sub.name}`);
}

/**
 * A container command (CLIENT, CONFIG, COMMAND) that dispatches on argv[1]. The session checked
 * the subcommand first (subcommandError), so argv[1] names one of them with a fitting arity.
 */
export function containerCommand(
  name: string,
  flags: readonly string[],
  role: number,
  subcommands: readonly Subcommand[],
  /** What the command does without a subcommand (COMMAND); without it, a subcommand is required. */
  bare?: Subcommand['run'],
): CommandEntry {
  const byName = new Map(subcommands.map((s) => [s.name, s]));
  return {
    name,
    arity: bare === undefined ? -2 : -1,
    flags,
    firstKey: 0,
    lastKey: 0,
    keyStep: 0,
    role,
    subcommands,
    run(session, args, out) {
      if (args.count === 1) {
        bare!(session, args, out);
        return;
      }
      const sub = byName.get(argumentText(args, 1).toLowerCase());
      if (sub === undefined) throw new Error(`${name}: subcommand not checked before run`);
      sub.run(session, args, out);
    },
  };
}

/** The HELP subcommand: Redis's layout, one status line per line of text. */
export function helpSubcommand(parent: string, lines: readonly string[]): Subcommand {
  const text = [
    `${parent.toUpperCase()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`,
    ...lines,
    'HELP',
    '    Print this help.',
  ];
  return {
    name: 'help',
    arity: 2,
    flags: ['loading', 'stale'],
    run(_session, _args, out) {
      out.array(text.length);
      for (const line of text) out.status(line);
    },
  };
}
