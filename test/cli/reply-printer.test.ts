import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatReply } from '../../src/cli/reply-printer.js';
import { hex } from '../support/fkvs.js';

function printed(frame: string): string | null {
  return formatReply(hex(frame))?.toString('latin1') ?? null;
}

test('the printed forms of spec 5.4', () => {
  assert.equal(printed('00 01 00'), '(nil) \n');
  assert.equal(printed('00 01 01'), 'OK\n');
  assert.equal(printed('00 03 01 00 00'), 'OK\n');
  assert.equal(printed('00 08 01 00 05 68 65 6c 6c 6f'), '"hello" \n');
  assert.equal(printed('00 03 05 00 00'), 'PONG\n');
  assert.equal(printed('00 07 05 00 04 50 4f 4e 47'), '"PONG" \n');
  assert.equal(printed('00 05 07 00 02 61 0a'), 'a\n\n');
  assert.equal(printed('00 03 0d 00 00'), '(empty list)\n');
  assert.equal(printed('00 09 0d 00 06 31 29 20 66 6f 6f'), '1) foo\n');
});

test('payload bytes are written raw, NUL included', () => {
  assert.equal(printed('00 06 01 00 03 61 00 62'), '"a\0b" \n');
});

test('malformed frames are reported, not printed', () => {
  assert.equal(printed('00 01 05'), null); // core_len 1, tag neither error nor OK
  assert.equal(printed('00 02 01 00'), null);
  assert.equal(printed('00 04 01 00 02 61'), null); // inner length differs from core_len - 3
  assert.equal(printed('00 04 09 00 01 61'), null); // unknown tag
});
