import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { type EvictionPolicyName, evictionPolicyNames } from '../../commands/eviction-policy.js';
import { globMatch } from '../../commands/glob.js';
import { wrongArityError } from '../../commands/redis-arguments.js';
import { minRespMaxBulkBytes } from '../../limits.js';
import { argumentText, CommandRole } from './command-table.js';
import { allowsProtectedAction } from './protected-action.js';
import type { RespSettings } from './server.js';
import { formatSaveRules, parseSaveRules } from './snapshot-commands.js';
import { containerCommand, helpSubcommand, type Subcommand } from './subcommands.js';

/** One CONFIG parameter: its value as text, and how CONFIG SET changes it (an error text, or null). */
interface Parameter {
  name: string;
  /** The name's bytes, for the glob (set once below). */
  nameBytes?: Uint8Array;
  get(settings: RespSettings, databases: number): string;
  /** Absent: immutable (set at start-up only). */
  set?(settings: RespSettings, value: string): string | null;
  /** Redis's PROTECTED_CONFIG: CONFIG SET only as enable-protected-configs allows. */
  protected?: true;
}

/** Redis's memtoull: digits with an optional unit (k=1000, kb=1024, m, mb, g, gb), case-insensitive. */
export function parseMemoryValue(text: string): number | null {
  const match = /^([0-9]+)(k|kb|m|mb|g|gb)?$/i.exec(text);
  if (match === null) return null;
  const units: Record<string, number> = { k: 1e3, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 };
  const n = Number(match[1]) * (match[2] === undefined ? 1 : units[match[2].toLowerCase()]);
  return Number.isSafeInteger(n) ? n : null;
}

/** A persistence setting fixed at start-up (RespSettings.persistence): CONFIG SET refuses it as immutable. */
function startupValue(name: string, fallback: string): Parameter {
  return { name, get: (settings) => settings.persistence?.get(name) ?? fallback };
}

/** A yes|no parameter CONFIG SET may change, with Redis's error for other values. */
function yesNoParameter(name: string, key: 'protectedMode' | 'stopWritesOnBgsaveError'): Parameter {
  return {
    name,
    get: (settings) => (settings[key] ? 'yes' : 'no'),
    set(settings, value) {
      const v = value.toLowerCase();
      if (v !== 'yes' && v !== 'no') return "argument must be 'yes' or 'no'";
      settings[key] = v === 'yes';
      return null;
    },
  };
}

function sizeParameter(name: string, key: 'maxBulkBytes' | 'maxQueryBufferBytes'): Parameter {
  return {
    name,
    get: (settings) => String(settings[key]),
    set(settings, value) {
      const bytes = parseMemoryValue(value);
      if (bytes === null) return 'argument must be a memory value';
      if (bytes < minRespMaxBulkBytes) return `argument must be at least ${minRespMaxBulkBytes}`;
      settings[key] = bytes;
      return null;
    },
  };
}

/** The order in which Redis lists the policies in its CONFIG SET error. */
const redisPolicyOrder =
  'volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction';

function evictionInteger(
  name: string,
  key: 'samples' | 'lfuLogFactor' | 'lfuDecayMinutes',
  min: number,
  max: number,
): Parameter {
  return {
    name,
    get: (settings) => String(settings.eviction[key]),
    set(settings, value) {
      const n = /^-?[0-9]+$/.test(value) ? Number(value) : Number.NaN;
      if (!Number.isSafeInteger(n)) return "argument couldn't be parsed into an integer";
      if (n < min || n > max) return `argument must be between ${min} and ${max} inclusive`;
      settings.eviction[key] = n;
      return null;
    },
  };
}

