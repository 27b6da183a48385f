/**
 * CRC-64 with Jones's coefficients, the checksum of Redis's RDB files (crc64.c): reflected
 * polynomial 0x95ac9329ac4bc9b5, initial value 0, no final xor; check value of "123456789" is
 * 0xe9c6d914c4b8d9ca. Table-driven, one byte per step. The 64-bit state is two unsigned 32-bit
 * halves: BigInt arithmetic would allocate per byte.
 */

const polyHigh = 0x95ac9329;
const polyLow = 0xac4bc9b5;

const tableHigh = new Uint32Array(256);
const tableLow = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  let high = 0;
  let low = i;
  for (let bit = 0; bit < 8; bit++) {
    const carry = low & 1;
    low = ((low >>> 1) | (high << 31)) >>> 0;
    high >>>= 1;
    if (carry) {
      low = (low ^ polyLow) >>> 0;
      high = (high ^ polyHigh) >>> 0;
    }
  }
  tableHigh[i] = high;
  tableLow[i] = low;
}

/** A running CRC-64 over bytes given in any number of pieces. */
export class Crc64 {
  high = 0;
  low = 0;

  update(bytes: Uint8Array, offset: number, length: number): void {
    let high = this.high;
    let low = this.low;
    const end = offset + length;
    for (let i = offset; i < end; i++) {
      const index = (low ^ bytes[i]) & 0xff;
      low = (((low >>> 8) | (high << 24)) ^ tableLow[index]) >>> 0;
      high = ((high >>> 8) ^ tableHigh[index]) >>> 0;
    }
    this.high = high;
    this.low = low;
  }

  /** Writes the checksum as RDB stores it: 8 bytes, little-endian. */
  writeLittleEndian(to: Uint8Array, offset: number): void {
    writeUint32LittleEndian(to, offset, this.low);
    writeUint32LittleEndian(to, offset + 4, this.high);
  }

  /** Whether the 8 little-endian bytes at offset hold this checksum. */
  equalsLittleEndian(bytes: Uint8Array, offset: number): boolean {
    return (
      readUint32LittleEndian(bytes, offset) === this.low &&
      readUint32LittleEndian(bytes, offset + 4) === this.high
    );
  }

  /** 16 hex digits, as redis-check-rdb prints a checksum. */
  hex(): string {
    return this.high.toString(16).padStart(8, '0') + this.low.toString(16).padStart(8, '0');
  }
}

export function writeUint32LittleEndian(to: Uint8Array, offset: number, value: number): void {
  to[offset] = value & 0xff;
  to[offset + 1] = (value >>> 8) & 0xff;
  to[offset + 2] = (value >>> 16) & 0xff;
  to[offset + 3] = (value >>> 24) & 0xff;
}

export function readUint32LittleEndian(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 24)) >>> 0
  );
}
