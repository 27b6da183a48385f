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

/** A container command (CLIENT, CONFIG, COMMAND) that dispatches on argv[1] with Redis's error texts. */
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
      if (sub === undefined) out.error(commandError.unknownSubcommand(args, name));
      else if (!arityFits(sub.arity, args.count)) out.error(wrongArityError(`${name}|${sub.name}`));
      else sub.run(session, args, out);
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
