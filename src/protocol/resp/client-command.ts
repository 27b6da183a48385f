import { RedisError } from '../../commands/redis-arguments.js';
import type { Arguments } from '../../commands/redis-command.js';
import { integerArgument, validClientName } from './arguments.js';
import { argumentIs, argumentText, CommandRole } from './command-table.js';
import type { RespWriter } from './reply-writer.js';
import type { RespSession } from './session.js';
import { containerCommand, helpSubcommand, type Subcommand } from './subcommands.js';

/**
 * One CLIENT LIST / CLIENT INFO line with Redis 7.2's fields, in its order ('?:0' for an address
 * not known, as addr on a unix socket); the memory fields fkvs does not track are 0.
 */
export function clientLine(session: RespSession, nowMs: number): string {
  const age = Math.floor((nowMs - session.createdMs) / 1000);
  const idle = Math.max(0, session.server.secondOf(nowMs) - session.lastCommandSecond);
  const flags = session.inMulti ? 'x' : 'N';
  return (
    `id=${session.clientId} addr=${session.peer === '' ? '?:0' : session.peer} laddr=${session.local === '' ? '?:0' : session.local} fd=${session.connectionId} name=${session.name} ` +
    `age=${age} idle=${idle} flags=${flags} db=${session.db} sub=0 psub=0 ssub=0 ` +
    `multi=${session.inMulti ? session.queuedCount : -1} qbuf=${session.parser.bufferedBytes} qbuf-free=0 ` +
    `argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=${session.pendingOutputBytes} tot-mem=0 events=r ` +
    `cmd=${session.lastCommand} user=default redir=-1 resp=${session.version} ` +
    `lib-name=${session.libName} lib-ver=${session.libVersion}`
  );
}

const id: Subcommand = {
  name: 'id',
  arity: 2,
  flags: ['noscript', 'loading', 'stale'],
  run: (session, _a, out) => out.integer(session.clientId),
};

const setname: Subcommand = {
  name: 'setname',
  arity: 3,
  flags: ['noscript', 'loading', 'stale'],
  run(session, args, out) {
    const name = argumentText(args, 2);
    if (!validClientName(name)) {
      out.error('ERR Client names cannot contain spaces, newlines or special characters.');
      return;
    }
    session.name = name;
    out.status('OK');
  },
};

const getname: Subcommand = {
  name: 'getname',
  arity: 2,
  flags: ['noscript', 'loading', 'stale'],
  run(session, _a, out) {
    if (session.name === '') out.nil();
    else out.bulkText(session.name);
  },
};

const setinfo: Subcommand = {
  name: 'setinfo',
  arity: 4,
  flags: ['noscript', 'loading', 'stale'],
  run(session, args, out) {
    const value = argumentText(args, 3);
    const isName = argumentIs(args, 2, 'lib-name');
    if (!isName && !argumentIs(args, 2, 'lib-ver')) {
      out.error(`ERR Unrecognized option '${argumentText(args, 2)}'`);
      return;
    }
    if (!validClientName(value)) {
      out.error(
        `ERR ${isName ? 'lib-name' : 'lib-ver'} cannot contain spaces, newlines or special characters.`,
      );
      return;
    }
    if (isName) session.libName = value;
    else session.libVersion = value;
    out.status('OK');
  },
};

const list: Subcommand = {
  name: 'list',
  arity: -2,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  run(session, args, out) {
    let wantedIds: Set<number> | null = null;
    if (args.count > 2) {
      if (argumentIs(args, 2, 'type') && args.count === 4) {
        const type = argumentText(args, 3).toLowerCase();
        if (!['normal', 'master', 'replica', 'slave', 'pubsub'].includes(type)) {
          out.error(`ERR Unknown client type '${argumentText(args, 3)}'`);
          return;
        }
        if (type !== 'normal') wantedIds = new Set();
      } else if (argumentIs(args, 2, 'id') && args.count > 3) {
        wantedIds = new Set();
        for (let i = 3; i < args.count; i++) {
          const n = integerArgument(args, i);
          if (Number.isNaN(n) || n <= 0) {
            out.error('ERR Invalid client ID');
            return;
          }
          wantedIds.add(n);
        }
      } else {
        out.error(RedisError.syntax);
        return;
      }
    }
    let text = '';
    for (const other of session.server.sessions.values()) {
      if (wantedIds === null || wantedIds.has(other.clientId))
        text += `${clientLine(other, session.nowMs)}\n`;
    }
    out.verbatim('txt', text);
  },
};

