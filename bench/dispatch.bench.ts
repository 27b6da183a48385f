// Dispatcher microbenchmark (mitata): one buffer of 128 pipelined SETs, and of 128 GETs of a
// cached key, parsed, executed and encoded into an OutputBuffer; then a heap check that the hot
// path allocates nothing. `npm run bench:dispatch`; pin it: `taskset -c 1 npm run bench:dispatch`.
import { bench, do_not_optimize, run, summary } from 'mitata';
import { Dispatcher } from '../src/commands/dispatcher.js';
import { FrameReader } from '../src/protocol/frame-reader.js';
import { OutputBuffer } from '../src/protocol/output-buffer.js';
import { newServerInfo } from '../src/server/server-info.js';
import { ArenaStore } from '../src/store/arena-store.js';

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
const dispatcher = new Dispatcher(store, newServerInfo());
const reader = new FrameReader();
const out = new OutputBuffer();
const sets = Buffer.concat(Array.from({ length: pipeline }, () => frame(0x01, 'hello', 'world')));
const gets = Buffer.concat(Array.from({ length: pipeline }, () => frame(0x02, 'hello')));
const incrs = Buffer.concat(Array.from({ length: pipeline }, () => frame(0x03, 'counter')));
const pings = Buffer.concat(Array.from({ length: pipeline }, () => frame(0x05, '')));
const batch = (bytes: Buffer) => () => {
  dispatcher.feed(reader, bytes, 0, bytes.length, out, 1);
  do_not_optimize(out.pendingBytes);
  out.consume(out.pendingBytes);
};

summary(() => {
  bench(`${pipeline} pipelined SET (5-byte key and value)`, batch(sets));
  bench(`${pipeline} pipelined GET (cached key)`, batch(gets));
  bench(`${pipeline} pipelined INCR`, batch(incrs));
  bench(`${pipeline} pipelined PING`, batch(pings));
});
const result = await run({ format: 'quiet' });
for (const trial of result.benchmarks) {
  const stats = trial.runs[0].stats!;
  console.log(
    `${trial.alias}: ${(stats.avg / pipeline).toFixed(1)} ns/command (p50 batch ${(stats.p50 / pipeline).toFixed(1)} ns/command)`,
  );
}

const gc = (globalThis as { gc?: () => void }).gc;
if (gc !== undefined) {
  for (const [name, bytes] of [
    ['SET', sets],
    ['GET', gets],
    ['INCR', incrs],
  ] as const) {
    const run = batch(bytes);
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 100_000; i++) run();
    const grown = process.memoryUsage().heapUsed - before;
    console.log(
      `${name}: heap grew ${grown} bytes over ${100_000 * pipeline} commands without a GC in between`,
    );
  }
}
