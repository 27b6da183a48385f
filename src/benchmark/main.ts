import { BenchmarkArgsError, type BenchmarkOptions, parseBenchmarkArgs } from './args.js';
import type { Driver, Target } from './driver.js';
import { NetDriver } from './net-driver.js';
import { failedRequests, formatCsv, formatFailures, formatJson, formatSummary } from './output.js';
import { Progress } from './progress.js';
import { Runner } from './runner.js';
import { Workload } from './workload.js';

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
  const driver: Driver = new NetDriver();
  const runner = new Runner(options, new Workload(options.mix, options.randomKeys), driver);
  const progress = new Progress(process.stderr, options.requests, () => runner.answered());
  let result: Awaited<ReturnType<Runner['run']>>;
  try {
    progress.start();
    result = await runner.run(target);
  } catch (error) {
    const where = 'path' in target ? target.path : `${target.host}:${target.port}`;
    process.stderr.write(`fkvs-benchmark: ${where}: ${(error as Error).message}\n`);
    return 1;
  } finally {
    progress.stop();
  }
  if (options.format === 'json') process.stdout.write(formatJson(result, options, driver.name));
  else if (options.format === 'csv') process.stdout.write(formatCsv(result, options, driver.name));
  else process.stdout.write(formatSummary(result));
  if (failedRequests(result) === 0) return 0;
  process.stderr.write(formatFailures(result));
  return 1;
}

process.exitCode = await main(process.argv.slice(2));
