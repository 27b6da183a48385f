import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { addressFlags, type ProgramRun, runProgram } from '../support/run-program.js';
import { freePort, type RunningServer, startServer, tempSocketPath } from '../support/server-process.js';

const cliPath = resolve('bin/fkvs-cli');
/** The CLI runs in an empty folder (no client.conf) with its own HOME (history). */
const workDir = mkdtempSync(join(tmpdir(), 'fkvs-cli-'));
const env = { ...process.env, HOME: workDir };

/** fkvs-cli with these arguments and stdin (a pipe: no prompt). */
function cli(args: string[], input = ''): Promise<ProgramRun> {
  return runProgram(process.execPath, [cliPath, ...args], { input, cwd: workDir, env });
}

/** One server per transport for the whole file; each test uses keys of its own. */
const servers = new Map<'tcp' | 'unix', RunningServer>();

before(async () => {
  const [tcp, unix] = await Promise.all([startServer([]), startServer(['--unixsocket', tempSocketPath()])]);
  servers.set('tcp', tcp).set('unix', unix);
});

after(async () => {
  for (const server of servers.values()) assert.equal(await server.stop(), 0);
});

/** Every command once, with what the original CLI prints for it (spec 5.4). */
const script: Array<[string, string]> = [
  ['SET a hello', '"hello" \n'],
  ['get a', '"hello" \n'],
  ['GET missing', '(nil) \n'],
  ['INCR c', '"1" \n'],
  ['incrby c 5', '"6" \n'],
  ['DECR c', '"5" \n'],
  ['DecrBy c -3', '"8" \n'],
  ['INCR a', '(nil) \n'],
  ['TTL a', '"-1" \n'],
  ['EXPIRE a 100', 'OK\n'],
  ['PERSIST a', 'OK\n'],
  ['TTL a', '"-1" \n'],
  ['SET t v ex 100', '"v" \n'],
  ['DEL t', 'OK\n'],
  ['TTL t', '"-2" \n'],
  ['EXPIRE t 5', '(nil) \n'],
  ['PING', '"PONG" \n'],
  ['ping hi', '"hi" \n'],
  ['PING ""', 'PONG\n'],
  ['SET q ""', 'OK\n'],
  ['GET q', 'OK\n'],
  [`SET "a b" 'it"s'`, '"it"s" \n'],
  ['GET "a b', '"it"s" \n'],
  ['', ''],
  ['DEL a', 'OK\n'],
  ['DEL c', 'OK\n'],
  ['DEL q', 'OK\n'],
  ['DEL "a b"', 'OK\n'],
  ['KEYS', '(empty list)\n'],
  ['SET k1 x', '"x" \n'],
  ['keys', '1) k1\n'],
];

for (const transport of ['tcp', 'unix'] as const) {
  describe(`fkvs-cli over ${transport}`, () => {
    test('every command, piped, prints the original forms; no prompt; ends at end of input', async () => {
      const server = servers.get(transport)!;
      const [result, info] = await Promise.all([
        cli(addressFlags(server), script.map(([line]) => `${line}\n`).join('')),
        cli([...addressFlags(server), 'INFO']),
      ]);
      assert.equal(result.stderr, '');
      assert.equal(result.stdout, script.map(([, printed]) => printed).join(''));
      assert.equal(result.code, 0);
      assert.match(
        info.stdout,
        /^# Server \npid: \d+ \n[\s\S]*# Clients \nconnected clients: \d+ \n[\s\S]*\n\n$/,
      );
    });

    test('argv commands, --non-interactive, exit ends piped input, malformed lines exit 2', async () => {
      const server = servers.get(transport)!;
      assert.deepEqual(await cli([...addressFlags(server), 'SET', 'k', 'a value']), {
        code: 0,
        stdout: '"a value" \n',
        stderr: '',
      });
      const [health, stopped, malformed, arity, tooLarge] = await Promise.all([
        cli([...addressFlags(server), '--non-interactive']),
        cli(addressFlags(server), 'GET k\nexit\nSET k after-exit\n'),
        cli(addressFlags(server), 'GET\nfoo bar\nGET k\nKEYS *\n'),
        cli([...addressFlags(server), 'EXPIRE', 'k']),
        cli(addressFlags(server), `SET big ${'v'.repeat(70_000)}\nPING\n`),
      ]);
      assert.deepEqual(health, { code: 0, stdout: '"PONG" \n', stderr: '' });
      assert.deepEqual(stopped, { code: 0, stdout: '"a value" \n', stderr: '' });
      assert.equal(
        (await cli([...addressFlags(server), 'get', 'k'])).stdout,
        '"a value" \n',
        'nothing ran after exit',
      );

      assert.equal(
        malformed.stdout,
        "(error) ERR wrong number of arguments for 'get' command\n(info) Usage: GET <key>\n" +
          "(error) ERR unknown command 'foo', type 'help' for the list\n" +
          '"a value" \n' +
          "(error) ERR wrong number of arguments for 'keys' command\n(info) Usage: KEYS\n",
      );
      assert.equal(malformed.code, 2);
      assert.equal(arity.code, 2);
      assert.match(arity.stdout, /wrong number of arguments for 'expire' command/);
      assert.equal(
        tooLarge.stdout,
        `(error) ERR request too large: 70010 bytes, a frame holds at most 65536\n"PONG" \n`,
      );
      assert.equal(tooLarge.code, 2);
    });
  });
}