const parameters: readonly Parameter[] = [
  { name: 'databases', get: (_s, databases) => String(databases) },
  {
    name: 'save',
    get: (s) => formatSaveRules(s.saveRules),
    set(settings, value) {
      const rules = parseSaveRules(value);
      if (rules === null) return 'Invalid save parameters';
      settings.saveRules = rules;
      return null;
    },
  },
  {
    name: 'dir',
    protected: true,
    get: (s) => s.dir,
    set(settings, value) {
      const dir = resolve(settings.dir, value);
      if (!existsSync(dir) || !statSync(dir).isDirectory()) return 'No such file or directory';
      settings.dir = dir;
      return null;
    },
  },
  {
    name: 'dbfilename',
    protected: true,
    get: (s) => s.dbFilename,
    set(settings, value) {
      if (value.includes('/')) return "dbfilename can't be a path, just a filename";
      settings.dbFilename = value;
      return null;
    },
  },
  yesNoParameter('stop-writes-on-bgsave-error', 'stopWritesOnBgsaveError'),
  {
    name: 'appendonly',
    get: (s) => (s.appendonly ? 'yes' : 'no'),
    set(settings, value) {
      const v = value.toLowerCase();
      if (v !== 'yes' && v !== 'no') return "argument must be 'yes' or 'no'";
      settings.appendonly = v === 'yes';
      return null;
    },
  },
  startupValue('appendfsync', 'everysec'),
  startupValue('appendfilename', 'appendonly.aof'),
  startupValue('appenddirname', 'appendonlydir'),
  startupValue('aof-load-truncated', 'yes'),
  {
    name: 'auto-aof-rewrite-percentage',
    get: (s) => String(s.autoAofRewritePercentage),
    set(settings, value) {
      if (!/^-?[0-9]{1,18}$/.test(value)) return "argument couldn't be parsed into an integer";
      if (Number(value) < 0 || Number(value) > 2147483647)
        return 'argument must be between 0 and 2147483647 inclusive';
      settings.autoAofRewritePercentage = Number(value);
      return null;
    },
  },
  {
    name: 'auto-aof-rewrite-min-size',
    get: (s) => String(s.autoAofRewriteMinBytes),
    set(settings, value) {
      const bytes = parseMemoryValue(value);
      if (bytes === null) return 'argument must be a memory value';
      settings.autoAofRewriteMinBytes = bytes;
      return null;
    },
  },
  {
    name: 'maxmemory-policy',
    get: (s) => evictionPolicyNames[s.eviction.policy],
    set(settings, value) {
      const policy = evictionPolicyNames.indexOf(value.toLowerCase() as EvictionPolicyName);
      if (policy < 0) return `argument(s) must be one of the following: ${redisPolicyOrder}`;
      settings.eviction.policy = policy;
      return null;
    },
  },
  evictionInteger('maxmemory-samples', 'samples', 1, 2147483647), // more than maxEvictionSamples sample that many
  evictionInteger('lfu-log-factor', 'lfuLogFactor', 0, 2147483647),
  evictionInteger('lfu-decay-time', 'lfuDecayMinutes', 0, 2147483647),
  { name: 'maxmemory', get: (s) => String(s.maxMemoryBytes) },
  { name: 'maxclients', get: (s) => String(s.maxClients) },
  { name: 'port', get: (s) => String(s.port) },
  { name: 'bind', get: (s) => s.bind },
  { name: 'unixsocket', get: (s) => s.unixSocket },
  { name: 'timeout', get: () => '0' },
  {
    name: 'requirepass',
    get: (s) => s.requirepass,
    set(settings, value) {
      settings.requirepass = value;
      return null;
    },
  },
  yesNoParameter('protected-mode', 'protectedMode'),
  sizeParameter('proto-max-bulk-len', 'maxBulkBytes'),
  sizeParameter('client-query-buffer-limit', 'maxQueryBufferBytes'),
  { name: 'enable-protected-configs', get: (s) => s.enableProtectedConfigs },
];

const byName = new Map(parameters.map((p) => [p.name, p]));
for (const p of parameters) p.nameBytes = Buffer.from(p.name, 'latin1');

