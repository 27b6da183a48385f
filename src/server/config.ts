import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { IoUringSwitches } from '../io/transport.js';
import {
  defaultMaxClientOutputBytes,
  defaultMaxClients,
  defaultRespMaxBulkBytes,
  defaultRespQueryBufferBytes,
  defaultTcpKeepaliveSeconds,
  maxConfigLineBytes,
  maxTcpKeepaliveSeconds,
  maxUnixSocketPathBytes,
  minMaxMemoryBytes,
  minRespMaxBulkBytes,
} from '../limits.js';
import { type ProtectedAction, protectedActionNames } from '../protocol/resp/protected-action.js';
import {
  defaultSaveRules,
  formatSaveRules,
  parseSaveRules,
  type SaveRule,
} from '../protocol/resp/snapshot-commands.js';
import {
  defaultEvictionSettings,
  type EvictionSettings,
  evictionPolicyNames,
} from '../store/access-clock.js';
import { defaultMaxMemoryBytes } from '../store/arena-store.js';
import { maxEvictionSamples } from '../store/eviction.js';
import type { AppendFsync } from './append-only.js';

/**
 * fkvs-server's configuration: the original's server.conf keys (spec 4.2) plus ours, one table that
 * drives the config-file parser, the `--<key> <value>` flags, the defaults and the help text.
 */
export interface ServerConfig {
  /** The config file as given, or null for the embedded default. */
  configFile: string | null;
  port: number;
  /** IPv4 or IPv6 literal. */
  bind: string;
  /** When set, the server listens on this unix socket only (as the original). */
  unixSocket: string | null;
  maxClients: number;
  /** SO_KEEPALIVE probes on accepted TCP connections after this idle time (Redis's tcp-keepalive); 0: off. */
  tcpKeepaliveSeconds: number;
  eventLoopMaxEvents: number;
  /** io_uring when the kernel allows it, else epoll; false forces epoll. */
  useIoUring: boolean;
  /** Each io_uring feature can be switched off (kernels with known bugs; tests of every rung). */
  ioUring: IoUringSwitches;
  maxMemoryBytes: number;
  /** maxmemory-policy, maxmemory-samples, lfu-log-factor, lfu-decay-time. */
  eviction: EvictionSettings;
  /** Unsent reply bytes of all clients together; past it the largest holders are closed. */
  maxClientOutputBytes: number;
  /** Seconds a client may stay idle before it is closed (Redis's `timeout`); 0: never. */
  idleTimeoutSeconds: number;
  showLogo: boolean;
  daemonize: boolean;
  /** The Redis front: TCP port on `bind` (0: none), and a unix socket beside it (null: none). */
  respPort: number;
  respUnixSocket: string | null;
  /** Redis's requirepass for RESP connections; '' for none. The FKVS listener has no authentication. */
  requirepass: string;
  protectedMode: boolean;
  /** Redis's enable-protected-configs: who may CONFIG SET dir and dbfilename (no, yes, local). */
  enableProtectedConfigs: ProtectedAction;
  /** proto-max-bulk-len and client-query-buffer-limit, in bytes. */
  protoMaxBulkLenBytes: number;
  clientQueryBufferLimitBytes: number;
  /** Snapshots: Redis's `save` rules ([]: none), `dir` (as given; resolved at start) and `dbfilename`. */
  saveRules: SaveRule[];
  /** Redis's stop-writes-on-bgsave-error: writes are refused after a failed snapshot while save rules are set. */
  stopWritesOnBgsaveError: boolean;
  dbFilename: string;
  /** The append-only log (Redis's names and defaults): on or off, its sync policy, where it lives. */
  appendonly: boolean;
  appendfsync: AppendFsync;
  /** Where dump.rdb and the log's directory are (Redis's `dir`). */
  dir: string;
  appendfilename: string;
  appenddirname: string;
  aofLoadTruncated: boolean;
  /** Rewrite the log when it grew this many percent over its size after the last rewrite (0: never), and is over the size. */
  autoAofRewritePercentage: number;
  autoAofRewriteMinBytes: number;
  /** Start-up: leave out keys and logged commands of types other than strings (counted) instead of stopping. */
  loadSkipOtherTypes: boolean;
}

export type ServerArgs =
  | { kind: 'run'; config: ServerConfig; warnings: string[] }
  | { kind: 'help'; text: string }
  | { kind: 'version'; text: string };

export class ConfigError extends Error {}

export const defaultPort = 5995;
/** Redis's port, for the Redis protocol listener. */
export const defaultRespPort = 6379;
export const version = '0.1.0';

type Setter = (config: ServerConfig, value: string) => string | null;

