import { arityFits, type CommandEntry, CommandRole } from './command-table.js';
import type { RespWriter } from './reply-writer.js';
import { containerCommand, helpSubcommand, type Subcommand } from './subcommands.js';

/** COMMAND INFO's reply for one command (Redis 7's ten fields; no ACL categories, tips or key specs). */
function writeInfo(entry: CommandEntry, out: RespWriter): void {
  out.array(10);
  out.bulkText(entry.name);
  out.integer(entry.arity);
  out.set(entry.flags.length);
  for (const flag of entry.flags) out.status(flag);
  out.integer(entry.firstKey);
  out.integer(entry.lastKey);
  out.integer(entry.keyStep);
  out.set(0); // ACL categories
  out.set(0); // tips
  out.array(0); // key specs
  out.array(entry.subcommands.length);
  for (const sub of entry.subcommands) {
    out.array(10);
    out.bulkText(`${entry.name}|${sub.name}`);
    out.integer(sub.arity);
    out.set(sub.flags.length);
    for (const flag of sub.flags) out.status(flag);
    out.integer(0);
    out.integer(0);
    out.integer(0);
    out.set(0);
    out.set(0);
    out.array(0);
    out.array(0);
  }
}

/** COMMAND DOCS's reply for one command: what fkvs knows of it (group and summary are not kept). */
function writeDocs(entry: CommandEntry, out: RespWriter): void {
  out.bulkText(entry.name);
  out.map(3);
  out.bulkText('summary');
  out.bulkText('');
  out.bulkText('since');
  out.bulkText('1.0.0');
  out.bulkText('group');
  out.bulkText(entry.flags.includes('write') || entry.flags.includes('readonly') ? 'generic' : 'connection');
}

const count: Subcommand = {
  name: 'count',
  arity: 2,
  flags: ['loading', 'stale'],
  run: (session, _a, out) => out.integer(session.server.table.entries.length),
};

const list: Subcommand = {
  name: 'list',
  arity: -2,
  flags: ['loading', 'stale'],
  run(session, args, out) {
    if (args.count > 2) {
      out.error('ERR syntax error');
      return;
    }
    const entries = session.server.table.entries;
    out.array(entries.length);
    for (const entry of entries) out.bulkText(entry.name);
  },
};

const info: Subcommand = {
  name: 'info',
  arity: -2,
  flags: ['loading', 'stale'],
  run(session, args, out) {
    const table = session.server.table;
    if (args.count === 2) {
      out.array(table.entries.length);
      for (const entry of table.entries) writeInfo(entry, out);
      return;
    }
    out.array(args.count - 2);
    for (let i = 2; i < args.count; i++) {
      const entry = table.find(args.bytes, args.offsets[i], args.lengths[i]);
      if (entry === undefined) out.nil();
      else writeInfo(entry, out);
    }
  },
};

const docs: Subcommand = {
  name: 'docs',
  arity: -2,
  flags: ['loading', 'stale'],
  run(session, args, out) {
    const table = session.server.table;
    const wanted: CommandEntry[] = [];
    if (args.count === 2) wanted.push(...table.entries);
    for (let i = 2; i < args.count; i++) {
      const entry = table.find(args.bytes, args.offsets[i], args.lengths[i]);
      if (entry !== undefined) wanted.push(entry);
    }
    out.map(wanted.length);
    for (const entry of wanted) writeDocs(entry, out);
  },
};

/** COMMAND GETKEYS: the key positions of the command's metadata applied to the given arguments. */
const getkeys: Subcommand = {
  name: 'getkeys',
  arity: -3,
  flags: ['loading', 'stale'],
  run(session, args, out) {
    const entry = session.server.table.find(args.bytes, args.offsets[2], args.lengths[2]);
    const argc = args.count - 2;
    if (entry === undefined) {
      out.error('ERR Invalid command specified');
      return;
    }
    if (!arityFits(entry.arity, argc)) {
      out.error('ERR Invalid number of arguments specified for command');
      return;
    }
    if (entry.firstKey === 0) {
      out.error('ERR The command has no key arguments');
      return;
    }
    const last = entry.lastKey < 0 ? argc + entry.lastKey : entry.lastKey;
    const positions: number[] = [];
    for (let i = entry.firstKey; i <= last && i < argc; i += entry.keyStep) positions.push(i);
    out.array(positions.length);
    for (const i of positions) out.bulk(args.bytes, args.offsets[i + 2], args.lengths[i + 2]);
  },
};

export const commandCommand: CommandEntry = containerCommand(
  'command',
  ['loading', 'stale', 'sentinel'],
  CommandRole.normal,
  [
    count,
    list,
    info,
    docs,
    getkeys,
    helpSubcommand('command', [
      '(no subcommand)',
      '    Return details about all commands.',
      'COUNT',
      '    Return the total number of commands in this server.',
      'LIST',
      '    Return a list of all commands in this server.',
      'INFO [<command-name> ...]',
      '    Return details about multiple commands.',
      'DOCS [<command-name> ...]',
      '    Return documentation details about multiple commands.',
      'GETKEYS <full-command>',
      '    Return the keys from a full command.',
    ]),
  ],
  (session, _a, out) => {
    const entries = session.server.table.entries;
    out.array(entries.length);
    for (const entry of entries) writeInfo(entry, out);
  },
);
