import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseMix } from '../../src/benchmark/args.js';
import { BatchBuffer } from '../../src/benchmark/batch.js';
import { RandomKeys } from '../../src/benchmark/random-keys.js';
import { ReplyChecker } from '../../src/benchmark/reply-checker.js';
import { Workload } from '../../src/benchmark/workload.js';
import { hex, toHex } from '../support/fkvs.js';

const seed = hex('171a7ad8d37fada4 13b2293a2aca79a0');

describe('fkvs-benchmark requests (spec 6.2)', () => {
  test('ping and set send the exact bytes of the original, with the expected replies', () => {
    const ping = new Workload(parseMix('ping'), false).pattern[0];
    assert.equal(toHex(ping.frame), '00 03 05 00 00');
    assert.equal(toHex(ping.expected!), '00 03 05 00 00');
    const set = new Workload(parseMix('set'), false).pattern[0];
    assert.equal(toHex(set.frame), toHex(hex('00 0F 01 00 05 68656c6c6f 00 05 776f726c64')));
    assert.equal(toHex(set.expected!), toHex(hex('00 08 01 00 05 776f726c64')));
  });

  test('set -r: a 44-byte frame with a 32-hex-char key', () => {
    const workload = new Workload(parseMix('set'), true);
    const [set] = workload.pattern;
    assert.equal(set.frame.length, 44);
    assert.equal(toHex(set.frame.subarray(0, 5)), '00 2a 01 00 20');
    assert.deepEqual(set.keyOffsets, [5]);
    assert.match(Buffer.from(set.frame.subarray(5, 37)).toString('latin1'), /^[0-9a-f]{32}$/);
    assert.equal(toHex(set.frame.subarray(37)), toHex(hex('00 05 776f726c64')));
  });

  test('get and incr: their setup, and the replies they expect with and without -r', () => {
    const get = new Workload(parseMix('get'), false);
    assert.equal(toHex(get.setup[0].frame), toHex(hex('00 0F 01 00 05 68656c6c6f 00 05 776f726c64')));
    assert.equal(toHex(get.pattern[0].frame), toHex(hex('00 08 02 00 05 68656c6c6f')));
    assert.equal(toHex(get.pattern[0].expected!), toHex(hex('00 08 01 00 05 776f726c64')));
    const incr = new Workload(parseMix('incr'), false);
    assert.equal(toHex(incr.setup[0].frame), toHex(hex('00 0D 01 00 07 636f756e746572 00 01 30')));
    assert.equal(toHex(incr.pattern[0].frame), toHex(hex('00 0A 03 00 07 636f756e746572')));
    assert.equal(incr.pattern[0].expected, null);
    assert.equal(toHex(new Workload(parseMix('get'), true).pattern[0].expected!), '00 01 00');
    assert.equal(toHex(new Workload(parseMix('incr'), true).pattern[0].expected!), '00 04 01 00 01 31');
    assert.equal(new Workload(parseMix('get,incr'), true).setup.length, 0);
  });

  test('a mix repeats its weights in order', () => {
    const workload = new Workload(parseMix('get:2,set,ping'), false);
    assert.deepEqual(
      workload.pattern.map((t) => t.frame[2]),
      [2, 2, 1, 5],
    );
  });
});

describe('fkvs-benchmark random keys', () => {
  test("the original's format: prefix then counter, +1 per key, carrying into the high half", () => {
    const keys = new RandomKeys(hex('171a7ad8d37fada4 00000001ffffffff'));
    const key = new Uint8Array(32);
    keys.writePrefix(key, 0);
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      keys.writeNext(key, 0);
      seen.push(Buffer.from(key).toString('latin1'));
    }
    assert.deepEqual(seen, [
      '171a7ad8d37fada400000001ffffffff',
      '171a7ad8d37fada40000000200000000',
      '171a7ad8d37fada40000000200000001',
    ]);
  });

  test('the counter wraps at 2^64', () => {
    const keys = new RandomKeys(hex('0000000000000000 ffffffffffffffff'));
    const key = new Uint8Array(32);
    keys.writeNext(key, 0);
    keys.writeNext(key, 0);
    assert.equal(Buffer.from(key.subarray(16)).toString('latin1'), '0000000000000000');
  });

  test('a million keys: the counter half steps by one each time', () => {
    const keys = new RandomKeys(seed);
    const key = new Uint8Array(32);
    keys.writePrefix(key, 0);
    keys.writeNext(key, 0);
    const first = BigInt(`0x${Buffer.from(key.subarray(16)).toString('latin1')}`);
    for (let i = 1; i < 1_000_000; i++) keys.writeNext(key, 0);
    assert.equal(Buffer.from(key.subarray(0, 16)).toString('latin1'), '171a7ad8d37fada4');
    assert.equal(BigInt(`0x${Buffer.from(key.subarray(16)).toString('latin1')}`), first + 999_999n);
  });
});

