import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'node:test';

/**
 * The floors of src/ and what each may import (README, docs/architecture.md): imports point down
 * only. A file's floor is its folder under src/ (protocol/<wire> for a protocol, "base" for the
 * files directly in src/); a floor may always import its own files.
 */
const programs = ['server', 'cli', 'benchmark'];
const below: Record<string, (target: string, floorOfTarget: string) => boolean> = {
  base: () => false,
  store: (_, floor) => floor === 'base',
  commands: (_, floor) => floor === 'base' || floor === 'store',
  protocol: (target, floor) =>
    floor === 'base' ||
    floor === 'commands' ||
    target === 'io/session.ts' ||
    target === 'io/output-buffer.ts',
  io: (_, floor) => floor === 'base',
  program: (_, floor) => !programs.includes(floor),
};

function floorOf(file: string): string {
  const parts = file.split('/');
  if (parts.length === 1) return 'base';
  if (parts[0] === 'protocol') return `protocol/${parts[1]}`;
  return parts[0];
}

function ruleOf(floor: string): string {
  if (floor.startsWith('protocol/')) return 'protocol';
  return programs.includes(floor) ? 'program' : floor;
}

/** Every module specifier of a TypeScript source: import/export ... from, side-effect imports, import(). */
function importsOf(source: string): string[] {
  const found: string[] = [];
  const patterns = [/\bfrom\s+'([^']+)'/g, /\bimport\s+'([^']+)'/g, /\bimport\(\s*'([^']+)'\s*\)/g];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1]);
  return found;
}

/** Each import of `files` (src-relative path -> source) that points up or sideways. */
function upwardImports(files: Map<string, string>): string[] {
  const wrong: string[] = [];
  for (const [file, source] of files) {
    const floor = floorOf(file);
    const allowed = below[ruleOf(floor)];
    assert.ok(allowed !== undefined, `${file}: no floor ${floor} in the table`);
    for (const specifier of importsOf(source)) {
      if (!specifier.startsWith('.')) continue; // node: builtins and packages
      const target = normalize(join(dirname(file), specifier)).replace(/\.js$/, '.ts');
      assert.ok(!target.startsWith('..'), `${file} imports ${specifier}, outside src/`);
      const targetFloor = floorOf(target);
      if (targetFloor !== floor && !allowed(target, targetFloor)) wrong.push(`${file} -> ${target}`);
    }
  }
  return wrong;
}

function sourcesUnder(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) files.set(relative(root, path), readFileSync(path, 'utf8'));
    }
  };
  walk(root);
  return files;
}

test('no file of src/ imports a floor above its own', () => {
  const files = sourcesUnder('src');
  assert.ok(files.size > 50, `read ${files.size} files`);
  assert.deepEqual(upwardImports(files), []);
});

test('the check finds each kind of upward or sideways import', () => {
  const files = new Map([
    ['limits.ts', "import { Commands } from './commands/commands.js';"],
    ['store/arena.ts', "import type { Reply } from '../commands/reply.js';"],
    ['commands/info.ts', "import { log } from '../server/log.js';"],
    ['io/transport.ts', "import { Dispatcher } from '../protocol/fkvs/dispatcher.js';"],
    ['protocol/fkvs/dispatcher.ts', "import {\n  type KeyValueStore,\n} from '../../store/store-api.js';"],
    ['protocol/fkvs/session.ts', "import { Transport } from '../../io/transport.js';"],
    ['protocol/resp/session.ts', "export { FeedResult } from '../fkvs/frame-reader.js';"],
    ['cli/main.ts', "const m = await import('../benchmark/runner.js');"],
    ['server/main.ts', "import '../cli/main.js';"],
  ]);
  assert.equal(upwardImports(files).length, files.size);
  const fine = new Map([
    ['protocol/fkvs/session.ts', "import type { SessionFactory } from '../../io/session.js';"],
    ['server/main.ts', "import { Transport } from '../io/transport.js';\nimport { log } from './log.js';"],
    ['io/transport.ts', "import { maxPendingOutputBytes } from '../limits.js';"],
  ]);
  assert.deepEqual(upwardImports(fine), []);
});
