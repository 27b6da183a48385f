import type { Arguments } from '../../commands/redis-command.js';

/** C's isspace: what separates inline arguments. */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** The byte of the escape `\c` inside double quotes. */
function escaped(c: number): number {
  switch (c) {
    case 0x6e:
      return 0x0a; // \n
    case 0x72:
      return 0x0d; // \r
    case 0x74:
      return 0x09; // \t
    case 0x62:
      return 0x08; // \b
    case 0x61:
      return 0x07; // \a
    default:
      return c;
  }
}

/**
 * Splits the inline command line bytes[from, to) into arguments as Redis's sdssplitargs does:
 * whitespace separates; "double quotes" take \n \r \t \b \a \xHH and \<any>; 'single quotes' take
 * \' only; a closing quote must be followed by whitespace or the end; a NUL byte ends the line (a
 * C string). Unquoted arguments go to `scratch` as they are, quoted ones unescaped; `args` gets
 * their ranges in `scratch` (its arrays must hold (to - from) / 2 + 1 entries). Returns false for
 * unbalanced quotes.
 */
export function splitInline(
  bytes: Uint8Array,
  from: number,
  to: number,
  scratch: Uint8Array,
  args: Arguments,
): boolean {
  let p = from;
  let w = 0;
  let count = 0;
  // A NUL ends the line, as the C string sdssplitargs walks.
  const at = (i: number) => (i < to ? bytes[i] : 0);
  for (;;) {
    while (p < to && bytes[p] !== 0 && isSpace(bytes[p])) p++;
    if (at(p) === 0) break;
    const argStart = w;
    /** The open quote (0x22 double, 0x27 single), or 0 outside quotes. */
    let quote = 0;
    let done = false;
    while (!done) {
      const c = at(p);
      if (quote !== 0) {
        if (
          quote === 0x22 &&
          c === 0x5c &&
          at(p + 1) === 0x78 &&
          hexValue(at(p + 2)) >= 0 &&
          hexValue(at(p + 3)) >= 0
        ) {
          scratch[w++] = hexValue(at(p + 2)) * 16 + hexValue(at(p + 3));
          p += 3;
        } else if (quote === 0x22 && c === 0x5c && at(p + 1) !== 0) {
          p++;
          scratch[w++] = escaped(at(p));
        } else if (quote === 0x27 && c === 0x5c && at(p + 1) === 0x27) {
          p++;
          scratch[w++] = 0x27;
        } else if (c === quote) {
          // A closing quote must end the argument.
          if (at(p + 1) !== 0 && !isSpace(at(p + 1))) return false;
          done = true;
        } else if (c === 0) {
          return false;
        } else {
          scratch[w++] = c;
        }
      } else if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0) {
        done = true;
      } else if (c === 0x22 || c === 0x27) {
        quote = c;
      } else {
        scratch[w++] = c;
      }
      if (at(p) !== 0) p++;
    }
    args.offsets[count] = argStart;
    args.lengths[count] = w - argStart;
    count++;
  }
  args.count = count;
  return true;
}
