import type { Int64 } from './int64.js';
import { int64Big, int64Max, int64Min } from './redis-arguments.js';

const thousand = 1000n;

/**
 * The deadline of SET's and GETEX's EX, PX, EXAT and PXAT (Redis's getExpireMillisecondsOrReply):
 * the time must be positive, and the deadline within int64; `relative` adds nowMs (EX, PX).
 * Returns the deadline in Unix ms, or -1 when Redis answers "invalid expire time". Deadlines past
 * 2^53 ms (year 287,396) are kept as the nearest double (docs/resp-commands.md, differences).
 */
export function setOptionDeadline(time: Int64, unitMs: number, relative: boolean, nowMs: number): number {
  if (!time.isBig) {
    if (time.small <= 0) return -1;
    const deadline = time.small * unitMs + (relative ? nowMs : 0);
    if (deadline <= Number.MAX_SAFE_INTEGER) return deadline;
  }
  let deadline = int64Big(time);
  if (deadline <= 0n || (unitMs === 1000 && deadline > int64Max / thousand)) return -1;
  deadline = deadline * BigInt(unitMs) + (relative ? BigInt(nowMs) : 0n);
  return deadline > int64Max ? -1 : Number(deadline);
}

/**
 * The deadline of EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT (Redis's expireGenericCommand): any
 * int64 time, negative included, times unitMs plus baseMs (now, or 0 for the AT forms), as long as
 * neither step leaves int64. Returns the deadline in Unix ms (possibly <= 0: already expired), or
 * NaN when Redis answers "invalid expire time".
 */
export function expireCommandDeadline(time: Int64, unitMs: number, baseMs: number): number {
  if (!time.isBig) {
    const deadline = time.small * unitMs + baseMs;
    if (Math.abs(deadline) <= Number.MAX_SAFE_INTEGER) return deadline;
  }
  let deadline = int64Big(time);
  // BigInt division truncates toward zero, as C's does.
  if (unitMs === 1000 && (deadline > int64Max / thousand || deadline < int64Min / thousand))
    return Number.NaN;
  deadline *= BigInt(unitMs);
  if (deadline > int64Max - BigInt(baseMs)) return Number.NaN;
  return Number(deadline + BigInt(baseMs));
}