interface KeySpec {
  key: string;
  help: string;
  /** Applies the value; returns an error text ("expected ...") or null. */
  set: Setter;
}

const booleanKey = (key: string, help: string, assign: (c: ServerConfig, v: boolean) => void): KeySpec => ({
  key,
  help: `${help} (true|false)`,
  set: (config, value) => {
    if (value !== 'true' && value !== 'false') return 'expected true or false';
    assign(config, value === 'true');
    return null;
  },
});

const integerKey = (
  key: string,
  help: string,
  min: number,
  max: number,
  assign: (c: ServerConfig, v: number) => void,
): KeySpec => ({
  key,
  help: `${help} (${min}..${max})`,
  set: (config, value) => {
    const n = parseStrictInteger(value);
    if (n === null || n < min || n > max) return `expected integer in range ${min}..${max}`;
    assign(config, n);
    return null;
  },
});

const byteSizeKey = (
  key: string,
  help: string,
  min: number,
  assign: (c: ServerConfig, v: number) => void,
): KeySpec => ({
  key,
  help: `${help}: bytes, or with a unit kb, mb, gb (at least ${min} bytes)`,
  set: (config, value) => {
    const bytes = parseByteSize(value);
    if (bytes === null || bytes < min) return `expected a size of at least ${min} bytes, e.g. 512mb`;
    assign(config, bytes);
    return null;
  },
});

const socketPathKey = (key: string, help: string, assign: (c: ServerConfig, v: string) => void): KeySpec => ({
  key,
  help,
  set: (config, value) => {
    if (Buffer.byteLength(value) > maxUnixSocketPathBytes) {
      return `expected a path of at most ${maxUnixSocketPathBytes} bytes`;
    }
    assign(config, value);
    return null;
  },
});

const yesNoKey = (key: string, help: string, assign: (c: ServerConfig, v: boolean) => void): KeySpec => ({
  key,
  help: `${help} (yes|no)`,
  set: (config, value) => {
    if (value !== 'yes' && value !== 'no') return 'expected yes or no';
    assign(config, value === 'yes');
    return null;
  },
});

const fileNameKey = (key: string, help: string, assign: (c: ServerConfig, v: string) => void): KeySpec => ({
  key,
  help,
  set: (config, value) => {
    if (value === '' || value.includes('\0')) return 'expected a non-empty path';
    if (key !== 'dir' && value.includes('/')) return 'expected a file name, not a path';
    assign(config, value);
    return null;
  },
});

const ignoredKey = (key: string, help: string): KeySpec => ({ key, help, set: () => null });

