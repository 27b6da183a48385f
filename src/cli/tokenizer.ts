import { maxCliTokens } from '../limits.js';

/** C isspace(): space, \t, \n, \v, \f, \r. */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

const singleQuote = 0x27;
const doubleQuote = 0x22;

/**
 * Splits a command line into words as the original CLI does (spec 5.3): words are separated by
 * whitespace; a word that starts with ' or " runs to the matching quote (quotes stripped, no
 * escapes, the other quote character literal, unterminated means to the end of the line, "" is the
 * empty word) and the closing quote ends the word; a quote inside a bare word is literal.
 * Unlike the original, words are not truncated to 511 bytes: the frame size limit is checked when
 * the request is built. Stops after maxCliTokens + 1 words, enough to reject the line.
 */
export function tokenize(line: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  const n = line.length;
  while (tokens.length <= maxCliTokens) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) break;
    const first = line.charCodeAt(i);
    if (first === singleQuote || first === doubleQuote) {
      const close = line.indexOf(line[i], i + 1);
      const end = close < 0 ? n : close;
      tokens.push(line.slice(i + 1, end));
      i = close < 0 ? n : close + 1;
    } else {
      const start = i;
      while (i < n && !isSpace(line.charCodeAt(i))) i++;
      tokens.push(line.slice(start, i));
    }
  }
  return tokens;
}
