import type { ServerInfo } from '../server/server-info.js';
import type { KeyValueStore } from '../store/store-api.js';

/**
 * INFO text: the original's layout and field names exactly (spec 3.10: the space before most
 * newlines, "#Stats", the closing blank line), then one section of ours that clients of the
 * original simply display.
 */
export function infoText(info: ServerInfo, store: KeyValueStore): string {
  const up = Math.max(0, Math.floor((store.nowMs - info.startedAtMs) / 1000));
  const rss = process.memoryUsage.rss();
  const stats = store.stats();
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
    '\n' +
    '# fkvs \n' +
    `io_uring_features: ${info.backendFeatures || '-'} \n` +
    `keys: ${stats.keys} \n` +
    `keys_with_deadline: ${stats.keysWithDeadline} \n` +
    `store_bytes_used: ${stats.bytesUsed} \n` +
    `store_bytes_reserved: ${stats.bytesReserved} \n` +
    '\n'
  );
}
