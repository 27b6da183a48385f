/** Below this length a byte loop beats TypedArray.set on a fresh subarray view (and allocates nothing). */
const loopCopyMaxBytes = 64;

export function copyBytes(
  from: Uint8Array,
  fromOffset: number,
  to: Uint8Array,
  toOffset: number,
  length: number,
): void {
  if (length <= loopCopyMaxBytes) {
    for (let i = 0; i < length; i++) to[toOffset + i] = from[fromOffset + i];
  } else {
    to.set(from.subarray(fromOffset, fromOffset + length), toOffset);
  }
}
