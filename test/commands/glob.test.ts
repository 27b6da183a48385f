import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { globMatch } from '../../src/commands/glob.js';
import { prng, testSeed } from '../support/seeded.js';

const match = (pattern: string, text: string) =>
  globMatch(Buffer.from(pattern, 'latin1'), 0, pattern.length, Buffer.from(text, 'latin1'), 0, text.length);

/** Bytes the random patterns and texts are made of: plain, special to globs, and high bytes. */
const alphabet = ['a', 'b', 'c', '*', '?', '-', '^', '\\', '[', ']', '\x00', '\xff'];
const plain = ['a', 'b', 'c', '-', '^', '\x00', '\xff', 'x'];

function regexEscape(c: string): string {
  return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

/**
 * A random well-formed glob and the regular expression Redis's documented rules give it: '?' one
 * byte, '*' any run, '[...]' a set of bytes and ascending ranges, '[^...]' its complement, '\x' x.
 */
function randomGlob(random: () => number): { glob: string; regex: RegExp } {
  const pick = (items: string[]) => items[Math.floor(random() * items.length)];
  let glob = '';
  let source = '';
  for (let n = Math.floor(random() * 6); n > 0; n--) {
    const kind = random();
    if (kind < 0.2) {
      glob += '*';
      source += '[\\s\\S]*';
    } else if (kind < 0.35) {
      glob += '?';
      source += '[\\s\\S]';
    } else if (kind < 0.5) {
      const c = pick(alphabet);
      glob += `\\${c}`;
      source += regexEscape(c);
    } else if (kind < 0.7) {
      const negated = random() < 0.4;
      glob += negated ? '[^' : '[';
      source += negated ? '[^' : '[';
      for (let m = 1 + Math.floor(random() * 3); m > 0; m--) {
        if (random() < 0.4) {
          // '^' first in a set would negate it, and a '-' bound would read as a range with the
          // byte before: neither is a range bound here.
          const bounds = plain.filter((p) => p !== '^' && p !== '-');
          const [from, to] = [pick(bounds), pick(bounds)].sort((x, y) => signed(x) - signed(y));
          // A range's bounds are signed chars in Redis, so one across 0x80 holds no ASCII bytes:
          // only same-sign ranges map to one regex range.
          if (signed(from) < 0 !== signed(to) < 0) continue;
          glob += `${from}-${to}`;
          source += `${regexEscape(from)}-${regexEscape(to)}`;
        } else {
          const c = pick(plain.filter((p) => p !== '^' && p !== '-'));
          glob += c;
          source += regexEscape(c);
        }
      }
      if (glob.endsWith('[') || glob.endsWith('[^')) {
        glob += 'a';
        source += 'a';
      }
      glob += ']';
      source += ']';
    } else {
      const c = pick(plain.filter((p) => p !== '-' && p !== '^'));
      glob += c;
      source += regexEscape(c);
    }
  }
  return { glob, regex: new RegExp(`^${source}$`) };
}

function signed(c: string): number {
  const code = c.charCodeAt(0);
  return code >= 0x80 ? code - 0x100 : code;
}

describe("glob: Redis's stringmatch", () => {
  test('seeded comparison with the documented rules, as regular expressions', () => {
    const seed = testSeed('glob');
    const random = prng(seed);
    let matched = 0;
    for (let i = 0; i < 20_000; i++) {
      const { glob, regex } = randomGlob(random);
      let text = '';
      for (let n = Math.floor(random() * 6); n > 0; n--)
        text += alphabet[Math.floor(random() * alphabet.length)];
      const expected = text.length > 0 || !/^\**$/.test(glob) || glob === '' ? regex.test(text) : false;
      if (expected) matched++;
      assert.equal(
        match(glob, text),
        expected,
        `seed ${seed}: ${JSON.stringify(glob)} on ${JSON.stringify(text)}`,
      );
    }
    assert.ok(matched > 1000, `${matched} matches`);
  });

  test("Redis's own edges: open sets, reversed ranges, signed bytes, stray escapes, '*' and the empty text", () => {
    const cases: Array<[string, string, boolean]> = [
      ['*', '', false], // KEYS and SCAN answer "*" without the matcher
      ['', '', true],
      ['[', '[', false],
      ['[^', 'x', true],
      ['[abc', 'c', true],
      ['[abc', 'd', false],
      ['[z-a]', 'q', true],
      ['[\\]]', ']', true],
      ['[]]', ']', false],
      ['a\\', 'a\\', true],
      ['\\*', '*', true],
      ['\\*', 'a', false],
      ['[\x01-\xff]', 'a', false], // 0xff is -1: the range is [-1, 1]
      ['[\x01-\xff]', '\x00', true],
      ['a*', 'a', true],
      ['*a*b', 'xaxxb', true],
      ['*a*b', 'xaxxc', false],
    ];
    for (const [pattern, text, expected] of cases) {
      assert.equal(match(pattern, text), expected, `${JSON.stringify(pattern)} on ${JSON.stringify(text)}`);
    }
  });

  test('nesting: 1,001 stars still match, 1,002 do not (redis-server 7.0.15: a trailing star does not recurse)', () => {
    const text = 'a'.repeat(1100);
    assert.equal(match('a*'.repeat(1001), text), true);
    assert.equal(match('a*'.repeat(1002), text), false);
  });
});
