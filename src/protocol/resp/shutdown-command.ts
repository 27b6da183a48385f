import { RedisError } from '../../commands/redis-arguments.js';
import { argumentIs, type CommandEntry, CommandRole, keylessCommand } from './command-table.js';

/** Whether a stop saves a snapshot first: by the save rules (none set: no), or as told. */
export type ShutdownSave = 'rules' | 'save' | 'nosave';

/** How to stop: SIGTERM's is { save: 'rules', force: false }, as Redis's. */
export interface ShutdownOptions {
  readonly save: ShutdownSave;
  /** Stop even if the final save fails or the log's first base is not written (SHUTDOWN FORCE). */
  readonly force: boolean;
}

/** Redis 7.0's reply when the server stays up (the reason is in its log). */
const shutdownRefused = 'ERR Errors trying to SHUTDOWN. Check logs.';

/**
 * SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT], as Redis 7.0: the server stops as on SIGTERM
 * (the log's last writes synced, the final snapshot saved when save rules are set or SAVE is given)
 * and the connection closes without a reply; when it cannot stop, Redis's error and it stays up.
 * NOW (do not wait for replicas) changes nothing here: there are none. ABORT: no stop ever waits,
 * so there is none to abort.
 */
export const shutdownCommand: CommandEntry = keylessCommand(
  'shutdown',
  -1,
  ['admin', 'noscript', 'loading', 'stale', 'no_multi', 'allow_busy'],
  CommandRole.normal,
  (session, args, out) => {
    let save: ShutdownSave = 'rules';
    let saveGiven = false;
    let force = false;
    let abort = false;
    let otherFlags = false;
    for (let i = 1; i < args.count; i++) {
      if (argumentIs(args, i, 'nosave') || argumentIs(args, i, 'save')) {
        const asked: ShutdownSave = argumentIs(args, i, 'save') ? 'save' : 'nosave';
        if (saveGiven && asked !== save) return out.error(RedisError.syntax); // SAVE with NOSAVE
        save = asked;
        saveGiven = true;
        otherFlags = true;
      } else if (argumentIs(args, i, 'now')) otherFlags = true;
      else if (argumentIs(args, i, 'force')) force = otherFlags = true;
      else if (argumentIs(args, i, 'abort')) abort = true;
      else return out.error(RedisError.syntax);
    }
    if (abort && otherFlags) return out.error(RedisError.syntax);
    if (abort) return out.error('ERR No shutdown in progress.');
    const shutdown = session.server.shutdown;
    if (shutdown === null) return out.error('ERR SHUTDOWN is not set up on this server');
    if (!shutdown({ save, force })) out.error(shutdownRefused);
  },
);
