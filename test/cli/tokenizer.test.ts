import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tokenize } from '../../src/cli/tokenizer.js';
import { maxCliTokens } from '../../src/limits.js';

test('words split on any C whitespace', () => {
  assert.deepEqual(tokenize('  SET\tk \x0b v\r'), ['SET', 'k', 'v']);
  assert.deepEqual(tokenize(' \t '), []);
});

test('quoted words: quotes stripped, other quote literal, "" is the empty word', () => {
  assert.deepEqual(tokenize(`SET "a b" 'it"s'`), ['SET', 'a b', 'it"s']);
  assert.deepEqual(tokenize('SET k ""'), ['SET', 'k', '']);
  assert.deepEqual(tokenize("SET '' x"), ['SET', '', 'x']);
});

test('an unterminated quote runs to the end of the line', () => {
  assert.deepEqual(tokenize('SET k "hello  world'), ['SET', 'k', 'hello  world']);
});

test('a quote inside a bare word is literal; a closing quote ends the word', () => {
  assert.deepEqual(tokenize(`SET it's x"y`), ['SET', "it's", 'x"y']);
  assert.deepEqual(tokenize('"ab"cd'), ['ab', 'cd']);
});

test('no 511-byte truncation; stops one word past the limit', () => {
  const long = 'x'.repeat(2000);
  assert.deepEqual(tokenize(`SET k ${long}`), ['SET', 'k', long]);
  const words = tokenize(Array.from({ length: 20 }, (_, i) => `w${i}`).join(' '));
  assert.equal(words.length, maxCliTokens + 1);
});
