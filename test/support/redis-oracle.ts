import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { endsWithTests } from './child-processes.js';
import { RespClient } from './resp-client.js';
import { freePort } from './server-process.js';

/** Debian's redis-server: the oracle of the Redis front's differential tests. */
export const redisServerPath = '/usr/bin/redis-server';
const startTimeoutMs = 10_000;

export function hasRedisServer(): boolean {
  return existsSync(redisServerPath);
}

/** Starts redis-server on a free loopback port, no persistence; resolves once it answers PING. */
export async function startRedisServer(): Promise<{ port: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = endsWithTests(
    spawn(
      redisServerPath,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    ),
  );
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const started = Date.now();
  for (;;) {
    try {
      const client = await RespClient.connect({ port, host: '127.0.0.1' });
      const pong = await client.command(['PING']);
      client.close();
      if (pong.value === '+PONG') break;
    } catch (error) {
      if (Date.now() - started > startTimeoutMs) {
        child.kill();
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    port,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
