// Runs inside a test guest booted by run-matrix.sh, from the repository (built on the host).
// For each configuration, it asks a real fkvs-server what the kernel gives it (io_uring features,
// or the fallback line), checks the server answers, then runs the transport and server test files
// on that configuration. One "fkvs-kernel:" line per configuration, which the host collects:
//   fkvs-kernel: 6.1.0-57 io_uring[single_issuer defer_taskrun ...] 30/30 passed (full) 61 s
//   fkvs-kernel: 5.10.0-46 epoll fallback (old kernel): io_uring unavailable (...) ...
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { release } from 'node:os';

const kernel = release().replace(/-amd64$/, '');
/** How many tests run-matrix.sh asks for (fkvs.io_uring= and fkvs.epoll= on the kernel command line). */
const cmdline = readFileSync('/proc/cmdline', 'latin1');
const scopeOf = (name) => (new RegExp(`\\bfkvs\\.${name}=smoke\\b`).test(cmdline) ? 'smoke' : 'full');
const testFiles = {
  full: ['dist/test/server/server.test.js', 'dist/test/server/native-client.test.js'],
  smoke: ['dist/test/server/server.test.js'],
};
// The smoke subset keeps the matrix inside CI's time: every command, pipelining, many connections
// and output backpressure, over tcp and unix; one server start each.
const smokePattern = 'every command|pipelined frames|concurrent connections|never reads';
/** The tests' own waits, stretched for software emulation (test/support/time-scale.ts). */
const testTimeScale = '10';
/** Bounds, under software emulation (roughly 10x slower than the host). */
const probeTimeoutMs = 180_000;
/** How long the server may take to close a connection after the client's FIN. */
const closeTimeoutMs = 30_000;
const testsTimeoutMs = 400_000;

/** The io_uring ladder from the top: the switches turned off, and how many tests run. */
const ioUringRungs = [
  { off: [], scope: scopeOf('io_uring') },
  { off: ['defer-taskrun'], scope: 'smoke' },
  { off: ['defer-taskrun', 'coop-taskrun'], scope: 'smoke' },
  { off: ['multishot-accept', 'multishot-recv'], scope: 'smoke' },
];

function report(text) {
  process.stdout.write(`fkvs-kernel: ${kernel} ${text}\n`);
}

function seconds(startMs) {
  return `${Math.round((Date.now() - startMs) / 1000)} s`;
}

