import type { RedisCommand } from './redis-command.js';

/**
 * The data commands of the Redis front (GET, SET, INCR, EXPIRE, KEYS, SCAN...). Empty on this
 * branch: the respkeys branch fills it; the Redis front serves its own connection commands only.
 */
export const dataCommands: readonly RedisCommand[] = [];
