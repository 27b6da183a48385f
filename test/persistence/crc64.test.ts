import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Crc64 } from '../../src/persistence/crc64.js';
import { seededRandom } from '../support/random.js';

/** Redis's bit-at-a-time _crc64 (crc64.c), as an independent reference for the table-driven one. */
function referenceCrc64(bytes: Uint8Array): bigint {
  const poly = 0xad93d23594c935a9n;
  const mask = (1n << 64n) - 1n;
  let crc = 0n;
  for (const c of bytes) {
    for (let i = 0x01; i & 0xff; i <<= 1) {
      let bit = (crc & 0x8000000000000000n) !== 0n;
      if (c & i) bit = !bit;
      crc = (crc << 1n) & mask;
      if (bit) crc ^= poly;
    }
  }
  let reflected = 0n;
  for (let i = 0n; i < 64n; i++) if (crc & (1n << i)) reflected |= 1n << (63n - i);
  return reflected;
}

function crcOf(bytes: Uint8Array, pieces = 1): string {
  const crc = new Crc64();
  const step = Math.ceil(bytes.length / pieces);
  for (let at = 0; at < bytes.length; at += step) crc.update(bytes, at, Math.min(step, bytes.length - at));
  return crc.hex();
}

test('CRC-64 (Jones) of "123456789" is the check value of Redis crc64.c', () => {
  assert.equal(crcOf(Buffer.from('123456789')), 'e9c6d914c4b8d9ca');
  assert.equal(new Crc64().hex(), '0000000000000000');
});

test('CRC-64 matches the bit-at-a-time reference on seeded random bytes, in one piece or many', () => {
  const seed = Number(process.env.FKVS_TEST_SEED ?? Date.now() % 1_000_000);
  console.log(`seed ${seed} (FKVS_TEST_SEED replays it)`);
  let s = seed;
  const random = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s >>> 16;
  };
  for (let round = 0; round < 20; round++) {
    const bytes = new Uint8Array(random() % 300).map(() => random() & 0xff);
    const expected = referenceCrc64(bytes).toString(16).padStart(16, '0');
    assert.equal(crcOf(bytes), expected);
    assert.equal(crcOf(bytes, 7), expected);
  }
});

test('CRC-64 written little-endian, as the RDB trailer, reads back equal', () => {
  const crc = new Crc64();
  crc.update(Buffer.from('123456789'), 0, 9);
  const out = new Uint8Array(8);
  crc.writeLittleEndian(out, 0);
  assert.equal(Buffer.from(out).toString('hex'), 'cad9b8c414d9c6e9');
  assert.ok(crc.equalsLittleEndian(out, 0));
  out[7] ^= 1;
  assert.ok(!crc.equalsLittleEndian(out, 0));
});

/** The byte-at-a-time table CRC this module had before slice-by-8 (one table, one byte a step). */
function byteAtATimeCrc64(bytes: Uint8Array, offset: number, length: number): string {
  const high = new Uint32Array(256);
  const low = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let h = 0;
    let l = i;
    for (let bit = 0; bit < 8; bit++) {
      const carry = l & 1;
      l = ((l >>> 1) | (h << 31)) >>> 0;
      h >>>= 1;
      if (carry) {
        l = (l ^ 0xac4bc9b5) >>> 0;
        h = (h ^ 0x95ac9329) >>> 0;
      }
    }
    high[i] = h;
    low[i] = l;
  }
  let h = 0;
  let l = 0;
  for (let i = offset; i < offset + length; i++) {
    const index = (l ^ bytes[i]) & 0xff;
    l = (((l >>> 8) | (h << 24)) ^ low[index]) >>> 0;
    h = ((h >>> 8) ^ high[index]) >>> 0;
  }
  return h.toString(16).padStart(8, '0') + l.toString(16).padStart(8, '0');
}

test('slice-by-8 equals the byte-at-a-time table on 1 MiB of seeded bytes, at every alignment and split', () => {
  const random = seededRandom('crc64 slice-by-8');
  const bytes = random.bytes(1 << 20);
  for (let round = 0; round < 40; round++) {
    const offset = random.int(64);
    const length = random.int(bytes.length - offset);
    const crc = new Crc64();
    let at = offset;
    while (at < offset + length) {
      const n = Math.min(1 + random.int(round < 20 ? 20 : 100_000), offset + length - at);
      crc.update(bytes, at, n);
      at += n;
    }
    assert.equal(crc.hex(), byteAtATimeCrc64(bytes, offset, length), random.at(`round ${round}`));
  }
});
