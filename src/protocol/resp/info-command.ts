import { arch, release } from 'node:os';
import { evictionPolicyNames } from '../../commands/eviction-policy.js';
import { argumentText, type CommandEntry, CommandRole } from './command-table.js';
import type { RespServer } from './server.js';
import { redisVersion } from './version.js';

/** Redis's bytesToHuman: 1.50K, 2.00M, 3.00G, or bytes with a B. */
export function bytesToHuman(n: number): string {
  if (n < 1024) return `${n}B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(2)}K`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(2)}M`;
  return `${(n / 1024 ** 3).toFixed(2)}G`;
}

type Section = (server: RespServer, nowMs: number) => string[];

/** Redis 7.0's aof_* fields of INFO persistence, in its order (those fkvs has). */
function aofLines(server: RespServer, nowMs: number): string[] {
  const status = server.aofStatus?.() ?? null;
  const rewrite = server.rewrite;
  const lines = [
    `aof_enabled:${status?.enabled ? 1 : 0}`,
    ...(rewrite?.infoLines(nowMs) ?? [
      'aof_rewrite_in_progress:0',
      'aof_rewrite_scheduled:0',
      'aof_last_rewrite_time_sec:-1',
      'aof_current_rewrite_time_sec:-1',
      'aof_last_bgrewrite_status:ok',
      'aof_rewrites:0',
      'aof_rewrites_consecutive_failures:0',
    ]),
    `aof_last_write_status:${status === null || status.lastWriteOk ? 'ok' : 'err'}`,
    `aof_last_cow_size:${rewrite?.lastCowBytes ?? 0}`,
  ];
  if (status === null || !status.enabled) return lines;
  return [
    ...lines,
    `aof_current_size:${status.currentSizeBytes}`,
    `aof_base_size:${status.baseSizeBytes}`,
    `aof_pending_rewrite:${rewrite?.pendingRewrite ? 1 : 0}`,
    `aof_buffer_length:${status.bufferedBytes}`,
    `aof_pending_bio_fsync:${status.pendingSyncs}`,
    // Redis counts everysec syncs it put off while one was still running; the ring queues each one.
    'aof_delayed_fsync:0',
  ];
}

/** A keyspace counter summed over the databases in use (each database's store keeps its own). */
function keyspaceSum(server: RespServer, counter: 'keyspaceHits' | 'keyspaceMisses' | 'expiredKeys'): number {
  let sum = 0;
  for (let db = 0; db < server.databases.count; db++) sum += server.databases.existing(db)?.[counter] ?? 0;
  return sum;
}

/** Redis's sections, in its order, with its field names: what exporters, job queues and clients read. */
const sections: ReadonlyArray<readonly [string, Section]> = [
  [
    'server',
    (server, nowMs) => {
      const up = Math.max(0, Math.floor((nowMs - server.info.startedAtMs) / 1000));
      return [
        `redis_version:${redisVersion}`,
        'redis_git_sha1:00000000',
        'redis_git_dirty:0',
        'redis_build_id:0',
        'redis_mode:standalone',
        `os:Linux ${release()} ${arch()}`,
        'arch_bits:64',
        `multiplexing_api:${server.info.backend}`,
        `process_id:${server.info.pid}`,
        'process_supervised:no',
        `run_id:${server.runId}`,
        `tcp_port:${server.settings.port}`,
        `server_time_usec:${Math.floor(nowMs) * 1000}`,
        `uptime_in_seconds:${up}`,
        `uptime_in_days:${Math.floor(up / 86400)}`,
        'hz:10',
        'configured_hz:10',
        `executable:${process.argv[1] ?? ''}`,
        `config_file:${server.info.configFile === '(embedded default)' ? '' : server.info.configFile}`,
        'io_threads_active:0',
      ];
    },
  ],
  [
    'clients',
    (server) => [
      `connected_clients:${server.info.connectedClients}`,
      'cluster_connections:0',
      `maxclients:${server.settings.maxClients}`,
      'blocked_clients:0',
      'tracking_clients:0',
      'clients_in_timeout_table:0',
    ],
  ],
  [
    'memory',
    (server) => {
      const memory = process.memoryUsage();
      const used = server.databases.reservedBytes() + memory.heapUsed;
      server.peakMemoryBytes = Math.max(server.peakMemoryBytes, used);
      const max = server.settings.maxMemoryBytes;
      return [
        `used_memory:${used}`,
        `used_memory_human:${bytesToHuman(used)}`,
        `used_memory_rss:${memory.rss}`,
        `used_memory_rss_human:${bytesToHuman(memory.rss)}`,
        `used_memory_peak:${server.peakMemoryBytes}`,
        `used_memory_peak_human:${bytesToHuman(server.peakMemoryBytes)}`,
        `maxmemory:${max}`,
        `maxmemory_human:${bytesToHuman(max)}`,
        `maxmemory_policy:${evictionPolicyNames[server.settings.eviction.policy]}`,
        `mem_fragmentation_ratio:${(memory.rss / Math.max(1, used)).toFixed(2)}`,
        'mem_allocator:v8',
      ];
    },
  ],
  [
    'persistence',
    (server, nowMs) => [
      'loading:0',
      'async_loading:0',
      ...(server.snapshots?.infoLines(nowMs) ?? [
        'rdb_changes_since_last_save:0',
        'rdb_bgsave_in_progress:0',
        `rdb_last_save_time:${Math.floor(server.info.startedAtMs / 1000)}`,
      ]),
      ...aofLines(server, nowMs),
    ],
  ],
  [
    'stats',
    (server, nowMs) => [
      `total_connections_received:${server.stats.connectionsReceived}`,
      `total_commands_processed:${server.stats.commandsProcessed}`,
      `instantaneous_ops_per_sec:${server.opsPerSecond(nowMs)}`,
      'rejected_connections:0',
      `expired_keys:${keyspaceSum(server, 'expiredKeys')}`,
      `evicted_keys:${server.databases.evictor.evictedKeys}`,
      `keyspace_hits:${keyspaceSum(server, 'keyspaceHits')}`,
      `keyspace_misses:${keyspaceSum(server, 'keyspaceMisses')}`,
      `total_error_replies:${server.writer.errors}`,
    ],
  ],
  [
    'replication',
    (server) => [
      'role:master',
      'connected_slaves:0',
      'master_failover_state:no-failover',
      `master_replid:${server.runId}`,
      'master_repl_offset:0',
    ],
  ],
  [
    'cpu',
    () => {
      const cpu = process.cpuUsage();
      return [
        `used_cpu_sys:${(cpu.system / 1e6).toFixed(6)}`,
        `used_cpu_user:${(cpu.user / 1e6).toFixed(6)}`,
        'used_cpu_sys_children:0.000000',
        'used_cpu_user_children:0.000000',
      ];
    },
  ],
  ['modules', () => []],
  ['errorstats', () => []],
  ['cluster', () => ['cluster_enabled:0']],
  [
    'keyspace',
    (server) => {
      const lines: string[] = [];
      for (let db = 0; db < server.databases.count; db++) {
        const stats = server.databases.existing(db)?.stats();
        if (stats !== undefined && stats.keys > 0)
          lines.push(`db${db}:keys=${stats.keys},expires=${stats.keysWithDeadline},avg_ttl=0`);
      }
      return lines;
    },
  ],
];

/** Redis's section titles: the name with its first letter upper case ('Errorstats', 'CPU' aside). */
function title(name: string): string {
  return name === 'cpu' ? 'CPU' : name[0].toUpperCase() + name.slice(1);
}

/** The INFO text of the named sections ('default', 'all' and 'everything' name them all). */
export function infoText(server: RespServer, names: readonly string[], nowMs: number): string {
  const everything = names.length === 0 || names.some((n) => ['default', 'all', 'everything'].includes(n));
  const parts: string[] = [];
  for (const [name, lines] of sections) {
    if (!everything && !names.includes(name)) continue;
    parts.push([`# ${title(name)}`, ...lines(server, nowMs)].join('\r\n'));
  }
  return parts.length === 0 ? '' : `${parts.join('\r\n\r\n')}\r\n`;
}

export const infoCommand: CommandEntry = {
  name: 'info',
  arity: -1,
  flags: ['loading', 'stale', 'sentinel'],
  firstKey: 0,
  lastKey: 0,
  keyStep: 0,
  role: CommandRole.normal,
  subcommands: [],
  run(session, args, out) {
    const names: string[] = [];
    for (let i = 1; i < args.count; i++) names.push(argumentText(args, i).toLowerCase());
    out.verbatim('txt', infoText(session.server, names, session.nowMs));
  },
};