const keySpecs: readonly KeySpec[] = [
  integerKey('port', 'TCP port', 1, 65535, (c, v) => {
    c.port = v;
  }),
  {
    key: 'bind',
    help: 'address to listen on, an IPv4 or IPv6 literal',
    set: (config, value) => {
      if (isIP(value) === 0) return 'expected an IPv4 or IPv6 address literal';
      config.bind = value;
      return null;
    },
  },
  socketPathKey('unixsocket', 'serve on this unix socket path instead of TCP', (c, v) => {
    c.unixSocket = v;
  }),
  integerKey(
    'max-clients',
    'connections served at once; more are accepted and closed',
    1,
    4294967295,
    (c, v) => {
      c.maxClients = v;
    },
  ),
  integerKey(
    'tcp-keepalive',
    'seconds idle before keepalive probes on client TCP connections (as Redis); 0: off',
    0,
    maxTcpKeepaliveSeconds,
    (c, v) => {
      c.tcpKeepaliveSeconds = v;
    },
  ),
  integerKey('event-loop-max-events', 'reported by INFO, as by the original', 1, 2147483647, (c, v) => {
    c.eventLoopMaxEvents = v;
  }),
  booleanKey('use-io-uring', 'use io_uring when the kernel allows it, else epoll', (c, v) => {
    c.useIoUring = v;
  }),
  booleanKey('io-uring-defer-taskrun', 'try IORING_SETUP_SINGLE_ISSUER|DEFER_TASKRUN', (c, v) => {
    c.ioUring.deferTaskrun = v;
  }),
  booleanKey('io-uring-coop-taskrun', 'try IORING_SETUP_COOP_TASKRUN|TASKRUN_FLAG', (c, v) => {
    c.ioUring.coopTaskrun = v;
  }),
  booleanKey('io-uring-multishot-accept', 'use multishot accept', (c, v) => {
    c.ioUring.multishotAccept = v;
  }),
  booleanKey('io-uring-multishot-recv', 'use multishot recv with a provided buffer ring', (c, v) => {
    c.ioUring.multishotRecv = v;
  }),
  {
    key: 'maxmemory',
    help: 'memory limit of the data set: bytes, or with a unit kb, mb, gb',
    set: (config, value) => {
      const bytes = parseByteSize(value);
      if (bytes === null || bytes < minMaxMemoryBytes) {
        return `expected a size of at least ${minMaxMemoryBytes} bytes, e.g. 512mb or 2gb`;
      }
      config.maxMemoryBytes = bytes;
      return null;
    },
  },
  {
    key: 'maxmemory-policy',
    help: `what a write does at maxmemory: evict keys, or refuse the write (${evictionPolicyNames.join(', ')})`,
    set: (config, value) => {
      const policy = evictionPolicyNames.indexOf(value.toLowerCase() as (typeof evictionPolicyNames)[number]);
      if (policy < 0) return `expected one of ${evictionPolicyNames.join(', ')}`;
      config.eviction.policy = policy;
      return null;
    },
  },
  integerKey(
    'maxmemory-samples',
    `keys sampled per database for each eviction (at most ${maxEvictionSamples} are)`,
    1,
    2147483647,
    (c, v) => {
      c.eviction.samples = v;
    },
  ),
  integerKey('lfu-log-factor', 'how slowly the LFU counter grows with accesses', 0, 2147483647, (c, v) => {
    c.eviction.lfuLogFactor = v;
  }),
  integerKey(
    'lfu-decay-time',
    "minutes per decrement of an unread key's LFU counter, 0 never",
    0,
    2147483647,
    (c, v) => {
      c.eviction.lfuDecayMinutes = v;
    },
  ),
  {
    key: 'maxmemory-clients',
    help: 'unsent replies of all clients together (bytes, or kb, mb, gb); past it the clients holding the most are closed',
    set: (config, value) => {
      const bytes = parseByteSize(value);
      if (bytes === null || bytes < minMaxMemoryBytes) {
        return `expected a size of at least ${minMaxMemoryBytes} bytes, e.g. 256mb`;
      }
      config.maxClientOutputBytes = bytes;
      return null;
    },
  },
  integerKey(
    'timeout',
    "close a client idle for this many seconds, 0 never (Redis's timeout)",
    0,
    2147483647,
    (c, v) => {
      c.idleTimeoutSeconds = v;
    },
  ),
  booleanKey('verbose', "accepted for the original's server.conf; fkvs has no debug output", () => {}),
  booleanKey('show-logo', 'print logo.txt from the working directory at start-up', (c, v) => {
    c.showLogo = v;
  }),
  booleanKey('daemonize', 'run in the background', (c, v) => {
    c.daemonize = v;
  }),
  integerKey(
    'resp-port',
    'TCP port of the Redis protocol (RESP) listener on bind; 0 turns it off',
    0,
    65535,
    (c, v) => {
      c.respPort = v;
    },
  ),
  socketPathKey('resp-unixsocket', 'also serve the Redis protocol on this unix socket path', (c, v) => {
    c.respUnixSocket = v;
  }),
  {
    key: 'requirepass',
    help: 'password of the Redis protocol listener (AUTH); unset: none',
    set: (config, value) => {
      config.requirepass = value;
      return null;
    },
  },
  {
    key: 'protected-mode',
    help: "Redis's protected mode: refuse non-loopback RESP clients while no password is set (yes|no)",
    set: (config, value) => {
      if (value !== 'yes' && value !== 'no') return 'expected yes or no';
      config.protectedMode = value === 'yes';
      return null;
    },
  },
  {
    key: 'enable-protected-configs',
    help: 'who may CONFIG SET dir and dbfilename: no, yes, local (unix socket and loopback clients), as Redis',
    set: (config, value) => {
      const v = value.toLowerCase() as ProtectedAction;
      if (!protectedActionNames.includes(v)) return 'expected no, yes or local';
      config.enableProtectedConfigs = v;
      return null;
    },
  },
  byteSizeKey(
    'proto-max-bulk-len',
    'largest bulk string a RESP client may send',
    minRespMaxBulkBytes,
    (c, v) => {
      c.protoMaxBulkLenBytes = v;
    },
  ),
  byteSizeKey(
    'client-query-buffer-limit',
    'bytes of an incomplete RESP command a connection may buffer',
    minRespMaxBulkBytes,
    (c, v) => {
      c.clientQueryBufferLimitBytes = v;
    },
  ),
  {
    key: 'save',
    help: 'snapshot after <seconds> if at least <changes> keys changed: "<seconds> <changes> ...", "" for never (Redis 7\'s default: 3600 1 300 100 60 10000)',
    set: (config, value) => {
      const rules = parseSaveRules(value);
      if (rules === null) return 'expected "<seconds> <changes>" pairs (seconds >= 1, changes >= 0), or ""';
      config.saveRules = rules;
      return null;
    },
  },
  yesNoKey(
    'stop-writes-on-bgsave-error',
    'refuse writes (MISCONF) after a failed snapshot while save rules are set, until a save succeeds',
    (c, v) => {
      c.stopWritesOnBgsaveError = v;
    },
  ),
  {
    key: 'dbfilename',
    help: 'name of the snapshot file in dir (default dump.rdb)',
    set: (config, value) => {
      if (value === '' || value.includes('/')) return 'expected a file name, not a path';
      config.dbFilename = value;
      return null;
    },
  },
  yesNoKey(
    'appendonly',
    'log every write to the append-only file (Redis 7 multi-part layout under dir)',
    (c, v) => {
      c.appendonly = v;
    },
  ),
  {
    key: 'appendfsync',
    help: 'when the log is synced: always (before replies), everysec, no (always|everysec|no)',
    set: (config, value) => {
      if (value !== 'always' && value !== 'everysec' && value !== 'no')
        return 'expected always, everysec or no';
      config.appendfsync = value;
      return null;
    },
  },
  fileNameKey('dir', 'directory of dump.rdb and of the append-only log directory', (c, v) => {
    c.dir = v;
  }),
  fileNameKey('appendfilename', 'base name of the append-only files', (c, v) => {
    c.appendfilename = v;
  }),
  fileNameKey('appenddirname', 'directory of the append-only files, under dir', (c, v) => {
    c.appenddirname = v;
  }),
  yesNoKey(
    'aof-load-truncated',
    'load a log whose end was cut by a crash up to its last whole command',
    (c, v) => {
      c.aofLoadTruncated = v;
    },
  ),
  integerKey(
    'auto-aof-rewrite-percentage',
    'rewrite the append-only log when it grew this many percent since the last rewrite (0: never)',
    0,
    2147483647,
    (c, v) => {
      c.autoAofRewritePercentage = v;
    },
  ),
  byteSizeKey('auto-aof-rewrite-min-size', 'no automatic rewrite of a log smaller than this', 0, (c, v) => {
    c.autoAofRewriteMinBytes = v;
  }),
  yesNoKey(
    'load-skip-other-types',
    'at start-up, leave out (and count) keys and logged commands of types other than strings instead of stopping',
    (c, v) => {
      c.loadSkipOtherTypes = v;
    },
  ),
  ignoredKey('log-enabled', 'accepted and ignored, as by the original'),
  ignoredKey('logs-enabled', 'accepted and ignored (the spelling of the original server.conf)'),
];