/** Runs a command to its end (or the timeout), returning its exit code and output. */
function run(command, args, env, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

/**
 * PING "k" over the socket, then half-close: "answered" when PONG "k" comes back, "closed" when the
 * server then closes too (it must see the client's FIN: a later completion than the first batch).
 */
function pings(path) {
  const ping = Buffer.from('00040500016b', 'hex');
  return new Promise((resolve) => {
    const socket = connect(path);
    let reply = Buffer.alloc(0);
    let answered = false;
    const timer = setTimeout(() => socket.destroy(), probeTimeoutMs);
    socket.on('connect', () => socket.write(ping));
    socket.on('data', (chunk) => {
      reply = Buffer.concat([reply, chunk]);
      if (!answered && reply.equals(ping)) {
        answered = true;
        socket.end();
        clearTimeout(timer);
        setTimeout(() => socket.destroy(), closeTimeoutMs);
      }
    });
    socket.on('end', () => resolve({ answered, closed: true }));
    socket.on('close', () => resolve({ answered, closed: false }));
    socket.on('error', () => resolve({ answered, closed: false }));
  });
}

let probeCount = 0;
/** Starts the server with the flags: its start-up lines (up to the last, "allocator:"), and whether it answered. */
function probe(flags) {
  const path = `/tmp/fkvs-probe-${probeCount++}.sock`;
  return new Promise((resolve) => {
    const child = spawn('node', ['bin/fkvs-server', '--unixsocket', path, '--save', '', ...flags], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let ping = { answered: false, closed: false };
    const timer = setTimeout(() => child.kill('SIGKILL'), probeTimeoutMs);
    child.stdout.on('data', async (chunk) => {
      const before = output;
      output += chunk;
      if (!before.includes('allocator:') && output.includes('allocator:')) {
        ping = await pings(path);
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = (pattern) => output.split('\n').find((l) => l.includes(pattern)) ?? null;
      const features = line('io_uring features:')?.replace(/.*io_uring features: (.*?) *$/, '$1') ?? null;
      resolve({
        features,
        fallback: line('io_uring unavailable'),
        kind: line('event-loop-kind:'),
        ...ping,
        code,
      });
    });
  });
}

/** Runs the test files with the environment; prints the line; true when all passed. */
async function runTests(label, scope, env) {
  const started = Date.now();
  const args = ['--test', '--test-reporter=tap', '--test-concurrency=2'];
  if (scope === 'smoke') args.push(`--test-name-pattern=${smokePattern}`);
  const result = await run(
    'node',
    [...args, ...testFiles[scope]],
    { FKVS_TEST_TIME_SCALE: testTimeScale, ...env },
    testsTimeoutMs,
  );
  const count = (name) => tapCount(result.output, name);
  const pass = count('pass');
  const failed = count('fail') + count('cancelled');
  const ran = pass + failed;
  const ok = result.code === 0 && failed === 0 && pass > 0;
  const timedOut = result.signal === 'SIGKILL' ? ', TIMED OUT' : '';
  report(`${label} ${pass}/${ran} passed (${scope}${timedOut}) ${seconds(started)}`);
  if (!ok) {
    const failures = result.output
      .split('\n')
      .filter((l) => /^\s*not ok /.test(l) || /^\s*(error|expected|actual):/.test(l));
    for (const failure of failures.slice(0, 40)) process.stdout.write(`fkvs-kernel-detail: ${failure}\n`);
    if (ran === 0) process.stdout.write(`fkvs-kernel-detail: ${result.output.slice(-2000)}\n`);
  }
  return ok;
}

function tapCount(output, name) {
  const match = new RegExp(`^# ${name} (\\d+)$`, 'm').exec(output);
  return match === null ? 0 : Number(match[1]);
}

function fallbackCause(line) {
  if (line.includes('Old kernel')) return 'old kernel';
  if (line.includes('seccomp')) return 'seccomp';
  if (line.includes('Blocked by sysctl')) return 'sysctl';
  return 'other';
}

async function main() {
  const started = Date.now();
  const bootSeconds = Math.round(Number.parseFloat(readFileSync('/proc/uptime', 'latin1')));
  let allPassed = true;
  const seen = new Map();
  for (const rung of ioUringRungs) {
    const flags = rung.off.flatMap((name) => [`--io-uring-${name}`, 'false']);
    const server = await probe(flags);
    const asked = rung.off.length === 0 ? 'default' : rung.off.map((name) => `no ${name}`).join(', ');
    if (server.fallback !== null) {
      report(
        `epoll fallback (${fallbackCause(server.fallback)}), io_uring asked (${asked}), ` +
          `${server.answered ? 'served' : 'DID NOT ANSWER'}: ${server.fallback.replace(/^.* - /, '')}`,
      );
      allPassed &&= server.answered && server.closed && /event-loop-kind: epoll/.test(server.kind ?? '');
      break; // every rung falls back the same way
    }
    if (server.features !== null && server.answered && !server.closed) {
      report(
        `io_uring[${server.features}] (${asked}): FAILED: answered a PING but did not close after the ` +
          `client's FIN within ${closeTimeoutMs / 1000} s (later completions stall); tests not run`,
      );
      allPassed = false;
      continue;
    }
    if (server.features === null || !server.answered) {
      report(`io_uring (${asked}): the server did not start or answer (exit ${server.code})`);
      allPassed = false;
      continue;
    }
    if (seen.has(server.features)) {
      report(
        `io_uring[${server.features}] (${asked}): the kernel gives the same rung as (${seen.get(server.features)}), not run again`,
      );
      continue;
    }
    seen.set(server.features, asked);
    const env = { FKVS_TEST_BACKENDS: 'io_uring', FKVS_TEST_IO_URING_OFF: rung.off.join(',') };
    allPassed = (await runTests(`io_uring[${server.features}]`, rung.scope, env)) && allPassed;
  }
  allPassed = (await runTests('epoll', scopeOf('epoll'), { FKVS_TEST_BACKENDS: 'epoll' })) && allPassed;
  report(
    `${allPassed ? 'ALL PASSED' : 'FAILED'} in ${seconds(started)}, after ${bootSeconds} s from boot to the runner`,
  );
}

await main();
