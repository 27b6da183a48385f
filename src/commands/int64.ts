import { formatSafeInteger, safeIntegerLength } from '../decimal.js';
import { maxSecondsDigits } from '../limits.js';

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;
const maxDeadlineMs = int64Max;
/** Up to 15 significant digits a number is exact (< 2^53); longer ones take the BigInt path. */
export const maxExactDigits = 15;
const plus = 0x2b;
const minus = 0x2d;
const zero = 0x30;

/**
 * Strict decimal int64 (spec 2.5): optional sign, one or more ASCII digits, nothing else; leading
 * zeros allowed; out of range is invalid. The value lands in `small` (a number) when it is exact
 * as one, else in `big`: the common case allocates nothing.
 */
export class Int64 {
  isBig = false;
  small = 0;
  big = 0n;

  parse(bytes: Uint8Array, offset: number, length: number): boolean {
    const end = offset + length;
    let i = offset;
    let negative = false;
    if (i < end && (bytes[i] === plus || bytes[i] === minus)) {
      negative = bytes[i] === minus;
      i++;
    }
    if (i === end) return false;
    for (let j = i; j < end; j++) if (bytes[j] < zero || bytes[j] > zero + 9) return false;
    while (i < end - 1 && bytes[i] === zero) i++;
    if (end - i <= maxExactDigits) {
      let n = 0;
      for (; i < end; i++) n = n * 10 + (bytes[i] - zero);
      this.setSmall(negative ? -n : n);
      return true;
    }
    const big = BigInt(Buffer.from(bytes.buffer, bytes.byteOffset + i, end - i).toString('latin1'));
    return this.setBig(negative ? -big : big);
  }

  /** this += delta (delta a parsed Int64); false on int64 overflow, leaving this unchanged. */
  add(delta: Int64): boolean {
    if (!this.isBig && !delta.isBig) {
      const sum = this.small + delta.small;
      if (Number.isSafeInteger(sum)) {
        this.setSmall(sum);
        return true;
      }
    }
    return this.setBig(this.asBig() + delta.asBig());
  }

  /** this -= delta; false on int64 overflow, leaving this unchanged. */
  subtract(delta: Int64): boolean {
    if (!this.isBig && !delta.isBig) {
      const difference = this.small - delta.small;
      if (Number.isSafeInteger(difference)) {
        this.setSmall(difference);
        return true;
      }
    }
    return this.setBig(this.asBig() - delta.asBig());
  }

  setSmall(n: number): void {
    this.isBig = false;
    this.small = n === 0 ? 0 : n; // no "-0"
  }

  /** Decimal digits (C %lld) into out at offset; returns the length written. */
  format(out: Uint8Array, offset: number): number {
    if (this.isBig) {
      const text = this.big.toString();
      for (let i = 0; i < text.length; i++) out[offset + i] = text.charCodeAt(i);
      return text.length;
    }
    return formatSafeInteger(this.small, out, offset);
  }

  /** Length of format()'s output. */
  formattedLength(): number {
    return this.isBig ? this.big.toString().length : safeIntegerLength(this.small);
  }

  private asBig(): bigint {
    return this.isBig ? this.big : BigInt(this.small);
  }

  private setBig(value: bigint): boolean {
    if (value < int64Min || value > int64Max) return false;
    if (value >= -(2n ** 53n) + 1n && value <= 2n ** 53n - 1n) {
      this.setSmall(Number(value));
    } else {
      this.isBig = true;
      this.big = value;
    }
    return true;
  }
}

/**
 * EXPIRE / SET EX seconds (spec 2.5): non-empty, at most maxSecondsDigits bytes, no minus sign
 * (not even "-0"), at most maxExpireSeconds, and now + seconds * 1000 must fit an int64. Returns
 * the deadline in ms, or -1 when invalid. Deadlines past 2^53 ms (year 287,000) are rounded to the
 * nearest double (docs/protocol.md, differences).
 */
export function parseDeadline(
  bytes: Uint8Array,
  offset: number,
  length: number,
  nowMs: number,
  scratch: Int64,
): number {
  if (length === 0 || length > maxSecondsDigits || bytes[offset] === minus) return -1;
  if (!scratch.parse(bytes, offset, length)) return -1;
  if (!scratch.isBig && scratch.small * 1000 + nowMs <= Number.MAX_SAFE_INTEGER)
    return nowMs + scratch.small * 1000;
  const seconds = scratch.isBig ? scratch.big : BigInt(scratch.small);
  const deadline = BigInt(nowMs) + seconds * 1000n;
  return deadline > maxDeadlineMs ? -1 : Number(deadline);
}
