import type { Arguments } from '../../commands/redis-command.js';
import { parseLong } from './request-parser.js';

/** Argument `index` as Redis's string2ll reads it; NaN when it is not an integer. */
export function integerArgument(args: Arguments, index: number): number {
  const offset = args.offsets[index];
  return parseLong(args.bytes, offset, offset + args.lengths[index]);
}

/** Redis accepts client names (and SETINFO values) of printable ASCII without spaces ('!' to '~'). */
export function validClientName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}
