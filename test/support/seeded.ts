/** A small deterministic PRNG (mulberry32): a failure names a seed that reproduces it. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** The seed of a random test: FKVS_TEST_SEED to replay one, else a new one; printed either way. */
export function testSeed(name: string): number {
  const seed = Number(process.env.FKVS_TEST_SEED ?? Math.floor(Math.random() * 1_000_000_000));
  console.log(`${name}: seed ${seed} (replay with FKVS_TEST_SEED=${seed})`);
  return seed;
}
