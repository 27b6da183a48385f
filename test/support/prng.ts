/** A small deterministic PRNG (mulberry32), so a failing random test names a seed that reproduces it. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FKVS_TEST_SEED, or a fresh seed; printed either way so that a failure can be replayed. */
export function testSeed(name: string): number {
  const seed = Number(process.env.FKVS_TEST_SEED ?? Date.now() % 1_000_000_000);
  console.log(`${name}: seed ${seed} (FKVS_TEST_SEED=${seed} replays it)`);
  return seed;
}
