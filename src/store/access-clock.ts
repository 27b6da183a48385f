/**
 * The per-key access word (one u32 in each entry's header) and the eviction policies that read it,
 * as Redis keeps them in its 24-bit `lru` field: under an LRU policy (and noeviction, for OBJECT
 * IDLETIME) the word is the LRU clock of the last access; under an LFU policy it is
 * (minutes of the last decrement << 8) | 8-bit logarithmic counter. Switching between the two
 * leaves old words read in the other sense until the keys are touched again, as in Redis.
 */

/** Redis's maxmemory-policy values, in a fixed order (the index is the policy's number). */
export const evictionPolicyNames = [
  'noeviction',
  'allkeys-lru',
  'allkeys-lfu',
  'allkeys-random',
  'volatile-lru',
  'volatile-lfu',
  'volatile-random',
  'volatile-ttl',
] as const;
export type EvictionPolicyName = (typeof evictionPolicyNames)[number];

export const EvictionPolicy = {
  noeviction: 0,
  allkeysLru: 1,
  allkeysLfu: 2,
  allkeysRandom: 3,
  volatileLru: 4,
  volatileLfu: 5,
  volatileRandom: 6,
  volatileTtl: 7,
} as const;

export function policyIsLfu(policy: number): boolean {
  return policy === EvictionPolicy.allkeysLfu || policy === EvictionPolicy.volatileLfu;
}

/** volatile-*: only keys with a deadline are candidates. */
export function policyIsVolatile(policy: number): boolean {
  return policy >= EvictionPolicy.volatileLru;
}

/**
 * The eviction settings all databases share (CONFIG SET changes them in place): the stores read
 * them on every access, the evictor on every eviction.
 */
export interface EvictionSettings {
  /** An EvictionPolicy value. */
  policy: number;
  /** maxmemory-samples: keys sampled per database per eviction. */
  samples: number;
  /** lfu-log-factor: the larger, the more accesses the counter needs to grow. */
  lfuLogFactor: number;
  /** lfu-decay-time: minutes per decrement of an unread key's counter; 0: never. */
  lfuDecayMinutes: number;
}

/** Redis's defaults. */
export function defaultEvictionSettings(): EvictionSettings {
  return { policy: EvictionPolicy.noeviction, samples: 5, lfuLogFactor: 10, lfuDecayMinutes: 1 };
}

/**
 * Resolution of the LRU clock: 32 bits of 16 ms wrap after 795 days (Redis's 24 bits of seconds:
 * 194 days), and keys touched within the same 16 ms compare as equally old (Redis: one second).
 */
export const lruClockUnitMs = 16;
/** A new key's LFU counter (Redis's LFU_INIT_VAL), so that it is not evicted before a second access. */
export const lfuInitialCounter = 5;
const lfuMaxCounter = 255;
const lfuMinutesMask = 0xffff;

export function lruClock(nowMs: number): number {
  return (nowMs / lruClockUnitMs) >>> 0;
}

/** Milliseconds since the access word's LRU clock (modulo the clock's wrap). */
export function lruIdleMs(access: number, nowMs: number): number {
  return ((lruClock(nowMs) - access) >>> 0) * lruClockUnitMs;
}

function lfuMinutes(nowMs: number): number {
  return Math.floor(nowMs / 60_000) & lfuMinutesMask;
}

/** A new key's LFU word. */
export function lfuNew(nowMs: number): number {
  return ((lfuMinutes(nowMs) << 8) | lfuInitialCounter) >>> 0;
}

/** The counter after the decay of the minutes since its last decrement (Redis's LFUDecrAndReturn). */
export function lfuDecayed(access: number, nowMs: number, decayMinutes: number): number {
  const counter = access & 0xff;
  if (decayMinutes === 0) return counter;
  const last = (access >>> 8) & lfuMinutesMask;
  const now = lfuMinutes(nowMs);
  const elapsed = now >= last ? now - last : lfuMinutesMask - last + now;
  const periods = Math.floor(elapsed / decayMinutes);
  return periods > counter ? 0 : counter - periods;
}

/**
 * The word after one access: decayed, then incremented with probability 1 / ((counter - 5) *
 * logFactor + 1) (Redis's LFULogIncr). `random` is uniform in [0, 1).
 */
export function lfuTouched(
  access: number,
  nowMs: number,
  settings: EvictionSettings,
  random: number,
): number {
  let counter = lfuDecayed(access, nowMs, settings.lfuDecayMinutes);
  if (counter < lfuMaxCounter) {
    const base = counter > lfuInitialCounter ? counter - lfuInitialCounter : 0;
    if (random < 1 / (base * settings.lfuLogFactor + 1)) counter++;
  }
  return ((lfuMinutes(nowMs) << 8) | counter) >>> 0;
}
