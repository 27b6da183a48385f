import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineTooLong, readLines } from '../../src/cli/line-reader.js';

async function lines(chunks: string[], max = 8): Promise<Array<string | symbol>> {
  const out: Array<string | symbol> = [];
  for await (const line of readLines(
    (async function* () {
      for (const c of chunks) yield Buffer.from(c);
    })(),
    max,
  ))
    out.push(line);
  return out;
}

test('lines across chunks, CRLF, blank lines and a last line without newline', async () => {
  assert.deepEqual(await lines(['GE', 'T a\r\n\nPI', 'NG\nINFO']), ['GET a', '', 'PING', 'INFO']);
  assert.deepEqual(await lines([]), []);
});

test('a line over the limit is dropped and reported, the next ones still read', async () => {
  assert.deepEqual(await lines(['12345', '6789\nok\n123456789']), [lineTooLong, 'ok', lineTooLong]);
  assert.deepEqual(await lines(['12345678\n']), ['12345678']);
});
