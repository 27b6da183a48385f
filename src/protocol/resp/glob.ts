/**
 * Redis's glob (stringmatchlen) over strings: `*`, `?`, `[abc]`, `[^a-z]`, `\x` escapes.
 * CONFIG GET matches parameter names with it, ignoring case.
 */
export function globMatches(pattern: string, text: string, noCase: boolean): boolean {
  if (noCase) {
    pattern = pattern.toLowerCase();
    text = text.toLowerCase();
  }
  return match(pattern, 0, text, 0);
}

function match(p: string, pi: number, s: string, si: number): boolean {
  while (pi < p.length) {
    const c = p[pi];
    if (c === '*') {
      while (p[pi + 1] === '*') pi++;
      if (pi + 1 === p.length) return true;
      for (let k = si; k <= s.length; k++) if (match(p, pi + 1, s, k)) return true;
      return false;
    }
    if (si >= s.length) return false;
    if (c === '?') {
      si++;
      pi++;
      continue;
    }
    if (c === '[') {
      const [matched, next] = matchClass(p, pi + 1, s[si]);
      if (!matched) return false;
      pi = next;
      si++;
      continue;
    }
    if (c === '\\' && pi + 1 < p.length) pi++;
    if (p[pi] !== s[si]) return false;
    pi++;
    si++;
  }
  return si === s.length;
}

/** A `[...]` class starting after its `[`: whether ch is in it, and the index after its `]`. */
function matchClass(p: string, pi: number, ch: string): [boolean, number] {
  const negate = p[pi] === '^';
  if (negate) pi++;
  let matched = false;
  while (pi < p.length && p[pi] !== ']') {
    if (p[pi] === '\\' && pi + 1 < p.length) {
      pi++;
      if (p[pi] === ch) matched = true;
    } else if (p[pi + 1] === '-' && pi + 2 < p.length && p[pi + 2] !== ']') {
      let lo = p[pi];
      let hi = p[pi + 2];
      if (lo > hi) [lo, hi] = [hi, lo];
      if (ch >= lo && ch <= hi) matched = true;
      pi += 2;
    } else if (p[pi] === ch) {
      matched = true;
    }
    pi++;
  }
  return [negate ? !matched : matched, pi + 1];
}
