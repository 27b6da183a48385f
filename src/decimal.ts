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