const get: Subcommand = {
  name: 'get',
  arity: -3,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  run(session, args, out) {
    // Each parameter once, under the name it was first matched by: as Redis 7.0's configGetCommand,
    // a name without glob characters is looked up and answered as the client spelled it
    // ("CONFIG GET DIR" answers "DIR"), a pattern answers parameters' own names. Case is ignored.
    const matched = new Map<Parameter, string>();
    for (let i = 2; i < args.count; i++) {
      const text = argumentText(args, i);
      if (!/[[*?]/.test(text)) {
        const p = byName.get(text.toLowerCase());
        if (p !== undefined && !matched.has(p)) matched.set(p, text);
        continue;
      }
      const pattern = Buffer.from(text.toLowerCase(), 'latin1');
      for (const p of parameters) {
        if (matched.has(p)) continue;
        if (globMatch(pattern, 0, pattern.length, p.nameBytes!, 0, p.nameBytes!.length))
          matched.set(p, p.name);
      }
    }
    out.map(matched.size);
    for (const [p, name] of matched) {
      out.bulkText(name);
      out.bulkText(p.get(session.server.settings, session.server.databases.count));
    }
  },
};

const set: Subcommand = {
  name: 'set',
  arity: -4,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  run(session, args, out) {
    if (args.count % 2 !== 0) {
      out.error(wrongArityError('config|set'));
      return;
    }
    // Check every pair before applying any, as Redis does.
    const changes: Array<[Parameter, string]> = [];
    for (let i = 2; i < args.count; i += 2) {
      const name = argumentText(args, i).toLowerCase();
      const p = byName.get(name);
      if (p === undefined) {
        out.error(`ERR Unknown option or number of arguments for CONFIG SET - '${argumentText(args, i)}'`);
        return;
      }
      // As Redis, the argument as given in these two errors.
      if (p.set === undefined) {
        out.error(
          `ERR CONFIG SET failed (possibly related to argument '${argumentText(args, i)}') - can't set immutable config`,
        );
        return;
      }
      if (
        p.protected &&
        !allowsProtectedAction(session.server.settings.enableProtectedConfigs, session.peer)
      ) {
        out.error(
          `ERR CONFIG SET failed (possibly related to argument '${argumentText(args, i)}') - can't set protected config`,
        );
        return;
      }
      changes.push([p, argumentText(args, i + 1)]);
    }
    const saved = { ...session.server.settings };
    const savedEviction = { ...session.server.settings.eviction };
    for (const [p, value] of changes) {
      const problem = p.set!(session.server.settings, value);
      if (problem !== null) {
        Object.assign(session.server.settings, saved);
        Object.assign(session.server.settings.eviction, savedEviction);
        out.error(`ERR CONFIG SET failed (possibly related to argument '${p.name}') - ${problem}`);
        return;
      }
    }
    const settings = session.server.settings;
    if (settings.appendonly !== saved.appendonly) {
      // Applied once every value is checked, as Redis's apply functions; a failure restores them all.
      const changed = session.server.appendonlyChanged;
      const problem = changed === null ? "can't set immutable config" : changed(settings.appendonly === true);
      if (problem !== null) {
        Object.assign(settings, saved);
        Object.assign(settings.eviction, savedEviction);
        out.error(`ERR CONFIG SET failed (possibly related to argument 'appendonly') - ${problem}`);
        return;
      }
    }
    out.status('OK');
  },
};

const resetstat: Subcommand = {
  name: 'resetstat',
  arity: 2,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  run(session, _a, out) {
    session.server.stats.commandsProcessed = 0;
    session.server.stats.connectionsReceived = 0;
    session.server.writer.errors = 0;
    out.status('OK');
  },
};

export const configCommand = containerCommand('config', [], CommandRole.normal, [
  get,
  set,
  resetstat,
  helpSubcommand('config', [
    'GET <pattern>',
    '    Return parameters matching the glob-like <pattern> and their values.',
    'SET <directive> <value>',
    '    Set the configuration <directive> to <value>.',
    'RESETSTAT',
    '    Reset statistics reported by the INFO command.',
  ]),
]);
