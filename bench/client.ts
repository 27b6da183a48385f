// Is fkvs-benchmark ever the bottleneck? Runs `-t ping -c 50` pinned to core 1 against a peer
// pinned to core 0:
//   sink   - bench/sink.c, an epoll echo server (a PING reply equals its request), far cheaper than
//            any real server: shows how many requests/s the tool itself can generate;
//   server - our fkvs-server: the tool's CPU per request must stay below the server's.
// Each scenario also runs the node:net driver, the fallback for a build without the addon.
// CPU per request: the tool reports its own utime+stime over the timed phase (--json cpuUs); the
// peer's comes from /proc/<pid>/stat (utime+stime in clock ticks) read before and after the run.
// Each figure is the median of `runs` runs. Usage (from the repository root, after a build):
//   node dist/bench/client.js [runs]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, tempSocketPath } from '../test/support/server-process.js';

const runs = Number(process.argv[2] ?? 3);
const peerCore = '0';
const toolCore = '1';
/** Clock ticks per second of /proc/<pid>/stat (getconf CLK_TCK; 100 on Linux). */
const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString());

interface Scenario {
  peer: 'sink' | 'server';
  unix: boolean;
  driver: string;
  pipeline: number;
  requests: number;
}

const scenarios: Scenario[] = [
  { peer: 'sink', unix: false, driver: 'io_uring', pipeline: 128, requests: 20_000_000 },
  { peer: 'sink', unix: false, driver: 'net', pipeline: 128, requests: 10_000_000 },
  { peer: 'sink', unix: false, driver: 'io_uring', pipeline: 1, requests: 300_000 },
  { peer: 'server', unix: false, driver: 'io_uring', pipeline: 1, requests: 300_000 },
  { peer: 'server', unix: false, driver: 'net', pipeline: 1, requests: 300_000 },
  { peer: 'server', unix: true, driver: 'io_uring', pipeline: 1, requests: 300_000 },
];

function cpuTicks(pid: number): number {
  // Fields after the parenthesised command name: utime and stime are the 14th and 15th overall.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function startPeer(scenario: Scenario, sink: string, where: string) {
  const command =
    scenario.peer === 'sink'
      ? [sink, where]
      : [
          process.execPath,
          'bin/fkvs-server',
          scenario.unix ? '--unixsocket' : '--port',
          where,
          '--resp-port',
          '0',
          '--save',
          '',
        ];
  const child = spawn('taskset', ['-c', peerCore, ...command], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = scenario.peer === 'sink' ? 'ready' : 'allocator: ';
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (d) => {
      output += d;
      if (output.includes(ready)) resolve();
    });
    child.on('exit', () => reject(new Error(`${scenario.peer} exited: ${output}`)));
  });
  return child;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function measure(scenario: Scenario, sink: string) {
  const rates: number[] = [];
  const toolUs: number[] = [];
  const peerUs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const where = scenario.unix ? tempSocketPath() : String(await freePort());
    const peer = await startPeer(scenario, sink, where);
    const before = cpuTicks(peer.pid!);
    const output = execFileSync('taskset', [
      ...['-c', toolCore, process.execPath, 'bin/fkvs-benchmark', scenario.unix ? '-u' : '-p', where],
      ...['--json', '--driver', scenario.driver, '-c', '50', '-P', String(scenario.pipeline)],
      ...['-n', String(scenario.requests)],
    ]).toString();
    const peerTicks = cpuTicks(peer.pid!) - before;
    peer.kill('SIGTERM');
    const result = JSON.parse(output);
    if (result.failed !== 0) throw new Error(`${JSON.stringify(scenario)}: ${result.failed} requests failed`);
    rates.push(result.requestsPerSecond);
    toolUs.push(result.cpuUs / result.completed);
    peerUs.push(((peerTicks / ticksPerSecond) * 1e6) / result.completed);
  }
  return { rate: median(rates), toolUs: median(toolUs), peerUs: median(peerUs) };
}

const dir = mkdtempSync(join(tmpdir(), 'fkvs-sink-'));
const sink = join(dir, 'sink');
execFileSync('cc', ['-O2', '-o', sink, 'bench/sink.c']);
console.log(
  `fkvs-benchmark -t ping -c 50 on core ${toolCore}, peer on core ${peerCore}; medians of ${runs} runs`,
);
console.log('peer    socket  driver    -P   req/s        tool us/req  peer us/req  tool/peer');
for (const scenario of scenarios) {
  const m = await measure(scenario, sink);
  console.log(
    `${scenario.peer.padEnd(8)}${(scenario.unix ? 'unix' : 'tcp').padEnd(8)}${scenario.driver.padEnd(10)}` +
      `${String(scenario.pipeline).padStart(3)}  ${m.rate.toFixed(0).padStart(10)}   ${m.toolUs.toFixed(3).padStart(10)}` +
      `   ${m.peerUs.toFixed(3).padStart(10)}   ${(m.toolUs / m.peerUs).toFixed(2).padStart(8)}`,
  );
}
