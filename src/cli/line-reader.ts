/** Yielded for a line longer than the limit; its bytes were dropped as they arrived. */
export const lineTooLong = Symbol('line too long');

/**
 * Splits a byte stream into lines (\n, a trailing \r removed) holding at most maxLineBytes of
 * one line in memory: the rest of a longer line is discarded and lineTooLong is yielded in its
 * place. A last line without a newline is yielded too. The caller's pace pulls the stream.
 */
export async function* readLines(
  input: AsyncIterable<Buffer>,
  maxLineBytes: number,
): AsyncGenerator<string | typeof lineTooLong> {
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  const take = () => {
    const line = tooLong ? lineTooLong : Buffer.concat(parts, size).toString('utf8').replace(/\r$/, '');
    parts = [];
    size = 0;
    tooLong = false;
    return line;
  };
  for await (const chunk of input) {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline < 0 ? chunk.length : newline;
      if (!tooLong) {
        if (size + (end - start) > maxLineBytes) {
          tooLong = true;
          parts = [];
          size = 0;
        } else if (end > start) {
          parts.push(chunk.subarray(start, end));
          size += end - start;
        }
      }
      if (newline < 0) break;
      yield take();
      start = newline + 1;
    }
  }
  if (size > 0 || tooLong) yield take();
}
