import { maxRedisFloatBytes } from '../limits.js';

/**
 * INCRBYFLOAT computes as Redis does on x86-64: in the x87 80-bit long double (a 64-bit
 * significand), parsing with strtold, adding with one rounding, printing with "%.17Lf" and trimming
 * trailing zeros. A double cannot give the same digits (Redis prints 1000 + 0.1 as
 * "1000.09999999999999998", 0.1 + 0.2 as "0.3"), so this emulates the format exactly with
 * BigInt arithmetic, round half to even throughout as glibc does. INCRBYFLOAT is not on the hot
 * path; this allocates.
 */

/** A finite long double: (-1)^negative * significand * 2^exponent, significand < 2^64. */
export interface LongDouble {
  negative: boolean;
  significand: bigint;
  exponent: number;
}

const significandBits = 64;
/** Exponent of the significand's unit for the smallest subnormal (2^-16445). */
const minExponent = -16445;
/** Exponent of the significand's unit for the largest finite value ((2^64 - 1) * 2^16320). */
const maxExponent = 16320;
const limit = 1n << BigInt(significandBits);
/** Decimal exponents past these make any input overflow or underflow (long double: 1.19e4932 to 3.6e-4951). */
const maxDecimalMagnitude = 4940;
const minDecimalMagnitude = -4960;
const printedDecimals = 17;
const printScale = 10n ** BigInt(printedDecimals);

/** Parse outcome besides a value: invalid input (Redis: "value is not a valid float") or infinity. */
export const notAFloat = null;
export type Parsed = LongDouble | 'inf' | '-inf' | null;

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** The long double nearest to num * 2^binaryExponent / den (num, den > 0); 'inf' on overflow, null when it rounds to 0. */
function nearest(
  negative: boolean,
  num: bigint,
  den: bigint,
  binaryExponent: number,
): LongDouble | 'inf' | null {
  let e = Math.max(bitLength(num) - bitLength(den) + binaryExponent - significandBits, minExponent);
  for (;;) {
    const shift = binaryExponent - e;
    const top = shift >= 0 ? num << BigInt(shift) : num;
    const bottom = shift >= 0 ? den : den << BigInt(-shift);
    let q = top / bottom;
    if (q >= limit) {
      e++;
      continue;
    }
    const twiceRest = (top % bottom) * 2n;
    if (twiceRest > bottom || (twiceRest === bottom && (q & 1n) === 1n)) q++;
    if (q === limit) {
      q >>= 1n;
      e++;
    }
    if (e > maxExponent) return 'inf';
    if (q === 0n) return null;
    return { negative, significand: q, exponent: e };
  }
}

const zero = 0x30;

function isDigit(c: number): boolean {
  return c >= zero && c <= zero + 9;
}

