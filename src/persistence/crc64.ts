/**
 * CRC-64 with Jones's coefficients, the checksum of Redis's RDB files (crc64.c): reflected
 * polynomial 0x95ac9329ac4bc9b5, initial value 0, no final xor; check value of "123456789" is
 * 0xe9c6d914c4b8d9ca. Table-driven, eight bytes per step (slice-by-8). The 64-bit state is two
 * 32-bit halves: BigInt arithmetic would allocate per byte.
 */

const polyHigh = 0x95ac9329;
const polyLow = 0xac4bc9b5;

/**
 * Slice-by-8 tables: table k (entries k*256 ... k*256+255) advances the CRC of one byte followed
 * by k zero bytes. Table 0 is the byte-at-a-time table.
 */
const tableHigh = new Int32Array(8 * 256);
const tableLow = new Int32Array(8 * 256);
for (let i = 0; i < 256; i++) {
  let high = 0;
  let low = i;
  for (let bit = 0; bit < 8; bit++) {
    const carry = low & 1;
    low = (low >>> 1) | (high << 31);
    high >>>= 1;
    if (carry) {
      low ^= polyLow;
      high ^= polyHigh;
    }
  }
  tableHigh[i] = high;
  tableLow[i] = low;
}
for (let k = 1; k < 8; k++) {
  for (let i = 0; i < 256; i++) {
    const high = tableHigh[(k - 1) * 256 + i];
    const low = tableLow[(k - 1) * 256 + i];
    const index = low & 0xff;
    tableLow[k * 256 + i] = ((low >>> 8) | (high << 24)) ^ tableLow[index];
    tableHigh[k * 256 + i] = (high >>> 8) ^ tableHigh[index];
  }
}

/** A running CRC-64 over bytes given in any number of pieces. */
export class Crc64 {
  high = 0;
  low = 0;

  /**
   * Eight bytes a step (slice-by-8: the state xor the next 8 bytes, each byte through its table),
   * then the tail a byte at a time. The halves are kept as int32 inside the loop.
   */
  update(bytes: Uint8Array, offset: number, length: number): void {
    let high = this.high | 0;
    let low = this.low | 0;
    const end = offset + length;
    let i = offset;
    for (const end8 = end - 7; i < end8; i += 8) {
      const a = low ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
      const b = high ^ (bytes[i + 4] | (bytes[i + 5] << 8) | (bytes[i + 6] << 16) | (bytes[i + 7] << 24));
      const i7 = 7 * 256 + (a & 0xff);
      const i6 = 6 * 256 + ((a >>> 8) & 0xff);
      const i5 = 5 * 256 + ((a >>> 16) & 0xff);
      const i4 = 4 * 256 + (a >>> 24);
      const i3 = 3 * 256 + (b & 0xff);
      const i2 = 2 * 256 + ((b >>> 8) & 0xff);
      const i1 = 256 + ((b >>> 16) & 0xff);
      const i0 = b >>> 24;
      low =
        tableLow[i7] ^
        tableLow[i6] ^
        tableLow[i5] ^
        tableLow[i4] ^
        tableLow[i3] ^
        tableLow[i2] ^
        tableLow[i1] ^
        tableLow[i0];
      high =
        tableHigh[i7] ^
        tableHigh[i6] ^
        tableHigh[i5] ^
        tableHigh[i4] ^
        tableHigh[i3] ^
        tableHigh[i2] ^
        tableHigh[i1] ^
        tableHigh[i0];
    }
    for (; i < end; i++) {
      const index = (low ^ bytes[i]) & 0xff;
      low = ((low >>> 8) | (high << 24)) ^ tableLow[index];
      high = (high >>> 8) ^ tableHigh[index];
    }
    this.high = high >>> 0;
    this.low = low >>> 0;
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
