import { RedisError, wrongArityError } from '../../commands/redis-arguments.js';
import type { Arguments } from '../../commands/redis-command.js';
import { integerArgument, validClientName } from './arguments.js';
import { clientCommand } from './client-command.js';
import { commandCommand } from './command-command.js';
import {
  argumentIs,
  argumentText,
  type CommandEntry,
  CommandRole,
  keylessCommand as entry,
} from './command-table.js';
import { configCommand } from './config-command.js';
import { infoCommand } from './info-command.js';
import { objectCommand } from './object-command.js';
import type { RespWriter } from './reply-writer.js';
import type { RespSession } from './session.js';
import { redisVersion } from './version.js';

/** The password check of AUTH and HELLO AUTH: only the default user exists. */
function checkPassword(session: RespSession, user: string | null, password: string): boolean {
  const required = session.server.settings.requirepass;
  if (user !== null && user !== 'default') return false;
  // With no requirepass the default user is "nopass": any password opens it.
  if (required !== '' && password !== required) return false;
  session.setAuthenticated();
  return true;
}

const wrongPass = 'WRONGPASS invalid username-password pair or user is disabled.';

const ping = entry('ping', -1, ['fast', 'sentinel'], CommandRole.normal, (_s, args, out) => {
  if (args.count > 2) out.error(wrongArityError('ping'));
  else if (args.count === 1) out.status('PONG');
  else out.bulk(args.bytes, args.offsets[1], args.lengths[1]);
});

const echo = entry('echo', 2, ['fast'], CommandRole.normal, (_s, args, out) => {
  out.bulk(args.bytes, args.offsets[1], args.lengths[1]);
});

const quit = entry('quit', -1, ['allow_busy', 'no_auth', 'fast'], CommandRole.noAuth, (session, _a, out) => {
  out.status('OK');
  session.closing = true;
});

const select = entry('select', 2, ['loading', 'stale', 'fast'], CommandRole.normal, (session, args, out) => {
  const db = integerArgument(args, 1);
  if (Number.isNaN(db) || db < -2147483648 || db > 2147483647) out.error(RedisError.notInteger);
  else if (db < 0 || db >= session.server.databases.count) out.error(RedisError.databaseOutOfRange);
  else {
    session.selectDatabase(db);
    out.status('OK');
  }
});

const auth = entry(
  'auth',
  -2,
  ['noscript', 'loading', 'stale', 'fast', 'no_auth'],
  CommandRole.noAuth,
  (session, args, out) => {
    if (args.count > 3) {
      out.error(RedisError.syntax);
      return;
    }
    if (args.count === 2 && session.server.settings.requirepass === '') {
      out.error(
        'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
      );
      return;
    }
    const user = args.count === 3 ? argumentText(args, 1) : null;
    if (checkPassword(session, user, argumentText(args, args.count - 1))) out.status('OK');
    else out.error(wrongPass);
  },
);

const hello = entry(
  'hello',
  -1,
  ['noscript', 'loading', 'stale', 'fast', 'no_auth'],
  CommandRole.noAuth,
  (session, args, out) => {
    let version = session.version;
    if (args.count >= 2) {
      const asked = integerArgument(args, 1);
      if (Number.isNaN(asked)) {
        out.error('ERR Protocol version is not an integer or out of range');
        return;
      }
      if (asked < 2 || asked > 3) {
        out.error('NOPROTO unsupported protocol version');
        return;
      }
      version = asked as 2 | 3;
    }
    let user: string | null = null;
    let password: string | null = null;
    let name: string | null = null;
    for (let i = 2; i < args.count; i++) {
      const more = args.count - i - 1;
      if (argumentIs(args, i, 'auth') && more >= 2) {
        user = argumentText(args, i + 1);
        password = argumentText(args, i + 2);
        i += 2;
      } else if (argumentIs(args, i, 'setname') && more >= 1) {
        name = argumentText(args, i + 1);
        i += 1;
      } else {
        out.error(`ERR Syntax error in HELLO option '${argumentText(args, i)}'`);
        return;
      }
    }
    if (user !== null && !checkPassword(session, user, password!)) {
      out.error(wrongPass);
      return;
    }
    if (!session.authenticated) {
      out.error(
        'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
      );
      return;
    }
    if (name !== null) {
      if (!validClientName(name)) {
        out.error('ERR Client names cannot contain spaces, newlines or special characters.');
        return;
      }
      session.name = name;
    }
    session.setVersion(version);
    out.map(7);
    out.bulkText('server');
    out.bulkText('redis');
    out.bulkText('version');
    out.bulkText(redisVersion);
    out.bulkText('proto');
    out.integer(version);
    out.bulkText('id');
    out.integer(session.clientId);
    out.bulkText('mode');
    out.bulkText('standalone');
    out.bulkText('role');
    out.bulkText('master');
    out.bulkText('modules');
    out.array(0);
  },
);

