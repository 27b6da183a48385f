import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArenaStore } from '../../../src/store/arena-store.js';
import { maxPrefetchKeys, unknownHash } from '../../../src/store/store-api.js';
import { frame, hex, rep, req, Session } from '../../support/fkvs.js';
import { MapStore } from '../../support/map-store.js';

/** An ArenaStore that records, for each keyed call, the key and the hash the dispatcher passed. */
class HashRecordingStore extends ArenaStore {
  readonly calls: Array<{ key: string; hash: number }> = [];

  constructor() {
    super({ maxMemoryBytes: 256 * 1024 * 1024, hashSeed: 11, prefetchMinTableBytes: 0 });
  }

  /** The store's own hash of a key, through the public prefetch. */
  storeHash(key: string): number {
    const hashes = new Int32Array(1);
    this.prefetch(Buffer.from(key, 'latin1'), new Int32Array([0]), new Int32Array([key.length]), 1, hashes);
    return hashes[0];
  }

  private record(key: Uint8Array, offset: number, length: number, hash: number): void {
    this.calls.push({ key: Buffer.from(key.subarray(offset, offset + length)).toString('latin1'), hash });
  }

  override find(key: Uint8Array, offset: number, length: number, hash = unknownHash): number {
    this.record(key, offset, length, hash);
    return super.find(key, offset, length, hash);
  }

  override findIncludingExpired(key: Uint8Array, offset: number, length: number, hash = unknownHash): number {
    this.record(key, offset, length, hash);
    return super.findIncludingExpired(key, offset, length, hash);
  }

  override set(
    key: Uint8Array,
    offset: number,
    length: number,
    value: Uint8Array,
    valueOffset: number,
    valueLength: number,
    deadlineMs: number,
    hash = unknownHash,
  ): number {
    this.record(key, offset, length, hash);
    return super.set(key, offset, length, value, valueOffset, valueLength, deadlineMs, hash);
  }

  override delete(key: Uint8Array, offset: number, length: number, hash = unknownHash): boolean {
    this.record(key, offset, length, hash);
    return super.delete(key, offset, length, hash);
  }
}

/**
 * Keyed frames among frames the look-ahead must step over without taking a key: an empty key
 * that ends its frame, a frame whose key length lies, keyless and unknown opcodes, an empty frame.
 */
function awkwardStream(): Buffer {
  return Buffer.concat([
    req.get(''),
    req.set('a', '1'),
    req.ping('p'),
    hex('00 05 09 00 09 61 62'), // DEL claiming a 9-byte key in a 5-byte core
    req.incr('a'),
    hex('00 00'),
    frame(0x0e, 'x'),
    req.del(''),
    req.incrBy('b', '5'),
    req.expire('b', '100'),
    req.ttl('b'),
    req.persist('b'),
    req.get('a'),
    req.get('b'),
  ]);
}

test('every keyed command gets its own key hash from the look-ahead, past awkward frames', () => {
  const store = new HashRecordingStore();
  const stream = awkwardStream();
  new Session(store).send(stream);
  assert.ok(store.calls.length >= 10);
  for (const { key, hash } of store.calls) {
    assert.equal(hash, store.storeHash(key), `hash passed with key "${key}"`);
  }
});

test('replies with the look-ahead equal the model store over any split, and across windows', () => {
  const frames = [awkwardStream()];
  // More keyed frames than one look-ahead takes, so that later windows start mid-chunk.
  for (let i = 0; i < 3 * maxPrefetchKeys; i++)
    frames.push(req.incr(`k${i % 70}`), req.get(`k${(i * 7) % 70}`));
  const stream = Buffer.concat(frames);
  const model = new Session(new MapStore()).send(stream);
  assert.equal(new Session(new HashRecordingStore()).send(stream), model, 'one read');
  for (const cut of [1, 7, 100, 1000, stream.length - 3]) {
    const s = new Session(new HashRecordingStore());
    assert.equal(s.send(stream.subarray(0, cut), stream.subarray(cut)), model, `split at ${cut}`);
  }
});

test('a frame carried across reads is hashed by the store itself', () => {
  const store = new HashRecordingStore();
  const set = req.set('carried', 'v');
  const s = new Session(store);
  assert.equal(
    s.send(set.subarray(0, 4), Buffer.concat([set.subarray(4), req.get('carried')])),
    `${rep.value('v')} ${rep.value('v')}`,
  );
  assert.deepEqual(
    store.calls.map((c) => [c.key, c.hash]),
    [
      ['carried', unknownHash],
      ['carried', store.storeHash('carried')],
    ],
  );
});