const specByKey = new Map(keySpecs.map((spec) => [spec.key, spec]));

export function defaultServerConfig(): ServerConfig {
  return {
    configFile: null,
    port: defaultPort,
    bind: '127.0.0.1',
    unixSocket: null,
    maxClients: defaultMaxClients,
    tcpKeepaliveSeconds: defaultTcpKeepaliveSeconds,
    eventLoopMaxEvents: 100000,
    useIoUring: true,
    ioUring: {
      deferTaskrun: true,
      coopTaskrun: true,
      multishotAccept: true,
      multishotRecv: true,
    },
    maxMemoryBytes: defaultMaxMemoryBytes(),
    eviction: defaultEvictionSettings(),
    maxClientOutputBytes: defaultMaxClientOutputBytes,
    idleTimeoutSeconds: 0,
    showLogo: false,
    daemonize: false,
    respPort: defaultRespPort,
    respUnixSocket: null,
    requirepass: '',
    protectedMode: true,
    enableProtectedConfigs: 'no',
    protoMaxBulkLenBytes: defaultRespMaxBulkBytes,
    clientQueryBufferLimitBytes: defaultRespQueryBufferBytes,
    saveRules: [...defaultSaveRules],
    stopWritesOnBgsaveError: true,
    dbFilename: 'dump.rdb',
    appendonly: false,
    appendfsync: 'everysec',
    dir: '.',
    appendfilename: 'appendonly.aof',
    appenddirname: 'appendonlydir',
    aofLoadTruncated: true,
    autoAofRewritePercentage: 100,
    autoAofRewriteMinBytes: 64 * 1024 * 1024,
    loadSkipOtherTypes: false,
  };
}

/**
 * `fkvs-server [config-file] [-c path] [--<key> <value> ...]`. The file is read first; flags
 * override it whatever their order. `-c` as the last argument means ./server.conf (as the original).
 */