const info: Subcommand = {
  name: 'info',
  arity: 2,
  flags: ['noscript', 'loading', 'stale'],
  run: (session, _a, out) => out.verbatim('txt', `${clientLine(session, session.nowMs)}\n`),
};

/** CLIENT KILL: the old form (addr:port, never matched: peers are unknown) and the filter form. */
const kill: Subcommand = {
  name: 'kill',
  arity: -3,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  run(session, args, out) {
    if (args.count === 3) {
      const addr = argumentText(args, 2);
      const victim = [...session.server.sessions.values()].find((c) => c.peer === addr);
      if (victim === undefined) out.error('ERR No such client');
      else {
        closeClient(session, victim);
        out.status('OK');
      }
      return;
    }
    const victims = killFilter(session, args, out);
    if (victims === null) return;
    for (const victim of victims) closeClient(session, victim);
    out.integer(victims.length);
  },
};

/** Closes the victim's connection after its replies (at once for another; after this reply for the caller). */
function closeClient(session: RespSession, victim: RespSession): void {
  victim.closing = true;
  if (victim !== session) session.server.closeConnection(victim.connectionId);
}

/** The sessions CLIENT KILL's filters select, or null after an error reply. */
function killFilter(session: RespSession, args: Arguments, out: RespWriter): RespSession[] | null {
  let candidates = [...session.server.sessions.values()];
  let skipMe = true;
  if ((args.count - 2) % 2 !== 0) {
    out.error(RedisError.syntax);
    return null;
  }
  for (let i = 2; i < args.count; i += 2) {
    const value = argumentText(args, i + 1);
    if (argumentIs(args, i, 'id')) {
      const n = integerArgument(args, i + 1);
      if (Number.isNaN(n) || n <= 0) {
        out.error('ERR client-id should be greater than 0');
        return null;
      }
      candidates = candidates.filter((c) => c.clientId === n);
    } else if (argumentIs(args, i, 'skipme')) {
      if (value.toLowerCase() !== 'yes' && value.toLowerCase() !== 'no') {
        out.error(RedisError.syntax);
        return null;
      }
      skipMe = value.toLowerCase() === 'yes';
    } else if (argumentIs(args, i, 'type')) {
      if (value.toLowerCase() !== 'normal') candidates = [];
    } else if (argumentIs(args, i, 'user')) {
      if (value !== 'default') {
        out.error(`ERR No such user '${value}'`);
        return null;
      }
    } else if (argumentIs(args, i, 'addr')) {
      candidates = candidates.filter((c) => c.peer === value);
    } else if (argumentIs(args, i, 'laddr')) {
      candidates = candidates.filter((c) => c.local === value);
    } else if (argumentIs(args, i, 'maxage')) {
      const seconds = integerArgument(args, i + 1);
      if (Number.isNaN(seconds)) {
        out.error(RedisError.notInteger);
        return null;
      }
      candidates = candidates.filter((c) => session.nowMs - c.createdMs > seconds * 1000);
    } else {
      out.error(RedisError.syntax);
      return null;
    }
  }
  return skipMe ? candidates.filter((c) => c !== session) : candidates;
}

export const clientCommand = containerCommand('client', ['sentinel'], CommandRole.normal, [
  id,
  setname,
  getname,
  setinfo,
  list,
  info,
  kill,
  helpSubcommand('client', [
    'ID',
    '    Return the ID of the current connection.',
    'SETNAME <name>',
    '    Assign the name <name> to the current connection.',
    'GETNAME',
    '    Return the name of the current connection.',
    'SETINFO <LIB-NAME|LIB-VER> <value>',
    '    Set client meta attributes.',
    'LIST [TYPE (NORMAL|MASTER|REPLICA|PUBSUB)] [ID id [id ...]]',
    '    Return information about client connections.',
    'INFO',
    '    Return information about the current client connection.',
    'KILL <option> <value> [<option> <value> [...]]',
    '    Kill connections. Options are: ID, TYPE, USER, ADDR, LADDR, SKIPME, MAXAGE.',
  ]),
]);
