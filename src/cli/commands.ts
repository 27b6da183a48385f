import { maxFrameBytes } from '../limits.js';
import { encodeRequest, requestCoreLength } from '../protocol/fkvs/client-request-encoder.js';
import { Opcode } from '../protocol/fkvs/constants.js';
import { maxCliTokens } from './limits.js';

interface CommandSpec {
  verb: string;
  usage: string;
  summary: string;
  opcode: number;
  /** The request fields for the words after the verb, or null when their number is wrong. */
  fields: (args: readonly string[]) => readonly string[] | null;
}

const one = (args: readonly string[]) => (args.length === 1 ? args : null);
const two = (args: readonly string[]) => (args.length === 2 ? args : null);

/** The original CLI's commands and arity rules (spec 5.3), in the order `help` lists them. */
const commandSpecs: readonly CommandSpec[] = [
  {
    verb: 'SET',
    usage: 'SET <key> <value> [EX seconds]',
    summary: 'store a value (echoed back); with EX it expires after that many seconds',
    opcode: Opcode.set,
    // The keyword EX never travels: SET-EX is SET with a third field (spec 1.2).
    fields: (args) =>
      args.length === 2
        ? args
        : args.length === 4 && args[2].toUpperCase() === 'EX'
          ? [args[0], args[1], args[3]]
          : null,
  },
  { verb: 'GET', usage: 'GET <key>', summary: 'the value of a key', opcode: Opcode.get, fields: one },
  {
    verb: 'INCR',
    usage: 'INCR <key>',
    summary: 'add 1 to an integer value (a missing key counts as 0)',
    opcode: Opcode.incr,
    fields: one,
  },
  {
    verb: 'INCRBY',
    usage: 'INCRBY <key> <value>',
    summary: 'add an integer',
    opcode: Opcode.incrBy,
    fields: two,
  },
  { verb: 'DECR', usage: 'DECR <key>', summary: 'subtract 1', opcode: Opcode.decr, fields: one },
  {
    verb: 'DECRBY',
    usage: 'DECRBY <key> <value>',
    summary: 'subtract an integer',
    opcode: Opcode.decrBy,
    fields: two,
  },
  { verb: 'DEL', usage: 'DEL <key>', summary: 'delete a key (always OK)', opcode: Opcode.del, fields: one },
  {
    verb: 'EXPIRE',
    usage: 'EXPIRE <key> <seconds>',
    summary: "set a key's time to live",
    opcode: Opcode.expire,
    fields: two,
  },
  {
    verb: 'TTL',
    usage: 'TTL <key>',
    summary: 'seconds left; -1 without a time to live, -2 for a missing key',
    opcode: Opcode.ttl,
    fields: one,
  },
  {
    verb: 'PERSIST',
    usage: 'PERSIST <key>',
    summary: "remove a key's time to live",
    opcode: Opcode.persist,
    fields: one,
  },
  {
    verb: 'PING',
    usage: 'PING or PING <value>',
    summary: 'answers "PONG", or echoes the value',
    opcode: Opcode.ping,
    // A bare PING sends the payload PONG, as the original (the server only echoes).
    fields: (args) => (args.length === 0 ? ['PONG'] : args.length === 1 ? args : null),
  },
  // INFO ignores extra words, as the original.
  { verb: 'INFO', usage: 'INFO', summary: 'server information', opcode: Opcode.info, fields: () => [] },
  {
    verb: 'KEYS',
    usage: 'KEYS',
    summary: 'every key (no pattern)',
    opcode: Opcode.keys,
    fields: (args) => (args.length === 0 ? [] : null),
  },
];

const specByVerb = new Map(commandSpecs.map((spec) => [spec.verb, spec]));

/** True for a command word, in any case. */
export function isCommandVerb(word: string): boolean {
  return specByVerb.has(word.toUpperCase());
}

/** A line's words as a request frame, or the lines to print instead (the request is not sent). */
export type ParsedCommand = { ok: true; frame: Uint8Array } | { ok: false; message: string };

/**
 * Checks the words against the command table and builds the request (verbs in any case). The
 * messages keep the original's forms for arity errors; unknown verbs, too many words and
 * requests too large for a frame get messages of their own.
 */
export function parseCommand(tokens: readonly string[]): ParsedCommand {
  const spec = specByVerb.get(tokens[0].toUpperCase());
  if (spec === undefined) {
    return { ok: false, message: `(error) ERR unknown command '${tokens[0]}', type 'help' for the list\n` };
  }
  const name = spec.verb.toLowerCase();
  if (tokens.length > maxCliTokens) {
    return {
      ok: false,
      message: `(error) ERR too many arguments for '${name}' command (at most ${maxCliTokens} words)\n`,
    };
  }
  const fields = spec.fields(tokens.slice(1));
  if (fields === null) {
    const error =
      spec.opcode === Opcode.set
        ? "(error) ERR syntax error in 'set' command"
        : `(error) ERR wrong number of arguments for '${name}' command`;
    return { ok: false, message: `${error}\n(info) Usage: ${spec.usage}\n` };
  }
  const bytes = fields.map((field) => Buffer.from(field, 'utf8'));
  const frameBytes = 2 + requestCoreLength(bytes);
  if (frameBytes > maxFrameBytes) {
    return {
      ok: false,
      message: `(error) ERR request too large: ${frameBytes} bytes, a frame holds at most ${maxFrameBytes}\n`,
    };
  }
  return { ok: true, frame: encodeRequest(spec.opcode, bytes) };
}

/** The `help` text: every command with its usage. */
export function commandHelp(): string {
  const rows: Array<[string, string]> = [
    ...commandSpecs.map((spec): [string, string] => [spec.usage, spec.summary]),
    ['help', 'this list'],
    ['exit, quit', 'leave'],
  ];
  const width = Math.max(...rows.map(([usage]) => usage.length)) + 2;
  return [
    'Commands (verbs in any case; quote a word with \' or " to include spaces, "" is the empty word):',
    ...rows.map(([usage, summary]) => `  ${usage.padEnd(width)}${summary}`),
    'Every failure, a missing key included, prints (nil).',
    '',
  ].join('\n');
}
