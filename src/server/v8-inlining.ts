import { setFlagsFromString } from 'node:v8';

/**
 * V8's budget of bytecode inlined into one optimized function, in bytes: three times its default
 * (920). At the default the FKVS frame loop (frame reader, dispatcher, decoder, SET, the store's
 * overwrite, the reply) ran out of budget and called four or five functions per request out of
 * line; at this budget a SET runs as one optimized function. docs/performance.md has the A/B
 * (1840, 2760 and 3680 measured; 3680 cost the Redis front's GET P128 1.14x CPU a request).
 */
export const inlinedBytecodeBudgetBytes = 2760;

/** Sets the budget; call before the server runs requests (V8 reads it each time it optimizes). */
export function raiseInliningBudget(): void {
  setFlagsFromString(`--max-inlined-bytecode-size-cumulative=${inlinedBytecodeBudgetBytes}`);
}
