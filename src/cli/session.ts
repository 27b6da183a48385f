import { cliConnectTimeoutMs, cliReplyTimeoutMs, maxCliLineBytes } from '../limits.js';
import { commandHelp, parseCommand } from './commands.js';
import { Connection, ConnectionError, type Target } from './connection.js';
import { formatReply } from './reply-printer.js';
import { tokenize } from './tokenizer.js';

/** What became of one line of input. */
export const LineOutcome = {
  /** Answered, or blank. */
  done: 0,
  /** Malformed (arity, unknown verb, too long): a message was printed and nothing was sent. */
  rejected: 1,
  /** `exit` or `quit`. */
  quit: 2,
} as const;

export type LineOutcomeValue = (typeof LineOutcome)[keyof typeof LineOutcome];

export type Write = (bytes: string | Uint8Array) => void;

/**
 * Runs command lines one at a time against one server, printing what the original CLI prints.
 * Connects on the first request (or connect()), so `help` and malformed lines need no server.
 * Connection failures are thrown as ConnectionError.
 */
export class Session {
  private connection: Connection | null = null;

  constructor(
    readonly target: Target,
    private readonly write: Write,
  ) {}

  async connect(): Promise<Connection> {
    this.connection ??= await Connection.open(this.target, cliConnectTimeoutMs);
    return this.connection;
  }

  /** Sends one request frame, prints its reply as the original CLI, and returns the reply frame. */
  async call(frame: Uint8Array): Promise<Uint8Array> {
    const reply = await (await this.connect()).request(frame, cliReplyTimeoutMs);
    const printed = formatReply(reply);
    if (printed === null) {
      throw new ConnectionError(
        `malformed reply frame: ${Buffer.from(reply.subarray(0, 16)).toString('hex')}`,
      );
    }
    this.write(printed);
    return reply;
  }

  /** One typed or piped line. */
  executeLine(line: string): Promise<LineOutcomeValue> {
    if (Buffer.byteLength(line) > maxCliLineBytes) return Promise.resolve(this.rejectLongLine());
    const words = tokenize(line);
    return words.length === 0 ? Promise.resolve(LineOutcome.done) : this.executeWords(words);
  }

  /** A line whose length passed maxCliLineBytes; it was not kept. */
  rejectLongLine(): LineOutcomeValue {
    this.write(`(error) ERR line too long (at most ${maxCliLineBytes} bytes)\n`);
    return LineOutcome.rejected;
  }

  /** One command as words: from a line, or from the command line of fkvs-cli. */
  async executeWords(words: readonly string[]): Promise<LineOutcomeValue> {
    if (words.length === 1) {
      const word = words[0].toLowerCase();
      if (word === 'exit' || word === 'quit') return LineOutcome.quit;
      if (word === 'help') {
        this.write(commandHelp());
        return LineOutcome.done;
      }
    }
    const parsed = parseCommand(words);
    if (!parsed.ok) {
      this.write(parsed.message);
      return LineOutcome.rejected;
    }
    await this.call(parsed.frame);
    return LineOutcome.done;
  }

  close(): void {
    this.connection?.close();
  }
}
