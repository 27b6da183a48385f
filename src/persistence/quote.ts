import { maxQuotedKeyBytes } from '../limits.js';

/** A key as error messages show it: in double quotes, printable ASCII as is, other bytes as \xHH, cut after maxQuotedKeyBytes. */
export function quoteBytes(bytes: Uint8Array, offset: number, length: number): string {
  let text = '"';
  const shown = Math.min(length, maxQuotedKeyBytes);
  for (let i = offset; i < offset + shown; i++) {
    const b = bytes[i];
    if (b === 0x22 || b === 0x5c) text += `\\${String.fromCharCode(b)}`;
    else if (b >= 0x20 && b < 0x7f) text += String.fromCharCode(b);
    else text += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `${text}"${length > shown ? `... (${length} bytes)` : ''}`;
}
