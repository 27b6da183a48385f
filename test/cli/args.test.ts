import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type CliOptions, parseCliArgs } from '../../src/cli/args.js';

const dir = mkdtempSync(join(tmpdir(), 'fkvs-cli-args-'));

function conf(text: string): string {
  const path = join(dir, `client-${Math.random().toString(36).slice(2)}.conf`);
  writeFileSync(path, text);
  return path;
}

/** Parses with an explicit, empty config file, so a client.conf in the working folder cannot interfere. */
function options(...argv: string[]): CliOptions {
  const args = parseCliArgs(argv.includes('-d') ? argv : ['-d', conf(''), ...argv]);
  assert.equal(args.kind, 'run');
  return args.options;
}

test('defaults and flags', () => {
  assert.deepEqual(options().target, { host: '127.0.0.1', port: 5995 });
  assert.deepEqual(options('-h', '::1', '-p', '7000').target, { host: '::1', port: 7000 });
  assert.equal(options('--non-interactive').nonInteractive, true);
  assert.equal(options('-c', 'ping').command, null);
});

test('the first word that is not a flag starts the command', () => {
  assert.deepEqual(options('-p', '7000', 'SET', 'k', '-5').command, ['SET', 'k', '-5']);
});

test('-u takes a path, or the unixsocket of client.conf, and says so when there is none', () => {
  assert.deepEqual(options('-u', '/tmp/x.sock').target, { path: '/tmp/x.sock' });
  const verbAfterU = options('-d', conf('unixsocket /tmp/c.sock\n'), '-u', 'get', 'k');
  assert.deepEqual(verbAfterU.target, { path: '/tmp/c.sock' }, 'a verb after -u is not a path');
  assert.deepEqual(verbAfterU.command, ['get', 'k']);
});

test('client.conf keys, overridden by flags', () => {
  const path = conf('# comment\nbind ::1\nport 6000\nunixsocket /tmp/c.sock\nverbose false\nmystery 1\n');
  const fromFile = options('-d', path);
  assert.deepEqual(fromFile.target, { host: '::1', port: 6000 });
  assert.equal(fromFile.verbose, false, '`verbose false` means false (the original enabled it)');
  assert.deepEqual(fromFile.warnings, [`${path}:6: unknown key 'mystery' ignored`]);
  assert.deepEqual(options('-d', path, '-p', '7000').target, { host: '::1', port: 7000 });
  assert.deepEqual(options('-u', '-d', path).target, { path: '/tmp/c.sock' });
  assert.equal(options('-d', conf('verbose true\n')).verbose, true);
});

test('bad usage is a clear error', () => {
  const fails = (argv: string[], message: RegExp) => assert.throws(() => parseCliArgs(argv), message);
  fails(['-d', join(dir, 'missing.conf')], /cannot read client config file .*missing\.conf.*ENOENT/);
  fails(['-d', conf('port 70000\n')], /:1: invalid value for 'port': '70000'/);
  fails(['-d', conf('verbose yes\n')], /expected true or false/);
  fails(['-d', conf(''), '-u'], /-u needs a socket path/);
  fails(['-p', 'x'], /invalid port 'x'/);
  fails(['-h'], /'-h' needs a value/);
  fails(['-x'], /unknown option '-x'/);
  fails(['--non-interactive', 'GET', 'k'], /takes no command/);
});

test('--help in any case', () => {
  assert.equal(parseCliArgs(['--HELP']).kind, 'help');
  assert.equal(parseCliArgs(['-p', '1', '--h']).kind, 'help');
});
