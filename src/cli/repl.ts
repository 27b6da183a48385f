import { createInterface } from 'node:readline';
import { cliHistoryEntries } from '../limits.js';
import { describeTarget } from './connection.js';
import { historyFile, loadHistory, saveHistory } from './history.js';
import { LineOutcome, type Session, type Write } from './session.js';

/**
 * The interactive prompt on a terminal: line editing and history from node:readline, history
 * kept in ~/.fkvs_cli_history, one command at a time. Ends on exit, quit, Ctrl-D or Ctrl-C.
 */
export async function runRepl(session: Session, verbose: boolean, write: Write, warn: Write): Promise<void> {
  await session.connect();
  const target = session.target;
  if (verbose) {
    write(
      'path' in target
        ? 'Connected to server via unix domain socket \n'
        : `Connected to server ${target.host} on port ${target.port}\n`,
    );
  }
  write("Type 'exit' to quit.\n");
  const file = historyFile();
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    // Line editing needs the terminal on both sides; with stdout redirected, plain lines.
    terminal: process.stdout.isTTY === true,
    prompt: `${describeTarget(target)}> `,
    history: loadHistory(file),
    historySize: cliHistoryEntries,
    removeHistoryDuplicates: true,
  });
  let historyFailed = false;
  rl.on('history', (entries: string[]) => {
    try {
      saveHistory(file, entries);
    } catch (error) {
      // Say it once; the prompt works without a history file.
      if (!historyFailed) warn(`fkvs-cli: cannot save history to ${file}: ${(error as Error).message}\n`);
      historyFailed = true;
    }
  });
  rl.on('SIGINT', () => rl.close());
  try {
    rl.prompt();
    for await (const line of rl) {
      // Keys typed while a reply is awaited wait in the terminal until the next prompt.
      rl.pause();
      if ((await session.executeLine(line)) === LineOutcome.quit) break;
      rl.prompt(); // resumes the input
    }
  } finally {
    rl.close();
  }
}