function hexValue(c: number): number {
  if (isDigit(c)) return c - zero;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

function matchesWord(bytes: Uint8Array, i: number, end: number, word: string): boolean {
  if (end - i !== word.length) return false;
  for (let j = 0; j < word.length; j++) if ((bytes[i + j] | 0x20) !== word.charCodeAt(j)) return false;
  return true;
}

/**
 * Redis's string2ld: strtold over the whole text, rejecting leading space,
 * trailing bytes, NaN, overflow and underflow to zero. Decimal, hexadecimal ("0x1.8p3"), "inf" and
 * "infinity" forms.
 */
export function parseLongDouble(bytes: Uint8Array, offset: number, length: number): Parsed {
  if (length === 0 || length > maxRedisFloatBytes) return notAFloat;
  // A NUL inside makes strtold stop short of the length: rejected like any trailing byte.
  const end = offset + length;
  let i = offset;
  let negative = false;
  if (i < end && (bytes[i] === 0x2b || bytes[i] === 0x2d)) negative = bytes[i++] === 0x2d;
  if (matchesWord(bytes, i, end, 'inf') || matchesWord(bytes, i, end, 'infinity')) {
    return negative ? '-inf' : 'inf';
  }
  const hex =
    end - i > 2 && bytes[i] === zero && (bytes[i + 1] | 0x20) === 0x78 && hexDigitAhead(bytes, i + 2, end);
  const base = hex ? 16 : 10;
  if (hex) i += 2;
  let digits = 0n;
  let significant = 0;
  let fractionDigits = 0;
  let any = false;
  let dot = false;
  for (; i < end; i++) {
    const c = bytes[i];
    if (c === 0x2e && !dot) {
      dot = true;
      continue;
    }
    const d = hex ? hexValue(c) : isDigit(c) ? c - zero : -1;
    if (d < 0) break;
    any = true;
    if (dot) fractionDigits++;
    if (d !== 0 || digits !== 0n) {
      digits = digits * BigInt(base) + BigInt(d);
      significant++;
    }
  }
  if (!any) return notAFloat;
  let exponent = 0;
  if (i < end && (bytes[i] | 0x20) === (hex ? 0x70 : 0x65)) {
    let j = i + 1;
    let exponentNegative = false;
    if (j < end && (bytes[j] === 0x2b || bytes[j] === 0x2d)) exponentNegative = bytes[j++] === 0x2d;
    if (j === end || !isDigit(bytes[j])) return notAFloat; // strtold stops before the 'e': trailing bytes
    for (; j < end && isDigit(bytes[j]); j++) exponent = Math.min(exponent * 10 + bytes[j] - zero, 1e9);
    if (exponentNegative) exponent = -exponent;
    i = j;
  }
  if (i !== end) return notAFloat;
  if (digits === 0n) return { negative, significand: 0n, exponent: 0 };
  let result: LongDouble | 'inf' | null;
  if (hex) {
    const binaryExponent = exponent - 4 * fractionDigits;
    const magnitude = bitLength(digits) + binaryExponent;
    if (magnitude > maxExponent + significandBits) result = 'inf';
    else if (magnitude < minExponent - 1) result = null;
    else result = nearest(negative, digits, 1n, binaryExponent);
  } else {
    const decimalExponent = exponent - fractionDigits;
    const magnitude = significant + decimalExponent;
    if (magnitude > maxDecimalMagnitude) result = 'inf';
    else if (magnitude < minDecimalMagnitude) result = null;
    else if (decimalExponent >= 0) result = nearest(negative, digits * 10n ** BigInt(decimalExponent), 1n, 0);
    else result = nearest(negative, digits, 10n ** BigInt(-decimalExponent), 0);
  }
  // Overflow and underflow to zero set ERANGE, which string2ld rejects.
  return result === 'inf' || result === null ? notAFloat : result;
}

function hexDigitAhead(bytes: Uint8Array, i: number, end: number): boolean {
  if (i < end && bytes[i] === 0x2e) i++;
  return i < end && hexValue(bytes[i]) >= 0;
}

/** a + b rounded once; 'inf' when the sum overflows. */
export function addLongDoubles(a: LongDouble, b: LongDouble): LongDouble | 'inf' {
  if (a.significand === 0n) return b.significand === 0n ? { ...b, negative: a.negative && b.negative } : b;
  if (b.significand === 0n) return a;
  const low = Math.min(a.exponent, b.exponent);
  const x = (a.negative ? -a.significand : a.significand) << BigInt(a.exponent - low);
  const y = (b.negative ? -b.significand : b.significand) << BigInt(b.exponent - low);
  const sum = x + y;
  if (sum === 0n) return { negative: false, significand: 0n, exponent: 0 };
  const rounded = nearest(sum < 0n, sum < 0n ? -sum : sum, 1n, low);
  // An exact sum never underflows to zero: it is a multiple of the smallest subnormal.
  return rounded === null ? { negative: false, significand: 0n, exponent: 0 } : rounded;
}

/** "%.17Lf" with trailing zeros (and a trailing dot) trimmed, and "-0" written "0": Redis's LD_STR_HUMAN. */
export function formatLongDouble(x: LongDouble): string {
  let scaled = x.significand * printScale;
  if (x.exponent >= 0) {
    scaled <<= BigInt(x.exponent);
  } else {
    const divisor = 1n << BigInt(-x.exponent);
    const q = scaled / divisor;
    const twiceRest = (scaled % divisor) * 2n;
    scaled = twiceRest > divisor || (twiceRest === divisor && (q & 1n) === 1n) ? q + 1n : q;
  }
  let digits = scaled.toString().padStart(printedDecimals + 1, '0');
  digits = `${digits.slice(0, -printedDecimals)}.${digits.slice(-printedDecimals)}`.replace(/\.?0+$/, '');
  const text = x.negative ? `-${digits}` : digits;
  return text === '-0' ? '0' : text;
}
