// Dispatcher microbenchmark (mitata): one buffer of 128 pipelined SETs, GETs of a cached key,
// INCRs and PINGs, parsed, executed and encoded into an OutputBuffer; then a check that the hot
// path allocates nothing (heap growth and garbage collections over 12.8M commands of each).
// `npm run bench:dispatch` (medians of 3 runs, pinned to CPU 1).
import { performance } from 'node:perf_hooks';
import { bench, do_not_optimize, run } from 'mitata';
import { Commands } from '../src/commands/commands.js';
import { OutputBuffer } from '../src/io/output-buffer.js';
import { maxPendingOutputBytes } from '../src/limits.js';
import { Dispatcher } from '../src/protocol/fkvs/dispatcher.js';
import { FrameReader } from '../src/protocol/fkvs/frame-reader.js';
import { newServerInfo } from '../src/server-info.js';
import { ArenaStore } from '../src/store/arena-store.js';
import { GcCounter } from './gc-count.js';

const pipeline = 128;

function frame(opcode: number, ...fields: string[]): Buffer {
  const parts = fields.map((f) => {
    const b = Buffer.alloc(2 + f.length);
    b.writeUInt16BE(f.length);
    b.write(f, 2, 'latin1');
    return b;
  });
  const core = Buffer.concat([Buffer.from([opcode]), ...parts]);
  const out = Buffer.alloc(2);
  out.writeUInt16BE(core.length);
  return Buffer.concat([out, core]);
}

const store = new ArenaStore({ maxMemoryBytes: 1024 ** 3 });
const dispatcher = new Dispatcher(new Commands(store, newServerInfo()));
const reader = new FrameReader();
const out = new OutputBuffer(maxPendingOutputBytes);
const sets = Buffer.concat(Array.from({ length: pipeline }, () => frame(0x01, 'hello', 'world')));
const gets = Buffer.concat(Array.from({ length: pipeline }, () => frame(0x02, 'hello')));
const incrs = Buffer.concat(Array.from({ length: pipeline }, () => frame(0x03, 'counter')));
const pings = Buffer.concat(Array.from({ length: pipeline }, () => frame(0x05, '')));
// A real clock: Date.now() is not a small integer, and a double passed around boxes if mishandled.
const nowMs = Date.now();
const batch = (bytes: Buffer) => () => {
  dispatcher.feed(reader, bytes, 0, bytes.length, out, nowMs);
  do_not_optimize(out.pendingBytes);
  out.consume(out.pendingBytes);
};
const workloads = [
  ['SET (5-byte key and value)', sets],
  ['GET (cached key)', gets],
  ['INCR', incrs],
  ['PING', pings],
] as const;

for (const [name, bytes] of workloads) bench(`${pipeline} pipelined ${name}`, batch(bytes));
const result = await run({ format: 'quiet' });
for (const trial of result.benchmarks) {
  const stats = trial.runs[0].stats!;
  console.log(`${trial.alias}: ${(stats.avg / pipeline).toFixed(1)} ns/command`);
}

// Allocation check: with nothing allocated per command, no scavenge runs over 12.8M commands.
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
const gcs = new GcCounter();
const batches = 100_000;
for (const [name, bytes] of workloads) {
  const runBatch = batch(bytes);
  gc();
  const before = process.memoryUsage().heapUsed;
  const started = performance.now();
  for (let i = 0; i < batches; i++) runBatch();
  const ended = performance.now();
  const grown = process.memoryUsage().heapUsed - before;
  await gcs.settle();
  console.log(`${name}, heap growth over ${batches * pipeline} commands: ${grown} bytes`);
  console.log(
    `${name}, garbage collections over ${batches * pipeline} commands: ${gcs.between(started, ended)} runs`,
  );
}
gcs.stop();