const time = entry('time', 1, ['loading', 'stale', 'fast'], CommandRole.normal, (_s, _a, out) => {
  const nowMs = performance.timeOrigin + performance.now();
  out.array(2);
  out.bulkText(String(Math.floor(nowMs / 1000)));
  out.bulkText(String(Math.floor((nowMs % 1000) * 1000)));
});

const dbsize = entry('dbsize', 1, ['readonly', 'fast'], CommandRole.normal, (session, _a, out) => {
  out.integer(session.store.size);
});

/** FLUSHDB and FLUSHALL take ASYNC or SYNC; both flush at once here (single thread). */
function flushOptionOk(args: Arguments, out: RespWriter): boolean {
  if (args.count === 1 || (args.count === 2 && (argumentIs(args, 1, 'async') || argumentIs(args, 1, 'sync'))))
    return true;
  out.error(RedisError.syntax);
  return false;
}

function flush(session: RespSession, db: number): void {
  const store = session.server.databases.existing(db);
  if (store === null) return;
  session.server.watches.touchExisting(db, (key) => {
    const bytes = Buffer.from(key, 'latin1');
    return store.find(bytes, 0, bytes.length) >= 0;
  });
  // In place (sessions and FKVS hold the store): the keys are listed, then deleted.
  const keys: Uint8Array[] = [];
  store.forEachKey((bytes, offset, length) => {
    keys.push(bytes.slice(offset, offset + length));
    return true;
  });
  for (const key of keys) store.delete(key, 0, key.length);
  session.server.writeLog.flushed(db);
}

const flushdb = entry('flushdb', -1, ['write'], CommandRole.normal, (session, args, out) => {
  if (!flushOptionOk(args, out)) return;
  flush(session, session.db);
  out.status('OK');
});

const flushall = entry('flushall', -1, ['write'], CommandRole.normal, (session, args, out) => {
  if (!flushOptionOk(args, out)) return;
  for (let db = 0; db < session.server.databases.count; db++) flush(session, db);
  out.status('OK');
});

const multi = entry(
  'multi',
  1,
  ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
  CommandRole.transaction,
  (session, _a, out) => {
    if (session.inMulti) {
      out.error('ERR MULTI calls can not be nested');
      return;
    }
    session.beginMulti();
    out.status('OK');
  },
);

const exec = entry(
  'exec',
  1,
  ['noscript', 'loading', 'stale', 'skip_slowlog'],
  CommandRole.transaction,
  (session, _a, out) => {
    if (!session.inMulti) {
      out.error('ERR EXEC without MULTI');
      return;
    }
    if (session.multiFailed) {
      session.discardQueue();
      session.unwatchAll();
      out.error('EXECABORT Transaction discarded because of previous errors.');
      return;
    }
    if (session.watchBroken()) {
      session.discardQueue();
      session.unwatchAll();
      out.nilArray();
      return;
    }
    // Unwatch first: the transaction's own writes must not mark this session.
    session.unwatchAll();
    session.runQueued();
  },
);

const discard = entry(
  'discard',
  1,
  ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
  CommandRole.transaction,
  (session, _a, out) => {
    if (!session.inMulti) {
      out.error('ERR DISCARD without MULTI');
      return;
    }
    session.discardQueue();
    session.unwatchAll();
    out.status('OK');
  },
);

const watch: CommandEntry = {
  ...entry(
    'watch',
    -2,
    ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
    CommandRole.transaction,
    (session, args, out) => {
      if (session.inMulti) {
        out.error('ERR WATCH inside MULTI is not allowed');
        return;
      }
      const store = session.store;
      for (let i = 1; i < args.count; i++) {
        const offset = args.offsets[i];
        const length = args.lengths[i];
        const handle = store.find(args.bytes, offset, length);
        const deadline = handle >= 0 ? store.deadline(handle) : 0;
        if (!session.watch(argumentText(args, i), deadline)) {
          out.error('ERR too many watched keys');
          return;
        }
      }
      out.status('OK');
    },
  ),
  firstKey: 1,
  lastKey: -1,
  keyStep: 1,
};

// Not among Redis's commands that run at once inside MULTI: UNWATCH is queued.
const unwatch = entry(
  'unwatch',
  1,
  ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
  CommandRole.normal,
  (session, _a, out) => {
    session.unwatchAll();
    out.status('OK');
  },
);

/** The commands of the connection and the server, beside the data commands of commands/. */
export const connectionCommands: readonly CommandEntry[] = [
  ping,
  echo,
  quit,
  select,
  auth,
  hello,
  time,
  dbsize,
  flushdb,
  flushall,
  multi,
  exec,
  discard,
  watch,
  unwatch,
  clientCommand,
  commandCommand,
  configCommand,
  infoCommand,
  objectCommand,
];
