import type { Arguments } from '../../commands/redis-command.js';

/** How much of a name or of the arguments Redis quotes in an error ('%.128s'). */
const quotedBytes = 128;

/** Redis replaces CR and LF in error texts with spaces, so that an echoed argument cannot break the reply. */
function printable(bytes: Uint8Array, offset: number, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) {
    const c = bytes[offset + i];
    text += c === 0x0d || c === 0x0a ? ' ' : String.fromCharCode(c);
  }
  return text;
}

/** The error texts of Redis 7 for commands it cannot run. */
export const commandError = {
  /** `ERR unknown command 'foo', with args beginning with: 'a' 'b' ` (each argument quoted, about 128 bytes of them). */
  unknownCommand(args: Arguments): string {
    const name = printable(args.bytes, args.offsets[0], Math.min(args.lengths[0], quotedBytes));
    let quoted = '';
    for (let i = 1; i < args.count && quoted.length < quotedBytes; i++) {
      const take = Math.min(args.lengths[i], quotedBytes - quoted.length);
      quoted += `'${printable(args.bytes, args.offsets[i], take)}' `;
    }
    return `ERR unknown command '${name}', with args beginning with: ${quoted}`;
  },

  /** `ERR unknown subcommand 'foo'. Try CLIENT HELP.` */
  unknownSubcommand(args: Arguments, parent: string): string {
    const sub = printable(args.bytes, args.offsets[1], Math.min(args.lengths[1], quotedBytes));
    return `ERR unknown subcommand '${sub}'. Try ${parent.toUpperCase()} HELP.`;
  },
} as const;
