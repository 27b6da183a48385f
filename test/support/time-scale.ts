/**
 * How much longer the tests' waits for a server may be than on real hardware: FKVS_TEST_TIME_SCALE,
 * 1 by default. The kernel matrix (scripts/kernels/) sets it for guests under software emulation,
 * where Node itself starts about ten times slower.
 */
export const testTimeScale = Math.max(1, Number(process.env['FKVS_TEST_TIME_SCALE'] ?? 1) || 1);

export function scaledMs(ms: number): number {
  return ms * testTimeScale;
}
