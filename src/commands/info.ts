import { maxInfoTextBytes } from '../limits.js';
import type { ServerInfo } from '../server-info.js';
import type { KeyValueStore } from '../store/store-api.js';

/**
 * INFO text: the original's layout and field names exactly (spec 3.10: the space before most
 * newlines, "#Stats", the closing blank line), then one section of ours that clients of the
 * original simply display. Ours is left out when it would take the text past maxInfoTextBytes,
 * so INFO fails (ERROR frame) exactly when the original's would (a very long config path).
 */
export function infoText(info: ServerInfo, store: KeyValueStore): string {
  const original = originalInfoText(info, store);
  const stats = store.stats();
  const ours =
    '# fkvs \n' +
    `io_uring_features: ${info.backendFeatures || '-'} \n` +
    `keys: ${stats.keys} \n` +
    `keys_with_deadline: ${stats.keysWithDeadline} \n` +
    `store_bytes_used: ${stats.bytesUsed} \n` +
    `store_bytes_reserved: ${stats.bytesReserved} \n` +
    '\n';
  const withOurs = original + ours;
  return Buffer.byteLength(withOurs) <= maxInfoTextBytes ? withOurs : original;
}

/** The last resident set size read: INFO's answer when it cannot be read now. */
let lastRssBytes = 0;

/** Reading it opens /proc/self/stat, which throws EMFILE when every fd is taken: INFO must not. */
function residentSetBytes(): number {
  try {
    lastRssBytes = process.memoryUsage.rss();
  } catch {
    // Out of fds (max-clients above RLIMIT_NOFILE): the last value read stands.
  }
  return lastRssBytes;
}

function originalInfoText(info: ServerInfo, store: KeyValueStore): string {
  const up = Math.max(0, Math.floor((store.nowMs - info.startedAtMs) / 1000));
  const rss = residentSetBytes();
  return (
    '# Server \n' +
    `pid: ${info.pid} \n` +
    `port: ${info.port} \n` +
    `config file: ${info.configFile} \n` +
    `Uptime: ${Math.floor(up / 86400)} days, ${Math.floor(up / 3600) % 24} hours, ${Math.floor(up / 60) % 60} min, ${up % 60} sec \n` +
    `event_loop_max_events: ${info.eventLoopMaxEvents} \n` +
    `event_dispatcher_kind: ${info.backend} \n` +
    '\n' +
    '# Clients \n' +
    `connected clients: ${info.connectedClients} \n` +
    `disconnected clients: ${info.disconnectedClients} \n` +
    '\n' +
    '#Stats \n' +
    `commands executed: ${info.commandsExecuted} \n` +
    '\n' +
    '# Memory \n' +
    `Memory Usage: ${rss} bytes (${Math.floor(rss / 1024)} KiB)\n` +
    'mem_allocator: v8 \n' +
    '\n'
  );
}