export function parseServerArgs(argv: readonly string[]): ServerArgs {
  let configFile: string | null = null;
  const flags: Array<[string, string]> = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') return { kind: 'help', text: helpText() };
    if (arg === '-v' || arg === '--version' || arg === 'version') {
      return { kind: 'version', text: `fkvs v${version} \nrunning on ${process.platform}, ${process.arch} ` };
    }
    if (arg === '-c') {
      setConfigFile(i + 1 < argv.length ? argv[++i] : 'server.conf');
    } else if (arg.startsWith('--')) {
      const key = arg.slice(2);
      if (!specByKey.has(key)) throw new ConfigError(`unknown option '${arg}' (see --help)`);
      if (i + 1 >= argv.length) throw new ConfigError(`option '${arg}' needs a value`);
      flags.push([key, argv[++i]]);
    } else if (arg.startsWith('-')) {
      throw new ConfigError(`unknown option '${arg}' (see --help)`);
    } else {
      setConfigFile(arg);
    }
  }

  const config = defaultServerConfig();
  const warnings: string[] = [];
  if (configFile !== null) {
    config.configFile = configFile;
    applyConfigFile(config, configFile, warnings);
  }
  for (const [key, value] of flags) {
    const problem = specByKey.get(key)!.set(config, value);
    if (problem !== null) throw new ConfigError(`option '--${key}': invalid value '${value}' (${problem})`);
  }
  return { kind: 'run', config, warnings };

  function setConfigFile(path: string): void {
    if (configFile !== null)
      throw new ConfigError(`more than one config file given ('${configFile}', '${path}')`);
    configFile = path;
  }
}

function applyConfigFile(config: ServerConfig, path: string, warnings: string[]): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file '${path}': ${(error as Error).message}`);
  }
  const lines = text.split('\n');
  let saveLines = 0;
  for (let i = 0; i < lines.length; i++) {
    const where = `${path}:${i + 1}`;
    const line = lines[i];
    if (Buffer.byteLength(line) > maxConfigLineBytes) {
      throw new ConfigError(`${where}: line longer than ${maxConfigLineBytes} bytes`);
    }
    if (line.startsWith('#')) continue;
    const tokens = line.trim().split(/\s+/);
    if (tokens.length < 2) continue;
    const key = tokens[0];
    // save takes pairs, and its lines add up as in redis.conf ("save 900 1", "save 60 10000"; save "" is none).
    const value =
      key === 'save' ? savePairs(saveLines++ === 0 ? '' : config.saveRules, tokens.slice(1)) : tokens[1];
    const spec = specByKey.get(key);
    if (spec === undefined) {
      warnings.push(`${where}: unknown key '${key}' ignored`);
      continue;
    }
    const problem = spec.set(config, value);
    if (problem !== null)
      throw new ConfigError(`${where}: invalid value for '${key}': '${value}' (${problem})`);
  }
}

/**
 * The value of a config file's save line: the rules so far (none before the file's first save
 * line, which replaces the default) followed by this line's pairs; `save ""` gives none.
 */
function savePairs(before: '' | readonly SaveRule[], words: string[]): string {
  if (words.length === 1 && words[0] === '""') return '';
  return [before === '' ? '' : formatSaveRules(before), ...words].join(' ').trim();
}

/** Strict decimal of spec 2.5 (optional sign, digits only); null when not one or not exact. */
export function parseStrictInteger(text: string): number | null {
  if (!/^[+-]?[0-9]+$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

const byteUnits: Record<string, number> = { '': 1, b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

function parseByteSize(text: string): number | null {
  const match = /^([0-9]+)([a-z]*)$/i.exec(text);
  if (match === null) return null;
  const unit = byteUnits[match[2].toLowerCase()];
  if (unit === undefined) return null;
  const bytes = Number(match[1]) * unit;
  return Number.isSafeInteger(bytes) ? bytes : null;
}

export function helpText(): string {
  const width = Math.max(...keySpecs.map((s) => s.key.length)) + 4;
  const options = keySpecs.map((s) => `  --${s.key.padEnd(width)}${s.help}`).join('\n');
  return [
    `fkvs-server v${version}: in-memory key-value server speaking the FKVS protocol`,
    '',
    'usage: fkvs-server [config-file] [-c path] [--<key> <value> ...]',
    '',
    'With no arguments it serves on 127.0.0.1:5995 with the embedded defaults. Every config-file key',
    'is also a flag; flags override the file.',
    '',
    '  -c <path>        config file (alone at the end: ./server.conf)',
    '  -h, --help       this text',
    '  -v, --version    version',
    options,
    '',
  ].join('\n');
}
