import type { Arguments, CommandContext } from './redis-command.js';

/**
 * A reading command's look-up of its key argument i (Redis's lookupKeyRead): expires the key when
 * its deadline passed, and counts a keyspace hit or miss for INFO. Writing commands look keys up
 * with find alone, as Redis's lookupKeyWrite counts neither.
 */
export function readKey(context: CommandContext, args: Arguments, i: number): number {
  const store = context.store;
  const handle = store.find(args.bytes, args.offsets[i], args.lengths[i]);
  if (handle < 0) store.keyspaceMisses++;
  else store.keyspaceHits++;
  return handle;
}