describe('fkvs-benchmark batch buffers', () => {
  test('any batch of up to the depth, from any pattern position, is one contiguous range', () => {
    const workload = new Workload(parseMix('get:2,set,ping'), false);
    const depth = 5;
    const batch = new BatchBuffer(workload.pattern, depth);
    for (let first = 0; first < workload.pattern.length; first++) {
      for (let count = 1; count <= depth; count++) {
        const expected = Buffer.concat(
          Array.from(
            { length: count },
            (_, i) => workload.pattern[(first + i) % workload.pattern.length].frame,
          ),
        );
        const got = batch.bytes.subarray(batch.frameStart(first), batch.frameStart(first + count));
        assert.equal(toHex(got), toHex(expected), `first ${first} count ${count}`);
      }
    }
  });

  test('-r: each request of a batch gets the next key; ping slots are left alone', () => {
    const workload = new Workload(parseMix('set,ping'), true);
    const batch = new BatchBuffer(workload.pattern, 4);
    batch.writeKeys(workload.keys!, 0, 4);
    const text = Buffer.from(batch.bytes.subarray(0, batch.frameStart(4))).toString('latin1');
    const keys = [...text.matchAll(/[0-9a-f]{32}/g)].map((m) => m[0]);
    assert.equal(keys.length, 2);
    assert.equal(BigInt(`0x${keys[1].slice(16)}`) - BigInt(`0x${keys[0].slice(16)}`), 1n);
    assert.equal(toHex(batch.bytes.subarray(batch.frameStart(1), batch.frameStart(2))), '00 03 05 00 00');
  });
});

describe('fkvs-benchmark reply checking', () => {
  const mix = new Workload(parseMix('set,incr,ping'), false).pattern;
  const good = hex('00 08 01 00 05 776f726c64  00 06 01 00 03 2d3432  00 03 05 00 00');

  test('right replies, fed whole and split at every byte boundary', () => {
    const whole = new ReplyChecker(mix);
    assert.equal(whole.feed(good, 0, good.length), 3);
    assert.deepEqual([whole.ok, whole.wrong], [3, 0]);
    for (let cut = 1; cut < good.length; cut++) {
      const checker = new ReplyChecker(mix);
      const stream = Buffer.concat([Buffer.alloc(3), good]); // offsets other than 0
      const replies = checker.feed(stream, 3, cut) + checker.feed(stream, 3 + cut, good.length - cut);
      assert.equal(replies, 3, `cut ${cut}`);
      assert.deepEqual([checker.ok, checker.wrong], [3, 0], `cut ${cut}`);
    }
    const bytewise = new ReplyChecker(mix);
    let replies = 0;
    for (let i = 0; i < good.length; i++) replies += bytewise.feed(good, i, 1);
    assert.deepEqual([replies, bytewise.ok, bytewise.wrong], [3, 3, 0]);
  });

  test('wrong replies count as wrong and keep the stream aligned', () => {
    const checker = new ReplyChecker(mix);
    const replies = hex(
      '00 01 00  00 04 01 00 01 78  00 03 05 00 00  00 08 01 00 05 776f726c65  00 06 01 00 03 2d3432  00 05 05 00 02 6869',
    );
    assert.equal(checker.feed(replies, 0, replies.length), 6);
    assert.deepEqual([checker.ok, checker.wrong], [2, 4]);
  });

  test('a split reply longer than any expected one is skipped, counted once as wrong', () => {
    const long = Buffer.concat([
      hex('01 03 01 01 00'),
      Buffer.alloc(256, 0x61),
      hex('00 06 01 00 03 2d3432'),
    ]);
    for (const cut of [1, 2, 3, 100]) {
      const checker = new ReplyChecker(mix);
      const replies = checker.feed(long, 0, cut) + checker.feed(long, cut, long.length - cut);
      assert.deepEqual([replies, checker.ok, checker.wrong], [2, 1, 1], `cut ${cut}`);
    }
  });
});
