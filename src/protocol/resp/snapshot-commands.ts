import { RedisError } from '../../commands/redis-arguments.js';
import { argumentIs, type CommandEntry, CommandRole, keylessCommand } from './command-table.js';

/** One `save <seconds> <changes>` rule: snapshot when that many changes are that old. */
export interface SaveRule {
  readonly seconds: number;
  readonly changes: number;
}

/** Redis 7's `save` default: after an hour with a change, 5 minutes with 100, a minute with 10,000. */
export const defaultSaveRules: readonly SaveRule[] = [
  { seconds: 3600, changes: 1 },
  { seconds: 300, changes: 100 },
  { seconds: 60, changes: 10000 },
];

/**
 * The `save` parameter's text ("3600 1 300 100", or "" for none) as rules; null when invalid, with
 * Redis's rule: pairs, seconds at least 1, changes at least 0.
 */
export function parseSaveRules(text: string): SaveRule[] | null {
  const words = text.split(' ').filter((w) => w !== '');
  if (words.length % 2 !== 0) return null;
  const rules: SaveRule[] = [];
  for (let i = 0; i < words.length; i += 2) {
    if (!/^-?[0-9]{1,15}$/.test(words[i]) || !/^-?[0-9]{1,15}$/.test(words[i + 1])) return null;
    const seconds = Number(words[i]);
    const changes = Number(words[i + 1]);
    if (seconds < 1 || changes < 0) return null;
    rules.push({ seconds, changes });
  }
  return rules;
}

export function formatSaveRules(rules: readonly SaveRule[]): string {
  return rules.map((r) => `${r.seconds} ${r.changes}`).join(' ');
}

/** A background job's answer to the command that asked for it: a status line, or an error's text. */
export interface JobReply {
  readonly error: boolean;
  readonly text: string;
}

export function jobStatus(text: string): JobReply {
  return { error: false, text };
}

export function jobError(text: string): JobReply {
  return { error: true, text };
}

/** The server's snapshots, as the Redis front's commands and INFO use them (src/server/snapshots.ts). */
export interface SnapshotControl {
  /** SAVE: blocks until the dump is written; an error reply's text, or null for OK. */
  save(): string | null;
  /** BGSAVE [SCHEDULE]. */
  backgroundSave(schedule: boolean): JobReply;
  /** LASTSAVE: Unix seconds of the last successful save (the start time before any). */
  lastSaveSeconds(): number;
  /** INFO persistence's snapshot fields, in Redis's order. */
  infoLines(nowMs: number): string[];
}

/** The append-only log's rewrite (src/server/aof-rewrite.ts), as BGREWRITEAOF and INFO use it. */
export interface RewriteControl {
  /** BGREWRITEAOF. */
  backgroundRewrite(): JobReply;
  /** aof_rewrite_in_progress ... aof_rewrites_consecutive_failures, in Redis's order. */
  infoLines(nowMs: number): string[];
  /** aof_pending_rewrite: a rewrite waits for a BGSAVE to end. */
  readonly pendingRewrite: boolean;
  /** aof_last_cow_size: bytes the last rewrite copied before a write changed them. */
  readonly lastCowBytes: number;
}

const notSetUp = 'ERR snapshots are not set up on this server';

export const snapshotCommands: readonly CommandEntry[] = [
  keylessCommand(
    'save',
    1,
    ['admin', 'noscript', 'no_async_loading', 'no_multi'],
    CommandRole.normal,
    (session, _args, out) => {
      const snapshots = session.server.snapshots;
      if (snapshots === null) return out.error(notSetUp);
      const error = snapshots.save();
      if (error === null) out.status('OK');
      else out.error(error);
    },
  ),
  keylessCommand(
    'bgsave',
    -1,
    ['admin', 'noscript', 'no_async_loading'],
    CommandRole.normal,
    (session, args, out) => {
      const snapshots = session.server.snapshots;
      if (snapshots === null) return out.error(notSetUp);
      if (args.count > 2 || (args.count === 2 && !argumentIs(args, 1, 'schedule'))) {
        return out.error(RedisError.syntax);
      }
      const reply = snapshots.backgroundSave(args.count === 2);
      if (reply.error) out.error(reply.text);
      else out.status(reply.text);
    },
  ),
  keylessCommand('lastsave', 1, ['loading', 'stale', 'fast'], CommandRole.normal, (session, _args, out) => {
    const snapshots = session.server.snapshots;
    if (snapshots === null) return out.error(notSetUp);
    out.integer(snapshots.lastSaveSeconds());
  }),
  keylessCommand(
    'bgrewriteaof',
    1,
    ['admin', 'noscript', 'no_async_loading'],
    CommandRole.normal,
    (session, _args, out) => {
      const rewrite = session.server.rewrite;
      // The server sets it up whatever appendonly says (with the log off it writes a base and a
      // manifest, as Redis); only an in-process server without persistence has none.
      if (rewrite === null) return out.error('ERR the append-only log is not set up on this server');
      const reply = rewrite.backgroundRewrite();
      if (reply.error) out.error(reply.text);
      else out.status(reply.text);
    },
  ),
];
