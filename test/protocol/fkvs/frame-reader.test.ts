import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maxPendingOutputBytes } from '../../../src/limits.js';
import { FeedResult, FrameReader, type FrameSink } from '../../../src/protocol/fkvs/frame-reader.js';
import { ArenaStore } from '../../../src/store/arena-store.js';
import { hex, lp, rep, req, Session } from '../../support/fkvs.js';
import { MapStore } from '../../support/map-store.js';
import { seededRandom } from '../../support/random.js';

/**
 * One hash seed for every store here, so KEYS lists in the same order in each session; look-ahead
 * on however small the table, so that every split and fuzzed stream also runs through it.
 */
const store = () =>
  new ArenaStore({ maxMemoryBytes: 256 * 1024 * 1024, hashSeed: 7, prefetchMinTableBytes: 0 });

/** A stream mixing every command, an empty frame, an unknown opcode and a large value. */
function mixedStream(): Buffer {
  return Buffer.concat([
    req.set('a', 'hello'),
    req.get('a'),
    hex('00 00'),
    req.incr('n'),
    hex('00 02 0e 00'),
    req.incrBy('n', '41'),
    req.set('big', 'x'.repeat(300), '100'),
    req.ttl('big'),
    req.ping(''),
    req.del('a'),
    req.get('a'),
    req.decrBy('n', '2'),
    req.persist('big'),
    req.expire('n', '5'),
    req.keys(),
  ]);
}

test('frames split at every byte boundary give the same replies as one read', () => {
  const stream = mixedStream();
  const whole = new Session(store()).send(stream);
  assert.ok(whole.length > 300);
  for (let cut = 1; cut < stream.length; cut++) {
    const s = new Session(store());
    assert.equal(s.send(stream.subarray(0, cut), stream.subarray(cut)), whole, `split at ${cut}`);
  }
  const bytewise = new Session(store());
  const chunks = [...stream].map((b) => Buffer.from([b]));
  assert.equal(bytewise.send(...chunks), whole, 'one byte per read');
  assert.equal(bytewise.reader.carriedBytes, 0);
});

test('1000 pipelined frames in one buffer are answered in order', () => {
  const frames: Buffer[] = [];
  const expected: string[] = [];
  for (let i = 0; i < 1000; i++) {
    frames.push(req.incr('counter'));
    expected.push(rep.value(String(i + 1)));
  }
  const s = new Session(store());
  assert.equal(s.send(Buffer.concat(frames)), expected.join(' '));
  assert.equal(s.info.commandsExecuted, 1000);
});

test('random bytes never throw, never hang, and keep the carry bounded', () => {
  const random = seededRandom('random bytes');
  for (let round = 0; round < 300; round++) {
    const s = new Session(store());
    const garbage = random.bytes(1 + (round % 50) * 97);
    let result: number = FeedResult.ok;
    for (let at = 0; at < garbage.length && result === FeedResult.ok; at += 13) {
      result = s.dispatcher.feed(s.reader, garbage, at, Math.min(13, garbage.length - at), s.out, s.nowMs);
      assert.ok(s.reader.carriedBytes <= 65536, random.at(`round ${round}`));
      s.out.consume(s.out.pendingBytes);
    }
    assert.ok(
      result === FeedResult.ok || result === FeedResult.closeFrameTooLarge,
      random.at(`round ${round}`),
    );
  }
});

test('a truncated frame waits for its end; the split prefix of core_len 65535 still closes', () => {
  const s = new Session(store());
  const set = req.set('k', 'v');
  assert.equal(s.send(set.subarray(0, set.length - 1)), '');
  assert.equal(s.reader.carriedBytes, set.length - 1);
  assert.equal(s.send(set.subarray(set.length - 1)), rep.value('v'));
  assert.equal(s.send(hex('ff')), '');
  assert.equal(s.lastResult, FeedResult.ok);
  s.send(hex('ff'));
  assert.equal(s.lastResult, FeedResult.closeFrameTooLarge);
});

