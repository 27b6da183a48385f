import { counterCommands } from './counter-commands.js';
import { expiryCommands } from './expiry-commands.js';
import { keyspaceCommands } from './keyspace-commands.js';
import type { RedisCommand } from './redis-command.js';
import { stringCommands } from './string-commands.js';

/** The data commands of the Redis front, with Redis 7's semantics (docs/resp-commands.md). */
export const dataCommands: readonly RedisCommand[] = [
  ...stringCommands,
  ...counterCommands,
  ...expiryCommands,
  ...keyspaceCommands,
];
