import { maxGlobNesting } from '../limits.js';

const star = 0x2a;
const question = 0x3f;
const open = 0x5b;
const close = 0x5d;
const caret = 0x5e;
const backslash = 0x5c;
const dash = 0x2d;

/** C's `char` is signed on x86-64: Redis compares range bounds as signed bytes. */
function signed(c: number): number {
  return c >= 0x80 ? c - 0x100 : c;
}

/**
 * Redis's stringmatchlen (util.c), byte for byte: '*' any run, '?' one byte, '[...]' a set with
 * ranges ('a-z', either order), '[^...]' its complement, and '\' quoting the next byte, inside a
 * set too. A set left open takes its last byte as a literal. The pattern is read as Redis reads its
 * C string: past the end reads a NUL. Deep '*' recursion stops at maxGlobNesting with no match.
 */
export function globMatch(
  pattern: Uint8Array,
  patternOffset: number,
  patternLength: number,
  text: Uint8Array,
  textOffset: number,
  textLength: number,
): boolean {
  skipLongerMatches = false;
  return matchFrom(pattern, patternOffset, patternOffset + patternLength, text, textOffset, textLength, 0);
}

/** Redis's skipLongerMatches: once the rest after a '*' matches nowhere, no earlier '*' can help. */
let skipLongerMatches = false;

function matchFrom(
  pattern: Uint8Array,
  p: number,
  patternEnd: number,
  text: Uint8Array,
  s: number,
  textLength: number,
  nesting: number,
): boolean {
  if (nesting > maxGlobNesting) return false;
  const at = (i: number) => (i < patternEnd ? pattern[i] : 0);
  let textLeft = textLength;
  while (p < patternEnd && textLeft > 0) {
    switch (pattern[p]) {
      case star: {
        while (p + 1 < patternEnd && pattern[p + 1] === star) p++;
        if (p + 1 === patternEnd) return true;
        while (textLeft > 0) {
          if (matchFrom(pattern, p + 1, patternEnd, text, s, textLeft, nesting + 1)) return true;
          if (skipLongerMatches) return false;
          s++;
          textLeft--;
        }
        skipLongerMatches = true;
        return false;
      }
      case question:
        s++;
        textLeft--;
        break;
      case open: {
        p++;
        const not = at(p) === caret;
        if (not) p++;
        let match = false;
        const c = text[s];
        for (;;) {
          if (at(p) === backslash && patternEnd - p >= 2) {
            p++;
            if (pattern[p] === c) match = true;
          } else if (at(p) === close) {
            break;
          } else if (p >= patternEnd) {
            p--;
            break;
          } else if (patternEnd - p >= 3 && pattern[p + 1] === dash) {
            let start = signed(pattern[p]);
            let end = signed(pattern[p + 2]);
            if (start > end) [start, end] = [end, start];
            p += 2;
            const sc = signed(c);
            if (sc >= start && sc <= end) match = true;
          } else if (pattern[p] === c) {
            match = true;
          }
          p++;
        }
        if (not) match = !match;
        if (!match) return false;
        s++;
        textLeft--;
        break;
      }
      case backslash:
        if (patternEnd - p >= 2) p++;
        if (pattern[p] !== text[s]) return false;
        s++;
        textLeft--;
        break;
      default:
        if (pattern[p] !== text[s]) return false;
        s++;
        textLeft--;
        break;
    }
    p++;
    if (textLeft === 0) {
      while (at(p) === star) p++;
      break;
    }
  }
  return p >= patternEnd && textLeft === 0;
}