test('pending output over the limit asks to close the connection', () => {
  const s = new Session(store());
  s.send(req.set('v', 'x'.repeat(60_000)));
  const gets = Buffer.concat(Array.from({ length: 20 }, () => req.get('v')));
  s.dispatcher.feed(s.reader, gets, 0, gets.length, s.out, s.nowMs);
  assert.ok(s.out.pendingBytes <= maxPendingOutputBytes);
  const more = Buffer.concat([gets, gets]);
  assert.equal(
    s.dispatcher.feed(s.reader, more, 0, more.length, s.out, s.nowMs),
    FeedResult.closeOutputLimit,
  );
});

test('the reader hands the sink each frame in place, copying only the split one', () => {
  const seen: Array<[Uint8Array, number, number]> = [];
  const sink: FrameSink = {
    onFrame: (bytes, at, core) => {
      seen.push([bytes, at, core]);
      return FeedResult.ok;
    },
  };
  const reader = new FrameReader();
  const chunk = Buffer.concat([req.ping('a'), req.ping('bb').subarray(0, 3)]);
  reader.feed(chunk, 0, chunk.length, sink);
  assert.equal(seen.length, 1);
  assert.equal(seen[0][0], chunk, 'in place');
  const rest = req.ping('bb').subarray(3);
  reader.feed(rest, 0, rest.length, sink);
  assert.equal(seen.length, 2);
  assert.notEqual(seen[1][0], rest, 'completed in the carry buffer');
  assert.equal(seen[1][2], 5);
});

/** Splits a reply stream into frames, checking each is one of the six shapes of spec 1.3. */
function replyFrames(stream: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  for (let at = 0; at < stream.length; ) {
    const core = stream.readUInt16BE(at);
    const frame = stream.subarray(at, at + 2 + core);
    assert.equal(frame.length, 2 + core, 'whole frames only');
    if (core === 1) assert.ok(frame[2] === 0 || frame[2] === 1, `short reply tag ${frame[2]}`);
    else {
      assert.ok([0x01, 0x05, 0x07, 0x0d].includes(frame[2]), `tag ${frame[2]}`);
      assert.equal(frame.readUInt16BE(3), core - 3, 'inner length is core_len - 3');
    }
    frames.push(frame);
    at += 2 + core;
  }
  return frames;
}

test('random frames: one well-formed reply per handled frame, the same on both stores, any chunking', () => {
  const words = [
    '',
    '0',
    '-1',
    '+7',
    '007',
    '-0',
    '9223372036854775807',
    '-9223372036854775808',
    'abc',
    ' 1',
    '10',
  ];
  const random = seededRandom('fuzzed streams');
  const next = (n: number) => random.int(n);
  for (let round = 0; round < 200; round++) {
    const field = () => {
      const pick = next(4);
      if (pick === 0) return Buffer.from(`k${next(8)}`);
      if (pick === 1) return Buffer.from(words[next(words.length)]);
      return random.bytes(next(40));
    };
    const frames: Buffer[] = [];
    let handled = 0;
    for (let i = 0; i < 60; i++) {
      // Opcodes 0x00-0x0e but INFO and KEYS, whose text differs between the two stores.
      let opcode = next(15);
      if (opcode === 0x07 || opcode === 0x0d) opcode = 0x02;
      const body = Buffer.concat([
        Buffer.from([opcode]),
        ...Array.from({ length: next(4) }, () => lp(field())),
      ]);
      // Now and then a length field that lies, or a frame cut short inside its core.
      if (next(8) === 0 && body.length > 2) body[1 + next(body.length - 1)] = next(256);
      const core = next(10) === 0 ? body.subarray(0, next(body.length + 1)) : body;
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(core.length);
      frames.push(prefix, core);
      if (core.length > 0 && core[0] >= 0x01 && core[0] <= 0x0d) handled++;
    }
    const stream = Buffer.concat(frames);
    const arena = new Session(store());
    const model = new Session(new MapStore());
    const chunks: Buffer[] = [];
    for (let at = 0; at < stream.length; ) {
      const n = 1 + next(300);
      chunks.push(stream.subarray(at, at + n));
      at += n;
    }
    const got = arena.send(...chunks);
    assert.equal(got, model.send(stream), random.at(`round ${round}: ArenaStore and MapStore agree`));
    assert.equal(
      replyFrames(hex(got)).length,
      handled,
      random.at(`round ${round}: one reply per handled frame`),
    );
    assert.equal(arena.reader.carriedBytes, 0);
  }
});
