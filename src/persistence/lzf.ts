/**
 * LZF decompression (liblzf's lzf_d.c format), for strings Redis stored compressed (rdbcompression
 * yes, strings over 20 bytes). A control byte below 32 starts a literal run of control + 1 bytes;
 * otherwise its top 3 bits are a match length - 2 (7: one more length byte follows) and its low 5
 * bits with the next byte the distance - 1 back into the output.
 *
 * Returns the number of bytes written, or -1 when the input is malformed or does not decompress
 * to exactly outLength bytes.
 */
export function lzfDecompress(
  input: Uint8Array,
  inOffset: number,
  inLength: number,
  out: Uint8Array,
  outOffset: number,
  outLength: number,
): number {
  let ip = inOffset;
  const inEnd = inOffset + inLength;
  let op = outOffset;
  const outEnd = outOffset + outLength;
  while (ip < inEnd) {
    const control = input[ip++];
    if (control < 32) {
      const run = control + 1;
      if (op + run > outEnd || ip + run > inEnd) return -1;
      for (let i = 0; i < run; i++) out[op++] = input[ip++];
    } else {
      let length = control >>> 5;
      if (ip >= inEnd) return -1;
      if (length === 7) {
        length += input[ip++];
        if (ip >= inEnd) return -1;
      }
      const back = ((control & 0x1f) << 8) + input[ip++] + 1;
      length += 2;
      let ref = op - back;
      if (ref < outOffset || op + length > outEnd) return -1;
      // Byte by byte: a match may overlap the bytes it produces (a run of one repeated byte).
      for (let i = 0; i < length; i++) out[op++] = out[ref++];
    }
  }
  return op === outEnd ? op - outOffset : -1;
}
