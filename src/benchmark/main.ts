import { BenchmarkArgsError, type BenchmarkOptions, type DriverChoice, parseBenchmarkArgs } from './args.js';
import type { Driver, Target } from './driver.js';
import { NetDriver } from './net-driver.js';
import { failedRequests, formatCsv, formatFailures, formatJson, formatSummary } from './output.js';
import { Progress } from './progress.js';
import { Runner, type RunResult } from './runner.js';
import { Workload } from './workload.js';

/** An error's first line: a failed require() appends its require stack. */
function firstLine(error: unknown): string {
  return (error as Error).message.split('\n')[0];
}

/**
 * The addon's driver unless node:net is asked for; auto takes io_uring, else epoll, else node:net
 * when the addon cannot be loaded (a build without it), saying so on stderr.
 */
async function openDriver(choice: DriverChoice, clients: number): Promise<Driver> {
  if (choice === 'net') return new NetDriver();
  let native: typeof import('./native-driver.js');
  try {
    native = await import('./native-driver.js');
  } catch (error) {
    if (choice !== 'auto') throw error;
    process.stderr.write(`fkvs-benchmark: native addon unavailable (${firstLine(error)}); using node:net\n`);
    return new NetDriver();
  }
  if (choice !== 'auto') return new native.NativeDriver(choice, clients);
  try {
    return new native.NativeDriver('io_uring', clients);
  } catch {
    return new native.NativeDriver('epoll', clients);
  }
}

async function main(argv: string[]): Promise<number> {
  let options: BenchmarkOptions;
  try {
    const parsed = parseBenchmarkArgs(argv);
    if (parsed.kind === 'help') {
      process.stdout.write(`${parsed.text}\n`);
      return 0;
    }
    options = parsed.options;
  } catch (error) {
    if (!(error instanceof BenchmarkArgsError)) throw error;
    process.stderr.write(`fkvs-benchmark: ${error.message}\n`);
    return 1;
  }
  const target: Target =
    options.unixPath === null ? { host: options.host, port: options.port } : { path: options.unixPath };
  const where = 'path' in target ? target.path : `${target.host}:${target.port}`;
  let driver: Driver;
  try {
    driver = await openDriver(options.driver, options.clients);
  } catch (error) {
    process.stderr.write(`fkvs-benchmark: --driver ${options.driver}: ${firstLine(error)}\n`);
    return 1;
  }
  const runner = new Runner(options, new Workload(options.mix, options.randomKeys, options.wire), driver);
  const progress = new Progress(process.stderr, options.requests, () => runner.answered());
  let result: RunResult;
  progress.start();
  try {
    result = await runner.run(target);
  } catch (error) {
    progress.stop();
    process.stderr.write(`fkvs-benchmark: ${where}: ${firstLine(error)}\n`);
    return 1;
  }
  progress.stop();
  if (options.format === 'json') process.stdout.write(formatJson(result, options, driver.name));
  else if (options.format === 'csv') process.stdout.write(formatCsv(result, options, driver.name));
  else process.stdout.write(formatSummary(result));
  if (failedRequests(result) === 0) return 0;
  process.stderr.write(formatFailures(result));
  return 1;
}

process.exitCode = await main(process.argv.slice(2));