test('-d client.conf gives the server; an explicitly named missing one is an error', async () => {
  const { port } = servers.get('tcp')!.address as { port: number };
  const { path } = servers.get('unix')!.address as { path: string };
  writeFileSync(join(workDir, 'tcp.conf'), `# test\nbind 127.0.0.1\nport ${port}\nverbose false\n`);
  writeFileSync(join(workDir, 'unix.conf'), `unixsocket ${path}\n`);
  const [tcp, unix, missing] = await Promise.all([
    cli(['-d', 'tcp.conf', 'PING', 'x']),
    cli(['-d', 'unix.conf', '-u', 'PING']),
    cli(['-d', 'missing.conf', 'PING']),
  ]);
  assert.deepEqual(tcp, { code: 0, stdout: '"x" \n', stderr: '' });
  assert.deepEqual(unix, { code: 0, stdout: '"PONG" \n', stderr: '' });
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr, "fkvs-cli: cannot read client config file 'missing.conf': ENOENT\n");

  // Without -d, ./client.conf is read when it exists.
  writeFileSync(join(workDir, 'client.conf'), `port ${port}\n`);
  try {
    assert.equal((await cli(['--non-interactive'])).stdout, '"PONG" \n');
  } finally {
    unlinkSync(join(workDir, 'client.conf'));
  }
});

test('an unreachable server: exit 1 and one line on stderr, for every mode', async () => {
  const port = String(await freePort());
  const socket = join(workDir, 'no-such.sock');
  const cases: Array<[string[], string, RegExp]> = [
    [
      ['-p', port, '--non-interactive'],
      '',
      /cannot connect to 127\.0\.0\.1:\d+: connection refused \(ECONNREFUSED\)/,
    ],
    [['-p', port, 'GET', 'k'], '', /connection refused/],
    [['-p', port], 'PING\n', /connection refused/],
    [['-u', socket, 'PING'], '', /cannot connect to .*no-such\.sock: no such socket file \(ENOENT\)/],
  ];
  const results = await Promise.all(cases.map(([args, input]) => cli(args, input)));
  for (const [i, [args, , message]] of cases.entries()) {
    const result = results[i];
    assert.equal(result.code, 1, args.join(' '));
    assert.equal(result.stdout, '');
    assert.match(result.stderr, message);
    assert.equal(result.stderr.split('\n').length, 2, `one line: ${result.stderr}`);
  }
});

const hasScript = spawnSync('script', ['--version']).status === 0;

test('interactive on a terminal (util-linux script): prompt, replies, history file', {
  skip: !hasScript,
}, async () => {
  const { port } = servers.get('tcp')!.address as { port: number };
  const command = `'${process.execPath}' '${cliPath}' -p ${port}`;
  const input = 'set r "x y"\nGET r\nnope\nexit\n';
  const result = await runProgram('script', ['-qfec', command, '/dev/null'], { input, cwd: workDir, env });
  const screen = stripVTControlCharacters(result.stdout);
  assert.equal(result.code, 0, screen);
  assert.ok(screen.includes("Type 'exit' to quit."), screen);
  assert.ok(screen.includes(`127.0.0.1:${port}> `), screen);
  assert.equal(screen.split('"x y" ').length - 1, 2, screen);
  assert.ok(screen.includes("(error) ERR unknown command 'nope'"), screen);
  assert.equal(readFileSync(join(workDir, '.fkvs_cli_history'), 'utf8'), 'set r "x y"\nGET r\nnope\nexit\n');
});

test('a peer that hangs up, answers garbage or answers twice: exit 1, one line', async () => {
  const pong = Uint8Array.of(0, 3, 0x05, 0, 0);
  const peers = [
    net.createServer((socket) => socket.once('data', () => socket.destroy())),
    net.createServer((socket) => socket.once('data', () => socket.write(Uint8Array.of(0, 1, 0x05)))),
    net.createServer((socket) => socket.on('data', () => socket.write(Buffer.concat([pong, pong])))),
  ];
  const ports = await Promise.all(
    peers.map(
      (peer) =>
        new Promise<number>((resolvePort) =>
          peer.listen(0, '127.0.0.1', () => resolvePort((peer.address() as net.AddressInfo).port)),
        ),
    ),
  );
  try {
    const [hungUp, garbage, twice] = await Promise.all(
      ports.map((port) => cli(['-p', String(port)], 'PING\nPING\n')),
    );
    assert.deepEqual(hungUp, {
      code: 1,
      stdout: '',
      stderr: `fkvs-cli: 127.0.0.1:${ports[0]}: connection closed by the server\n`,
    });
    assert.deepEqual(garbage, { code: 1, stdout: '', stderr: 'fkvs-cli: malformed reply frame: 000105\n' });
    assert.deepEqual(twice, {
      code: 1,
      stdout: 'PONG\n',
      stderr: `fkvs-cli: 127.0.0.1:${ports[2]}: the server sent a frame that no request asked for\n`,
    });
  } finally {
    for (const peer of peers) peer.close();
  }
});
