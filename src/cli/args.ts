import {
  cliConnectTimeoutMs,
  cliHistoryEntries,
  cliReplyTimeoutMs,
  maxCliLineBytes,
  maxCliTokens,
  maxFrameBytes,
} from '../limits.js';
import {
  applyClientConfigFile,
  defaultClientConfig,
  defaultClientConfigFile,
  parsePort,
} from './client-config.js';
import { isCommandVerb } from './commands.js';
import type { Target } from './connection.js';
import { UsageError } from './usage-error.js';

export interface CliOptions {
  target: Target;
  verbose: boolean;
  /** Send one PING with the payload PONG and print the reply (the Docker health check). */
  nonInteractive: boolean;
  /** A command given as arguments (`fkvs-cli SET k v`), or null. */
  command: string[] | null;
  /** Problems that are not errors, such as unknown client.conf keys. */
  warnings: string[];
}

export type CliArgs = { kind: 'run'; options: CliOptions } | { kind: 'help'; text: string };

/**
 * `fkvs-cli [-h host] [-p port] [-u [path]] [-d client.conf] [--non-interactive] [command ...]`.
 * client.conf is read first, flags override it whatever their order. The first word that is not
 * a flag starts the command, so its arguments may look like flags (`SET k -5`).
 */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  let host: string | null = null;
  let port: number | null = null;
  let unix = false;
  let unixPath: string | null = null;
  let configFile: string | null = null;
  let nonInteractive = false;
  let command: string[] | null = null;
  for (let i = 0; i < argv.length && command === null; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new UsageError(`option '${arg}' needs a value (see --help)`);
      return argv[++i];
    };
    const lower = arg.toLowerCase();
    if (lower === '--help' || lower === '--h') return { kind: 'help', text: helpText() };
    if (arg === '-h') {
      host = value();
    } else if (arg === '-p') {
      const text = value();
      port = parsePort(text);
      if (port === null) throw new UsageError(`option '-p': invalid port '${text}' (expected 1..65535)`);
    } else if (arg === '-u') {
      unix = true;
      // The path is optional: the next word is taken as the path unless it is a flag or a command.
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('-') && !isCommandVerb(next)) unixPath = argv[++i];
    } else if (arg === '-d') {
      configFile = value();
    } else if (arg === '-c') {
      value(); // `-c ping` is accepted and has no effect, as in the original
    } else if (arg === '--non-interactive') {
      nonInteractive = true;
    } else if (arg.startsWith('-') && arg.length > 1) {
      throw new UsageError(`unknown option '${arg}' (see --help)`);
    } else {
      command = argv.slice(i);
    }
  }
  if (nonInteractive && command !== null) {
    throw new UsageError('--non-interactive takes no command (it sends PING)');
  }

  const config = defaultClientConfig();
  const warnings: string[] = [];
  applyClientConfigFile(config, configFile ?? defaultClientConfigFile, configFile !== null, warnings);
  let target: Target;
  if (unix) {
    const path = unixPath ?? config.unixSocket;
    if (path === null)
      throw new UsageError('-u needs a socket path: give -u <path> or set unixsocket in client.conf');
    target = { path };
  } else {
    target = { host: host ?? config.host, port: port ?? config.port };
  }
  return { kind: 'run', options: { target, verbose: config.verbose, nonInteractive, command, warnings } };
}

export function helpText(): string {
  return `fkvs-cli: command-line client of fkvs (FKVS protocol)

usage: fkvs-cli [options]                      prompt for commands (read from stdin when it is not a terminal)
       fkvs-cli [options] <command> [args...]  run one command, e.g. fkvs-cli SET k v
       fkvs-cli [options] --non-interactive    send PING, print "PONG" (health checks)

  -h <host>          server: IPv4 or IPv6 literal, or a host name (default 127.0.0.1, or bind in client.conf)
  -p <port>          server port (default 5995, or port in client.conf)
  -u [path]          connect to a unix socket: this path, or unixsocket in client.conf
  -d <file>          client config file (default ./client.conf, skipped when missing);
                     keys: bind, port, unixsocket, verbose (true|false)
  -c <word>          accepted and ignored, as by the original fkvs-cli
  --non-interactive  send PING with the payload PONG, print the reply, exit
  --help             this text

Type 'help' at the prompt for the commands. Limits: ${maxCliTokens} words and ${maxCliLineBytes} bytes per line,
a frame of at most ${maxFrameBytes} bytes per request, ${cliConnectTimeoutMs} ms to connect, ${cliReplyTimeoutMs} ms per reply; the last
${cliHistoryEntries} lines are kept in ~/.fkvs_cli_history.
Exit status: 0 done, 1 server unreachable or connection lost, 2 bad usage or malformed command.
`;
}
