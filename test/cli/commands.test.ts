import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commandHelp, parseCommand } from '../../src/cli/commands.js';
import { maxFrameBytes } from '../../src/limits.js';
import { toHex } from '../support/fkvs.js';

function frameOf(...words: string[]): string {
  const parsed = parseCommand(words);
  assert.ok(parsed.ok, `rejected: ${parsed.ok ? '' : parsed.message}`);
  return toHex(parsed.frame);
}

function messageOf(...words: string[]): string {
  const parsed = parseCommand(words);
  assert.ok(!parsed.ok, 'accepted');
  return parsed.message;
}

test('request frames are the bytes of spec 1.4, verbs in any case', () => {
  assert.equal(frameOf('SET', 'k1', 'hello'), '00 0c 01 00 02 6b 31 00 05 68 65 6c 6c 6f');
  assert.equal(
    frameOf('set', 'k1', 'hello', 'ex', '10'),
    '00 10 01 00 02 6b 31 00 05 68 65 6c 6c 6f 00 02 31 30',
  );
  assert.equal(frameOf('SET', 'k1', ''), '00 07 01 00 02 6b 31 00 00');
  assert.equal(frameOf('Get', 'k1'), '00 05 02 00 02 6b 31');
  assert.equal(frameOf('INCR', 'n'), '00 04 03 00 01 6e');
  assert.equal(frameOf('incrby', 'n', '5'), '00 07 04 00 01 6e 00 01 35');
  assert.equal(frameOf('DECR', 'n'), '00 04 06 00 01 6e');
  assert.equal(frameOf('DECRBY', 'n', '-3'), '00 08 08 00 01 6e 00 02 2d 33');
  assert.equal(frameOf('ping'), '00 07 05 00 04 50 4f 4e 47');
  assert.equal(frameOf('PING', 'hi'), '00 05 05 00 02 68 69');
  assert.equal(frameOf('INFO'), '00 01 07');
  assert.equal(frameOf('info', 'extra', 'words'), '00 01 07');
  assert.equal(frameOf('DEL', 'k1'), '00 05 09 00 02 6b 31');
  assert.equal(frameOf('EXPIRE', 'k1', '100'), '00 0a 0a 00 02 6b 31 00 03 31 30 30');
  assert.equal(frameOf('TTL', 'k1'), '00 05 0b 00 02 6b 31');
  assert.equal(frameOf('PERSIST', 'k1'), '00 05 0c 00 02 6b 31');
  assert.equal(frameOf('keys'), '00 01 0d');
});

test('arity errors keep the original wording and usage', () => {
  assert.equal(
    messageOf('GET'),
    "(error) ERR wrong number of arguments for 'get' command\n(info) Usage: GET <key>\n",
  );
  assert.equal(
    messageOf('incrby', 'n'),
    "(error) ERR wrong number of arguments for 'incrby' command\n(info) Usage: INCRBY <key> <value>\n",
  );
  assert.equal(
    messageOf('PING', 'a', 'b'),
    "(error) ERR wrong number of arguments for 'ping' command\n(info) Usage: PING or PING <value>\n",
  );
  const setError =
    "(error) ERR syntax error in 'set' command\n(info) Usage: SET <key> <value> [EX seconds]\n";
  assert.equal(messageOf('SET', 'k'), setError);
  assert.equal(messageOf('SET', 'k', 'v', 'PX', '10'), setError);
  assert.equal(messageOf('SET', 'k', 'v', 'EX'), setError);
  assert.match(messageOf('KEYS', '*'), /wrong number of arguments for 'keys'/);
  assert.match(messageOf('INFO', ...Array(8).fill('x')), /too many arguments for 'info' command \(at most 8/);
});

test('unknown verbs say so', () => {
  assert.equal(messageOf('foo', 'bar'), "(error) ERR unknown command 'foo', type 'help' for the list\n");
  assert.match(messageOf('PINGX'), /unknown command 'PINGX'/);
});

test('a request that cannot fit a frame is refused locally', () => {
  // SET core = 5 + key + value; the largest frame holds a core of maxFrameBytes - 2.
  const fits = 'v'.repeat(maxFrameBytes - 2 - 5 - 1);
  assert.equal(parseCommand(['SET', 'k', fits]).ok, true);
  assert.equal(
    messageOf('SET', 'k', `${fits}v`),
    `(error) ERR request too large: ${maxFrameBytes + 1} bytes, a frame holds at most ${maxFrameBytes}\n`,
  );
  assert.match(messageOf('GET', 'é'.repeat(maxFrameBytes / 2)), /request too large/); // UTF-8 bytes count
});

test('help lists every command with its usage', () => {
  const help = commandHelp();
  for (const usage of [
    'SET <key> <value> [EX seconds]',
    'PING or PING <value>',
    'EXPIRE <key> <seconds>',
    'KEYS',
  ]) {
    assert.ok(help.includes(usage), usage);
  }
  assert.ok(help.includes('exit, quit'));
});
