import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
import type { RunningServer } from './server-process.js';

/**
 * The counts of connections a server keeps in three places, which the abuse tests check agree:
 * INFO's `connected clients` (JS), the sockets the process holds, and the addon's own counters.
 */

/** Socket fds the process holds (/proc/<pid>/fd links to "socket:[...]"). */
export function socketFds(pid: number): number {
  let count = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) count++;
    } catch {
      // closed while we looked
    }
  }
  return count;
}

/** The addon's counters the server logs as it stops: connections it counts and its table holds. */
export function loggedCounters(server: RunningServer): { openConnections: number; tableConnections: number } {
  const match = /transport counters: (\{.*\})/.exec(server.output());
  assert.ok(match !== null, `counters logged:\n${server.output()}`);
  return JSON.parse(match[1]);
}
