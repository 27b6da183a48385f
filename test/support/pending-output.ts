import type { OutputBuffer } from '../../src/io/output-buffer.js';

/** Every pending byte of an output buffer in the order it is sent, pinned pieces included (a copy). */
export function pendingOutput(out: OutputBuffer): Buffer {
  const parts: Uint8Array[] = [];
  let from = out.start;
  for (let p = 0; p < out.pinnedCount; p++) {
    const at = out.start + out.pinnedAt[p];
    parts.push(out.bytes.subarray(from, at), out.pinned[p].subarray(out.pinnedStarts[p], out.pinnedEnds[p]));
    from = at;
  }
  parts.push(out.bytes.subarray(from, out.end));
  return Buffer.concat(parts);
}
