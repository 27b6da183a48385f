import { encodeRequest } from '../protocol/fkvs/client-request-encoder.js';
import { Opcode } from '../protocol/fkvs/constants.js';
import { parseCliArgs } from './args.js';
import { ConnectionError } from './connection.js';
import { maxCliLineBytes } from './limits.js';
import { lineTooLong, readLines } from './line-reader.js';
import { runRepl } from './repl.js';
import { LineOutcome, Session } from './session.js';
import { UsageError } from './usage-error.js';

/** Exit statuses, as --help lists them. */
const ExitCode = { done: 0, unreachable: 1, usage: 2 } as const;

const write = (bytes: string | Uint8Array) => process.stdout.write(bytes);
const warn = (text: string | Uint8Array) => process.stderr.write(text);

async function main(argv: readonly string[]): Promise<number> {
  const args = parseCliArgs(argv);
  if (args.kind === 'help') {
    write(args.text);
    return ExitCode.done;
  }
  const { options } = args;
  for (const warning of options.warnings) warn(`fkvs-cli: ${warning}\n`);
  const session = new Session(options.target, write);
  try {
    if (options.nonInteractive) return await healthCheck(session);
    if (options.command !== null) {
      const outcome = await session.executeWords(options.command);
      return outcome === LineOutcome.rejected ? ExitCode.usage : ExitCode.done;
    }
    if (process.stdin.isTTY) {
      await runRepl(session, options.verbose, write, warn);
      return ExitCode.done;
    }
    return await runPiped(session);
  } finally {
    session.close();
  }
}

/** `--non-interactive`: PING with the payload PONG, printed as `"PONG" `; 0 only for that reply. */
async function healthCheck(session: Session): Promise<number> {
  const ping = encodeRequest(Opcode.ping, [Buffer.from('PONG')]);
  const reply = await session.call(ping);
  // The PONG reply echoing "PONG" has the very bytes of the request (spec 1.4).
  return Buffer.compare(reply, ping) === 0 ? ExitCode.done : ExitCode.unreachable;
}

/** Commands from a pipe or file: no prompt, one reply per line, until exit/quit or the end. */
async function runPiped(session: Session): Promise<number> {
  await session.connect(); // an unreachable server fails before any line is read
  let rejected = false;
  for await (const line of readLines(process.stdin, maxCliLineBytes)) {
    const outcome = line === lineTooLong ? session.rejectLongLine() : await session.executeLine(line);
    if (outcome === LineOutcome.quit) break;
    if (outcome === LineOutcome.rejected) rejected = true;
  }
  return rejected ? ExitCode.usage : ExitCode.done;
}

// A reader that went away (`fkvs-cli ... | head -1`) ends the program quietly.
process.stdout.on('error', () => process.exit(ExitCode.unreachable));

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      warn(`fkvs-cli: ${error.message}\n`);
      process.exit(ExitCode.usage);
    }
    // One line, never a stack: connection failures and anything unexpected alike.
    const message = error instanceof ConnectionError ? error.message : String(error);
    warn(`fkvs-cli: ${message}\n`);
    process.exit(ExitCode.unreachable);
  },
);
