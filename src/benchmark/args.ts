import { isIP } from 'node:net';
import {
  defaultReplyTimeoutMs,
  maxBenchmarkClients,
  maxBenchmarkRequests,
  maxCalibrationMs,
  maxMixPatternRequests,
  maxPipelineDepth,
  maxReplyTimeoutMs,
  maxRequestRatePerSecond,
  maxRequestsInFlight,
} from '../limits.js';

/** The request kinds -t can name. */
export const operations = ['ping', 'set', 'get', 'incr', 'mset'] as const;
export type Operation = (typeof operations)[number];

/** One entry of a -t mix: `get:9` sends nine GETs per cycle of the pattern. */
export interface MixEntry {
  operation: Operation;
  weight: number;
}

export type OutputFormat = 'text' | 'json' | 'csv';

/** How the connections are driven: the addon's backends, or node:net (see main.ts). */
export const driverChoices = ['auto', 'io_uring', 'epoll', 'net'] as const;
export type DriverChoice = (typeof driverChoices)[number];

/** The wire the requests are written in: FKVS frames, or RESP2 multibulk (--resp). */
export type Wire = 'fkvs' | 'resp';

export interface BenchmarkOptions {
  /** Total requests across all connections (the original raises it to `clients` when lower). */
  requests: number;
  clients: number;
  host: string;
  port: number;
  /** Unix socket path, or null for TCP. */
  unixPath: string | null;
  mix: MixEntry[];
  randomKeys: boolean;
  pipeline: number;
  /** Open-model rate in requests/s across all connections; 0 = closed loop. */
  rate: number;
  replyTimeoutMs: number;
  format: OutputFormat;
  driver: DriverChoice;
  wire: Wire;
  /** Open model: replies to requests due in this first part of the run are not recorded (--calibration-ms). */
  calibrationMs: number;
}

export type ParsedArgs = { kind: 'help'; text: string } | { kind: 'run'; options: BenchmarkOptions };

/** The original's socket path for a bare -u. */
export const defaultUnixPath = '/tmp/fkvs/fkvs.sock';
/** Default ports: the original's for FKVS, Redis's for --resp. */
const defaultFkvsPort = 5995;
const defaultRespPort = 6379;
/** wrk2's calibration period: the first 10 s of its runs are not in its latency figures. */
export const defaultCalibrationMs = 10_000;

export class BenchmarkArgsError extends Error {}

export const usage = `Usage: fkvs-benchmark [-n requests] [-c clients] [-h host] [-p port] [-u [path]] [-k]
                      [-t workload] [-r] [-P pipeline] [-R rate] [--timeout ms] [--driver d]
                      [--resp] [--calibration-ms ms] [--json | --csv]
  -n N          total requests across all clients (default 100000; raised to -c when lower)
  -c C          concurrent clients, one connection each (default 32, 0 means 1, at most ${maxBenchmarkClients})
  -h HOST       server IPv4 or IPv6 address, or localhost (default 127.0.0.1)
  -p PORT       server port (default ${defaultFkvsPort}, with --resp ${defaultRespPort})
  -u [PATH]     connect over a unix socket: PATH, or ${defaultUnixPath} without one (ignores -h/-p)
  -k            keep-alive: accepted for compatibility (connections are always persistent)
  -t WORKLOAD   ping, set, get, incr, mset, or a mix such as set,get or get:9,set:1 (default
                ping); set writes "world" under "hello"; get reads "hello" and incr increments
                "counter", both set before the timing starts; mset (--resp only) sets 10 keys
  -r            a unique random key per request (32 hex chars) instead of the fixed key
  -P N          pipeline: N requests per write per connection (default 1, 0 means 1, at most ${maxPipelineDepth})
  -R RATE       open model: RATE requests/s across all clients on a fixed schedule, forces -P 1,
                prints latency percentiles measured from each request's intended send time
  -q            accepted for compatibility, no effect
  --resp        speak the Redis protocol (RESP2 multibulk requests) instead of FKVS
  --calibration-ms MS
                with -R: leave the replies to requests due in the first MS milliseconds out of
                the latency figures (default ${defaultCalibrationMs} when the run lasts over
                3 times that, else 0)
  --timeout MS  a request with no reply after MS milliseconds fails, and so does a connection
                not made by then (default ${defaultReplyTimeoutMs})
  --driver D    auto (default: the native addon with io_uring, else epoll, else node:net),
                io_uring, epoll, or net (node:net sockets, for a build without the addon)
  --json        print the results as one JSON object instead of the summary
  --csv         print the results as a CSV header and row instead of the summary
  --help        this text
Exit status: 0 when every request got its expected reply, 1 otherwise.`;

function integer(flag: string, text: string | undefined, min: number, max: number): number {
  if (text === undefined) throw new BenchmarkArgsError(`${flag} needs a value`);
  if (!/^\d+$/.test(text)) throw new BenchmarkArgsError(`${flag} ${text}: not a whole number`);
  const value = Number(text);
  if (value < min || value > max) {
    throw new BenchmarkArgsError(`${flag} ${text}: must be between ${min} and ${max}`);
  }
  return value;
}

