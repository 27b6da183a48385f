import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type AofManifest,
  AofManifestError,
  baseFileName,
  formatManifest,
  incrementalFileName,
  parseManifest,
  splitArgs,
} from '../../src/persistence/aof-manifest.js';

test('AOF manifest: Redis 7.0 text parses; fkvs writes it back byte for byte', () => {
  const text =
    'file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.1.incr.aof seq 1 type h\nfile appendonly.aof.2.incr.aof seq 2 type i\nfile appendonly.aof.3.incr.aof seq 3 type i\n';
  const manifest = parseManifest(text, 'm');
  assert.deepEqual(manifest, {
    base: { name: 'appendonly.aof.2.base.rdb', seq: 2, type: 'b' },
    history: [{ name: 'appendonly.aof.1.incr.aof', seq: 1, type: 'h' }],
    incremental: [
      { name: 'appendonly.aof.2.incr.aof', seq: 2, type: 'i' },
      { name: 'appendonly.aof.3.incr.aof', seq: 3, type: 'i' },
    ],
  });
  assert.equal(formatManifest(manifest), text);
  assert.equal(baseFileName('appendonly.aof', 2, true), 'appendonly.aof.2.base.rdb');
  assert.equal(baseFileName('appendonly.aof', 2, false), 'appendonly.aof.2.base.aof');
  assert.equal(incrementalFileName('appendonly.aof', 3), 'appendonly.aof.3.incr.aof');
});

test('AOF manifest: names with spaces, quotes, backslashes and other bytes are quoted as Redis does and parse back', () => {
  const names = [
    'with space.aof',
    'quote".aof',
    "single'.aof",
    'back\\slash.aof',
    'tab\tnew\nline',
    'byte\xff\x01.aof',
  ];
  const manifest: AofManifest = {
    base: { name: names[0], seq: 1, type: 'b' },
    history: [],
    incremental: names.slice(1).map((name, i) => ({ name, seq: i + 1, type: 'i' as const })),
  };
  const text = formatManifest(manifest);
  assert.ok(text.startsWith('file "with space.aof" seq 1 type b\n'));
  assert.ok(text.includes('"byte\\xff\\x01.aof"'));
  assert.deepEqual(parseManifest(text, 'm'), manifest);
  assert.deepEqual(splitArgs(`a 'it\\'s' "x\\x41\\n" b`), ['a', "it's", 'xA\n', 'b']);
  assert.equal(splitArgs('"unclosed'), null);
  assert.equal(splitArgs('"closed"glued'), null);
});

test('AOF manifest: the errors of Redis, with the line', () => {
  const cases: [string, RegExp][] = [
    ['', /empty AOF manifest/],
    ['file a seq 1 type b\nfile b seq 2 type b\n', /line 2: Found duplicate base file information/],
    ['file a seq 2 type i\nfile b seq 2 type i\n', /line 2: Found a non-monotonic sequence number/],
    ['file a seq 1 type x\n', /Unknown AOF file type/],
    ['file dir/a seq 1 type b\n', /can't be a path/],
    ['file a seq 1\n', /Invalid AOF manifest file format/],
    ['file a seq 0 type b\n', /Invalid AOF manifest file format/],
    ['\n', /line 1: Invalid AOF manifest file format/],
    ['file a seq 1 type b', /without its newline/],
    [`file ${'a'.repeat(1100)} seq 1 type b\n`, /longer than 1024 bytes/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseManifest(text, 'dir/appendonly.aof.manifest'),
      (error: unknown) => {
        return (
          error instanceof AofManifestError &&
          message.test(error.message) &&
          error.path === 'dir/appendonly.aof.manifest'
        );
      },
      JSON.stringify(text.slice(0, 40)),
    );
  }
  assert.deepEqual(parseManifest('# a comment\nfile a seq 1 type b\n', 'm').base, {
    name: 'a',
    seq: 1,
    type: 'b',
  });
});
