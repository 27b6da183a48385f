import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { maxConfigLineBytes } from '../../src/limits.js';
import {
  ConfigError,
  defaultServerConfig,
  parseServerArgs,
  type ServerConfig,
} from '../../src/server/config.js';

const dir = mkdtempSync(join(tmpdir(), 'fkvs-config-'));
let fileCount = 0;
function configFile(text: string): string {
  const path = join(dir, `server-${fileCount++}.conf`);
  writeFileSync(path, text);
  return path;
}

function run(argv: string[]): ServerConfig {
  const args = parseServerArgs(argv);
  assert.equal(args.kind, 'run');
  return (args as { config: ServerConfig }).config;
}

describe('server config', () => {
  test('no arguments: the embedded default', () => {
    const config = run([]);
    assert.deepEqual(config, defaultServerConfig());
    assert.equal(config.port, 5995);
    assert.equal(config.bind, '127.0.0.1');
    assert.equal(config.configFile, null);
    assert.equal(config.useIoUring, true);
  });

  test('save: Redis 7\'s default rules; redis.conf\'s save lines add up, save "" is none; a flag replaces them', () => {
    assert.deepEqual(run([]).saveRules, [
      { seconds: 3600, changes: 1 },
      { seconds: 300, changes: 100 },
      { seconds: 60, changes: 10000 },
    ]);
    const lines = configFile(
      ['save 900 1', 'save 60 10000', 'dbfilename other.rdb', 'dir /tmp', ''].join('\n'),
    );
    const config = run(['-c', lines]);
    assert.deepEqual(config.saveRules, [
      { seconds: 900, changes: 1 },
      { seconds: 60, changes: 10000 },
    ]);
    assert.equal(config.dbFilename, 'other.rdb');
    assert.equal(config.dir, '/tmp');
    assert.deepEqual(run(['-c', configFile('save ""\n')]).saveRules, []);
    assert.deepEqual(run(['--save', '10 2']).saveRules, [{ seconds: 10, changes: 2 }]);
    assert.throws(() => run(['--save', '10']), /invalid value for 'save'|expected/);
    assert.throws(() => run(['--dbfilename', 'a/b.rdb']), /file name/);
  });

  test("the original's shipped server.conf loads, with its unused logs-enabled key", () => {
    const path = configFile(
      [
        '# fkvs server configuration',
        'port 5995',
        'bind 127.0.0.1',
        'max-clients 128',
        'logs-enabled false',
        'verbose false',
        'daemonize false',
        'show-logo true',
        'event-loop-max-events 100000',
        'use-io-uring false',
        '# unixsocket /tmp/fkvs/fkvs.sock',
        '',
      ].join('\n'),
    );
    const args = parseServerArgs(['-c', path]);
    assert.equal(args.kind, 'run');
    if (args.kind !== 'run') return;
    assert.equal(args.config.configFile, path);
    assert.equal(args.config.maxClients, 128);
    assert.equal(args.config.showLogo, true);
    assert.equal(args.config.useIoUring, false);
    assert.equal(args.config.unixSocket, null);
    assert.deepEqual(args.warnings, []);
  });

  test('first two tokens count: trailing comments are harmless, one-token lines ignored, later wins', () => {
    const path = configFile('port 7000 # dev port\nlonely\nport 7001\n\tbind   ::1  \n');
    const config = run([path]);
    assert.equal(config.port, 7001);
    assert.equal(config.bind, '::1');
  });

  test('unknown keys are ignored with a warning naming file and line', () => {
    const path = configFile('port 7000\nmaxmemroy 1gb\n');
    const args = parseServerArgs([path]);
    assert.equal(args.kind, 'run');
    if (args.kind === 'run') assert.deepEqual(args.warnings, [`${path}:2: unknown key 'maxmemroy' ignored`]);
  });

  test('a bad value names the file, the line and the key', () => {
    const path = configFile('port 7000\nport 65536\n');
    assert.throws(
      () => parseServerArgs([path]),
      (e: Error) =>
        e instanceof ConfigError &&
        e.message === `${path}:2: invalid value for 'port': '65536' (expected integer in range 1..65535)`,
    );
  });

  test('every kind of value is checked at its edges', () => {
    const bad: Array<[string, string]> = [
      ['port', '0'],
      ['port', '1e3'],
      ['port', ' 80'],
      ['bind', 'localhost'],
      ['bind', '256.1.1.1'],
      ['max-clients', '0'],
      ['max-clients', '4294967296'],
      ['event-loop-max-events', '2147483648'],
      ['use-io-uring', 'yes'],
      ['verbose', 'TRUE'],
      ['maxmemory', '1023kb'],
      ['maxmemory', '1tb'],
      ['unixsocket', `/tmp/${'x'.repeat(103)}`],
      ['tcp-keepalive', '-1'],
      ['tcp-keepalive', '32768'],
    ];
    for (const [key, value] of bad) {
      assert.throws(() => parseServerArgs([`--${key}`, value]), ConfigError, `${key} ${value}`);
    }
    assert.equal(run(['--port', '+080']).port, 80, 'spec 2.5: sign and leading zeros are decimal');
    assert.equal(run(['--port', '65535']).port, 65535);
    assert.equal(run(['--max-clients', '4294967295']).maxClients, 4294967295);
    assert.equal(run(['--maxmemory', '1024kb']).maxMemoryBytes, 1024 * 1024);
    assert.equal(run(['--maxmemory', '2GB']).maxMemoryBytes, 2 * 1024 ** 3);
    assert.equal(run(['--unixsocket', `/tmp/${'x'.repeat(102)}`]).unixSocket?.length, 107);
    assert.equal(run([]).tcpKeepaliveSeconds, 300, "Redis's default");
    assert.equal(run(['--tcp-keepalive', '0']).tcpKeepaliveSeconds, 0);
    assert.equal(run(['--tcp-keepalive', '32767']).tcpKeepaliveSeconds, 32767);
  });

  test('flags override the file whatever their order', () => {
    const path = configFile('port 7000\nuse-io-uring true\n');
    const config = run([
      '--port',
      '6000',
      path,
      '--use-io-uring',
      'false',
      '--io-uring-multishot-accept',
      'false',
    ]);
    assert.equal(config.port, 6000);
    assert.equal(config.useIoUring, false);
    assert.equal(config.ioUring.multishotAccept, false);
    assert.equal(config.ioUring.multishotRecv, true);
  });

  test('-c at the end means ./server.conf, as the original', () => {
    assert.throws(() => parseServerArgs(['-c']), /cannot read config file 'server.conf'/);
  });

  test('bad command lines are refused with a clear message', () => {
    assert.throws(() => parseServerArgs(['--prot', '1']), /unknown option '--prot'/);
    assert.throws(() => parseServerArgs(['--port']), /option '--port' needs a value/);
    assert.throws(() => parseServerArgs(['-x']), /unknown option '-x'/);
    assert.throws(() => parseServerArgs(['a.conf', 'b.conf']), /more than one config file/);
    assert.throws(() => parseServerArgs([join(dir, 'missing.conf')]), /cannot read config file/);
  });

  test('a line longer than the original reads is an error, not a silent split', () => {
    const path = configFile(`port 7000\nbind ${'1'.repeat(maxConfigLineBytes)}\n`);
    assert.throws(() => parseServerArgs([path]), new RegExp(`${path}:2: line longer than`));
  });

  test('help lists every key as a flag; version names the platform', () => {
    const help = parseServerArgs(['--help']);
    assert.equal(help.kind, 'help');
    if (help.kind === 'help') {
      for (const key of ['port', 'bind', 'unixsocket', 'max-clients', 'use-io-uring', 'maxmemory']) {
        assert.match(help.text, new RegExp(`--${key} `));
      }
    }
    const version = parseServerArgs(['--version']);
    assert.equal(version.kind, 'version');
    if (version.kind === 'version') assert.match(version.text, /^fkvs v\d+\.\d+\.\d+ \nrunning on linux, /);
  });

  test('docs/configuration.md documents every key the server accepts, and no other', () => {
    const help = parseServerArgs(['--help']);
    assert.equal(help.kind, 'help');
    if (help.kind !== 'help') return;
    const flagKeys = [...help.text.matchAll(/^ {2}--([a-z-]+) /gm)].map((m) => m[1]).sort();
    assert.ok(flagKeys.length >= 15, `help lists ${flagKeys.length} keys`);
    const table = readFileSync('docs/configuration.md', 'utf8').split('## Keys')[1].split('\n## ')[0];
    const documented = [...table.matchAll(/^\| `([a-z-]+)`(?:, `([a-z-]+)`)? \|/gm)]
      .flatMap((m) => (m[2] === undefined ? [m[1]] : [m[1], m[2]]))
      .sort();
    assert.deepEqual(documented, flagKeys);
  });
});
