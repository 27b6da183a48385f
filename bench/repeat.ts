// Runs a benchmark command several times and prints the median of every "label: value unit" line
// it printed, with the values of each run: `node dist/bench/repeat.js <runs> <command> [args...]`.
// Pin it (`taskset -c 1 node dist/bench/repeat.js ...`): the children inherit the CPU affinity.
import { spawnSync } from 'node:child_process';

const runs = Number(process.argv[2]);
const [command, ...args] = process.argv.slice(3);
if (!Number.isInteger(runs) || runs < 1 || command === undefined) {
  console.error('usage: node dist/bench/repeat.js <runs> <command> [args...]');
  process.exit(2);
}

const line = /^(.+): (-?[\d.]+) (\S+)$/;
const values = new Map<string, { unit: string; values: number[] }>();
for (let r = 0; r < runs; r++) {
  const child = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (child.status !== 0) {
    console.error(`${command} ${args.join(' ')} failed (exit ${child.status})`);
    process.exit(1);
  }
  for (const text of child.stdout.split('\n')) {
    const m = line.exec(text.trim());
    if (m === null) continue;
    const entry = values.get(m[1]) ?? { unit: m[3], values: [] };
    entry.values.push(Number(m[2]));
    values.set(m[1], entry);
  }
}
console.log(`median of ${runs} runs: ${command} ${args.join(' ')}`);
for (const [label, { unit, values: xs }] of values) {
  const sorted = [...xs].sort((a, b) => a - b);
  const median =
    sorted.length % 2 === 1
      ? sorted[sorted.length >> 1]
      : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  console.log(`${label}: ${median.toFixed(median >= 100 ? 0 : 2)} ${unit}  (runs: ${xs.join(', ')})`);
}
