import { readFileSync } from 'node:fs';
import { UsageError } from './usage-error.js';

/** fkvs-cli's settings: the original's client.conf keys (spec 5.1). */
export interface ClientConfig {
  /** Host name, IPv4 or IPv6 literal. */
  host: string;
  port: number;
  /** Used with -u when -u has no path of its own. */
  unixSocket: string | null;
  /** Prints a line once connected, in the interactive mode. */
  verbose: boolean;
}

export const defaultClientConfigFile = 'client.conf';

export function defaultClientConfig(): ClientConfig {
  return { host: '127.0.0.1', port: 5995, unixSocket: null, verbose: false };
}

/** A TCP port from text: digits only, 1..65535; null otherwise. */
export function parsePort(text: string): number | null {
  if (!/^[0-9]{1,5}$/.test(text)) return null;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : null;
}

type Setter = (config: ClientConfig, value: string) => string | null;

const setters: Record<string, Setter> = {
  bind: (config, value) => {
    config.host = value;
    return null;
  },
  port: (config, value) => {
    const port = parsePort(value);
    if (port === null) return 'expected a port in range 1..65535';
    config.port = port;
    return null;
  },
  unixsocket: (config, value) => {
    config.unixSocket = value;
    return null;
  },
  // The original turns verbose on for any value, `false` included (spec 7 row 22); we read it.
  verbose: (config, value) => {
    if (value !== 'true' && value !== 'false') return 'expected true or false';
    config.verbose = value === 'true';
    return null;
  },
};

/**
 * Applies a client.conf: per line, the first two words are key and value; `#` lines and lines
 * with fewer than two words are skipped. A missing file is an error only when it was asked for
 * (-d); unknown keys are reported in warnings and ignored, bad values are errors.
 */
export function applyClientConfigFile(
  config: ClientConfig,
  path: string,
  required: boolean,
  warnings: string[],
): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!required && code === 'ENOENT') return;
    throw new UsageError(`cannot read client config file '${path}': ${code ?? (error as Error).message}`);
  }
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith('#')) continue;
    const words = lines[i].trim().split(/\s+/);
    if (words.length < 2) continue;
    const [key, value] = words;
    const where = `${path}:${i + 1}`;
    const set = Object.hasOwn(setters, key) ? setters[key] : undefined;
    if (set === undefined) {
      warnings.push(`${where}: unknown key '${key}' ignored`);
      continue;
    }
    const problem = set(config, value);
    if (problem !== null)
      throw new UsageError(`${where}: invalid value for '${key}': '${value}' (${problem})`);
  }
}