/** `set,get` or `get:9,set:1`: each named request kind with its share of the repeating pattern. */
export function parseMix(text: string): MixEntry[] {
  const mix: MixEntry[] = [];
  let total = 0;
  for (const part of text.toLowerCase().split(',')) {
    const [name, weightText, extra] = part.split(':');
    const operation = operations.find((op) => op === name);
    if (operation === undefined || extra !== undefined) {
      throw new BenchmarkArgsError(`-t ${text}: unknown workload '${part}' (use ${operations.join(', ')})`);
    }
    const weight = weightText === undefined ? 1 : integer(`-t ${part}`, weightText, 1, maxMixPatternRequests);
    total += weight;
    mix.push({ operation, weight });
  }
  if (total > maxMixPatternRequests) {
    throw new BenchmarkArgsError(`-t ${text}: weights add up to ${total}, at most ${maxMixPatternRequests}`);
  }
  return mix;
}

export function parseBenchmarkArgs(argv: string[]): ParsedArgs {
  const options: BenchmarkOptions = {
    requests: 100_000,
    clients: 32,
    host: '127.0.0.1',
    port: 0,
    unixPath: null,
    mix: [{ operation: 'ping', weight: 1 }],
    randomKeys: false,
    pipeline: 1,
    rate: 0,
    replyTimeoutMs: defaultReplyTimeoutMs,
    format: 'text',
    driver: 'auto',
    wire: 'fkvs',
    calibrationMs: -1,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => argv[++i];
    switch (flag) {
      case '--help':
      case '--h':
        return { kind: 'help', text: usage };
      case '-n':
        options.requests = integer(flag, value(), 0, maxBenchmarkRequests);
        break;
      case '-c':
        options.clients = Math.max(1, integer(flag, value(), 0, maxBenchmarkClients));
        break;
      case '-h': {
        const host = value();
        if (host === undefined || host === '') throw new BenchmarkArgsError('-h needs a host');
        options.host = host;
        break;
      }
      case '-p':
        options.port = integer(flag, value(), 1, 65535);
        break;
      case '-u': {
        const next = argv[i + 1];
        options.unixPath = next !== undefined && !next.startsWith('-') ? value() : defaultUnixPath;
        break;
      }
      case '-k':
      case '-q':
        break;
      case '-t': {
        const text = value();
        if (text === undefined) throw new BenchmarkArgsError('-t needs a workload');
        options.mix = parseMix(text);
        break;
      }
      case '-r':
        options.randomKeys = true;
        break;
      case '-P':
        options.pipeline = Math.max(1, integer(flag, value(), 0, maxPipelineDepth));
        break;
      case '-R': {
        const text = value();
        const rate = Number(text);
        if (text === undefined || text.trim() === '' || !Number.isFinite(rate) || rate < 0) {
          throw new BenchmarkArgsError(`-R ${text ?? ''}: not a rate in requests/s`);
        }
        if (rate > maxRequestRatePerSecond) {
          throw new BenchmarkArgsError(`-R ${text}: at most ${maxRequestRatePerSecond} requests/s`);
        }
        options.rate = rate;
        break;
      }
      case '--timeout':
        options.replyTimeoutMs = integer(flag, value(), 1, maxReplyTimeoutMs);
        break;
      case '--driver': {
        const text = value();
        const driver = driverChoices.find((choice) => choice === text);
        if (driver === undefined) {
          throw new BenchmarkArgsError(`--driver ${text ?? ''}: use one of ${driverChoices.join(', ')}`);
        }
        options.driver = driver;
        break;
      }
      case '--resp':
        options.wire = 'resp';
        break;
      case '--calibration-ms':
        options.calibrationMs = integer(flag, value(), 0, maxCalibrationMs);
        break;
      case '--json':
        options.format = 'json';
        break;
      case '--csv':
        options.format = 'csv';
        break;
      default:
        throw new BenchmarkArgsError(`unknown argument '${flag}' (see --help)`);
    }
  }
  if (options.host === 'localhost') options.host = '127.0.0.1';
  if (options.unixPath === null && isIP(options.host) === 0) {
    throw new BenchmarkArgsError(`-h ${options.host}: not an IP address (or localhost)`);
  }
  if (options.port === 0) options.port = options.wire === 'resp' ? defaultRespPort : defaultFkvsPort;
  if (options.wire === 'fkvs' && options.mix.some((m) => m.operation === 'mset')) {
    throw new BenchmarkArgsError('-t mset: FKVS has no MSET; use it with --resp');
  }
  if (options.rate > 0) options.pipeline = 1;
  if (options.calibrationMs < 0) {
    const runMs = (options.rate > 0 ? options.requests / options.rate : 0) * 1000;
    options.calibrationMs = runMs > 3 * defaultCalibrationMs ? defaultCalibrationMs : 0;
  }
  if (options.requests < options.clients) options.requests = options.clients;
  const inFlight = options.clients * options.pipeline;
  if (inFlight > maxRequestsInFlight) {
    throw new BenchmarkArgsError(
      `-c ${options.clients} with -P ${options.pipeline} puts ${inFlight} requests in flight, at most ${maxRequestsInFlight}`,
    );
  }
  return { kind: 'run', options };
}
