/** Decimal text of integers written straight into byte arrays (C's %lld), for every wire's replies. */
const zero = 0x30;
const minus = 0x2d;

/** Below this, digits come from int32 division (a multiply), not double division and Math.floor. */
const int32Limit = 2 ** 31;

export function safeIntegerLength(n: number): number {
  let length = n < 0 ? 2 : 1;
  let rest = Math.abs(n);
  for (; rest >= int32Limit; rest = Math.floor(rest / 10)) length++;
  for (let small = rest | 0; small >= 10; small = (small / 10) | 0) length++;
  return length;
}

/** Decimal digits of a safe integer into out at offset; returns the length written. */
export function formatSafeInteger(n: number, out: Uint8Array, offset: number): number {
  const length = safeIntegerLength(n);
  formatSafeIntegerBefore(n, out, offset + length);
  return length;
}

/**
 * Decimal digits of a safe integer ending just before out[end]; returns where they start. Spares
 * the pass that measures the length, for a caller that takes the digits wherever they begin.
 */
export function formatSafeIntegerBefore(n: number, out: Uint8Array, end: number): number {
  let rest = Math.abs(n);
  let i = end - 1;
  for (; rest >= int32Limit; i--) {
    const quotient = Math.floor(rest / 10);
    out[i] = zero + (rest - quotient * 10);
    rest = quotient;
  }
  let small = rest | 0;
  do {
    const quotient = (small / 10) | 0;
    out[i--] = zero + (small - quotient * 10);
    small = quotient;
  } while (small !== 0);
  if (n < 0) out[i--] = minus;
  return i + 1;
}

const nine = 0x39;

/**
 * Where adding one (`up`) to, or taking one from, the canonical decimal integer in
 * bytes[offset, end) changes its digits while their count stays: the index of the one digit that
 * changes (every digit after it flips: 9 to 0 away from zero, 0 to 9 towards it). -1 when the
 * count changes (99 + 1, 10 - 1, -1 + 1, 0 - 1). Canonical: an optional '-', digits without a
 * leading zero, not "-0" (Redis's string2ll). With applyDecimalStep, INCR of a counter touches
 * the digit or two that change instead of parsing and printing them all.
 */
export function decimalStepIndex(bytes: Uint8Array, offset: number, end: number, up: boolean): number {
  const negative = bytes[offset] === minus;
  const first = negative ? offset + 1 : offset;
  let i = end - 1;
  if (up !== negative) {
    // Away from zero: the last digit below 9 goes up; none (99, -99) means one digit more.
    while (i >= first && bytes[i] === nine) i--;
    return i < first ? -1 : i;
  }
  // Towards zero: the last digit above 0 goes down; none: the value is 0 (0 - 1 = -1 takes a sign).
  while (i >= first && bytes[i] === zero) i--;
  if (i < first) return -1;
  // A leading 1 going down leaves a leading zero (10 - 1 = 9) or, alone after '-', drops the sign (-1 + 1 = 0).
  if (i === first && bytes[i] === zero + 1 && (negative || end - first > 1)) return -1;
  return i;
}

/** Applies the step decimalStepIndex found at `index` to the integer in bytes[offset, end). */
export function applyDecimalStep(
  bytes: Uint8Array,
  offset: number,
  index: number,
  end: number,
  up: boolean,
): void {
  if (up !== (bytes[offset] === minus)) {
    bytes[index]++;
    for (let i = index + 1; i < end; i++) bytes[i] = zero;
  } else {
    bytes[index]--;
    for (let i = index + 1; i < end; i++) bytes[i] = nine;
  }
}
