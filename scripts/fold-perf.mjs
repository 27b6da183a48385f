#!/usr/bin/env node
// Folds `perf script` output (stdin) into flame-graph input (stdout): one line per distinct stack,
// root first, frames joined by ';', then a space and the sample count. Offsets (+0x..) are dropped
// so the same function folds together; unresolved frames show their object file instead.
import { createInterface } from 'node:readline';

const stacks = new Map();
let frames = [];
let command = '';

function flush() {
  if (command !== '' && frames.length > 0) {
    const stack = [command, ...frames.reverse()].join(';');
    stacks.set(stack, (stacks.get(stack) ?? 0) + 1);
  }
  frames = [];
  command = '';
}

/** "\t ffffffff81234567 tcp_sendmsg+0x2a ([kernel.kallsyms])" → "tcp_sendmsg". */
function frameName(line) {
  const match = /^\s*[0-9a-f]+\s+(.*?)\s+\((.*)\)$/.exec(line);
  if (match === null) return line.trim();
  let symbol = match[1].replace(/\+0x[0-9a-f]+$/, '');
  if (symbol === '[unknown]') symbol = `[${match[2].split('/').pop()}]`;
  return symbol.replaceAll(';', ':');
}

for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (line === '') flush();
  else if (/^\s/.test(line)) frames.push(frameName(line));
  else command = line.trim().split(/\s+/)[0];
}
flush();
const lines = [...stacks].sort((a, b) => b[1] - a[1]).map(([stack, count]) => `${stack} ${count}`);
process.stdout.write(lines.length > 0 ? `${lines.join('\n')}\n` : '');
