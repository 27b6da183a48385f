import { randomInt } from 'node:crypto';

/** The environment variable that replays a run: FKVS_TEST_SEED=<the seed a test printed>. */
export const testSeedVariable = 'FKVS_TEST_SEED';

/**
 * A small deterministic PRNG (mulberry32), so that every random test can name a seed that
 * reproduces its failure. Not for anything but tests.
 */
export class SeededRandom {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A uint32. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next() / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  bytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = this.next() & 0xff;
    return out;
  }

  /** A decimal string of exactly `digits` digits (no leading zero). */
  digits(digits: number): string {
    let text = String(1 + this.int(9));
    for (let i = 1; i < digits; i++) text += String(this.int(10));
    return text;
  }

  /** `where` with the seed and how to replay it: for assertion messages. */
  at(where: string): string {
    return `${where} (${testSeedVariable}=${this.seed} replays)`;
  }
}

/**
 * A seeded PRNG for the test `name`: the seed comes from FKVS_TEST_SEED when set, else a fresh
 * one; either way it is printed, so that a failure can be replayed.
 */
export function seededRandom(name: string): SeededRandom {
  const given = process.env[testSeedVariable] ?? '';
  if (given !== '' && !/^\d{1,10}$/.test(given)) {
    throw new Error(`${testSeedVariable} must be a decimal uint32, not '${given}'`);
  }
  const seed = given === '' ? randomInt(2 ** 31) : Number(given) >>> 0;
  console.log(`${name}: seed ${seed} (${testSeedVariable}=${seed} replays)`);
  return new SeededRandom(seed);
}
