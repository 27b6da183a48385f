import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FeedResult } from '../../../src/protocol/fkvs/frame-reader.js';
import { frame, hex, rep, req, Session, storeKinds, toHex } from '../../support/fkvs.js';

for (const [kind, makeStore] of storeKinds) {
  describe(`FKVS conformance (${kind})`, () => {
    test('the hex examples of spec 1.4, in order', () => {
      const s = new Session(makeStore());
      const cases: Array<[string, string]> = [
        ['00 0C 01 00 02 6B 31 00 05 68 65 6C 6C 6F', '00 08 01 00 05 68 65 6C 6C 6F'],
        ['00 05 02 00 02 6B 31', '00 08 01 00 05 68 65 6C 6C 6F'],
        ['00 10 01 00 02 6B 31 00 05 68 65 6C 6C 6F 00 02 31 30', '00 08 01 00 05 68 65 6C 6C 6F'],
        ['00 04 03 00 01 6E', '00 04 01 00 01 31'],
        ['00 07 04 00 01 6E 00 01 35', '00 04 01 00 01 36'],
        ['00 04 06 00 01 6E', '00 04 01 00 01 35'],
        ['00 08 08 00 01 6E 00 02 2D 33', '00 04 01 00 01 38'],
        ['00 05 03 00 02 6B 31', '00 01 00'],
        ['00 07 05 00 04 50 4F 4E 47', '00 07 05 00 04 50 4F 4E 47'],
        ['00 05 05 00 02 68 69', '00 05 05 00 02 68 69'],
        ['00 03 05 00 00', '00 03 05 00 00'],
        ['00 05 0B 00 02 6B 31', '00 05 01 00 02 31 30'],
        ['00 05 0C 00 02 6B 31', '00 01 01'],
        ['00 05 0B 00 02 6B 31', '00 05 01 00 02 2D 31'],
        ['00 0A 0A 00 02 6B 31 00 03 31 30 30', '00 01 01'],
        ['00 05 09 00 02 6B 31', '00 01 01'],
        ['00 05 02 00 02 6B 31', '00 01 00'],
        ['00 05 0B 00 02 6B 31', '00 05 01 00 02 2D 32'],
        ['00 0A 0A 00 02 6B 31 00 03 31 30 30', '00 01 00'],
        ['00 05 09 00 02 6B 31', '00 01 01'],
        ['00 07 01 00 02 6B 31 00 00', '00 03 01 00 00'],
        ['00 0F 01 00 05 68 65 6C 6C 6F 00 05 77 6F 72 6C 64', '00 08 01 00 05 77 6F 72 6C 64'],
      ];
      for (const [request, reply] of cases) assert.equal(s.send(hex(request)), toHex(hex(reply)), request);
    });

    test('TTL after EXPIRE 100 is 99 a millisecond later (floor)', () => {
      const s = new Session(makeStore());
      s.send(req.set('k1', 'v'), req.expire('k1', '100'));
      s.nowMs += 1;
      assert.equal(s.send(req.ttl('k1')), rep.value('99'));
      s.nowMs += 99_000;
      assert.equal(s.send(req.ttl('k1')), rep.value('0'), 'last second');
      s.nowMs += 999;
      assert.equal(s.send(req.ttl('k1')), rep.value('-2'), 'deadline <= now');
    });

    test('KEYS: empty listing, then "1) key" lines without a trailing newline', () => {
      const s = new Session(makeStore());
      assert.equal(s.send(req.keys()), '00 03 0d 00 00');
      s.send(req.set('k1', 'a'), req.set('n', 'b'));
      const reply = hex(s.send(req.keys()).replace(/ /g, ''));
      assert.equal(reply.readUInt16BE(0), reply.length - 2);
      assert.equal(reply[2], 0x0d);
      assert.equal(reply.readUInt16BE(3), reply.length - 5);
      const lines = reply.subarray(5).toString('latin1').split('\n');
      assert.deepEqual(
        lines.map((l) => l.slice(0, 3)),
        ['1) ', '2) '],
      );
      assert.deepEqual(lines.map((l) => l.slice(3)).sort(), ['k1', 'n']);
      // The spec 1.4 example byte for byte, in either order (ours is not DJB2 bucket order).
      assert.ok(
        [
          '00 0d 0d 00 0a 31 29 20 6e 0a 32 29 20 6b 31',
          '00 0d 0d 00 0a 31 29 20 6b 31 0a 32 29 20 6e',
        ].includes(toHex(reply)),
      );
    });

    test('the conformance vectors of spec 8.3', () => {
      const s = new Session(makeStore());
      const v: Array<[Buffer[], string]> = [
        [[hex('00 00'), hex('00 03 05 00 00')], '00 03 05 00 00'],
        [[hex('00 01 0E'), req.ping('b')], rep.pong('b')],
        [[hex('00 01 05')], rep.err],
        [[hex('00 02 02 00')], rep.err],
        [[hex('00 03 03 00 00')], rep.err],
        [[hex('00 03 06 00 00')], '00 05 01 00 02 2d 31'],
        [[req.incrBy('nk', 'abc'), req.get('nk')], `${rep.err} 00 04 01 00 01 30`],
        [[req.set('p', '+007'), req.incr('p')], `${rep.value('+007')} ${rep.value('8')}`],
        [
          [req.set('m', '9223372036854775807'), req.incr('m')],
          `${rep.value('9223372036854775807')} ${rep.err}`,
        ],
        [
          [req.set('x', '1', '-0'), req.set('x', '1', ''), req.set('x', '1', '+5')],
          `${rep.err} ${rep.err} ${rep.value('1')}`,
        ],
        [[hex('00 02 0D 00')], rep.err],
        [[hex('00 03 07 7A 7A')], 'info'],
        [[hex('00 09 05 00 02 68 69 01 02 03 04')], rep.pong('hi')],
        [[req.set('t', '5', '100'), req.incr('t')], `${rep.value('5')} ${rep.value('6')}`],
        [[req.ttl('t')], rep.value('99')], // a millisecond later: INCR kept the deadline
        [
          [req.set('neg', '-5'), req.decrBy('neg', '-9223372036854775808')],
          `${rep.value('-5')} ${rep.value('9223372036854775803')}`,
        ],
        [
          [req.set('big', '9223372036854775808'), req.incr('big')],
          `${rep.value('9223372036854775808')} ${rep.err}`,
        ],
        [[req.incrBy('nk2', ' 1')], rep.err],
        [[req.set('e', 'v'), req.expire('e', '9223372036854775')], `${rep.value('v')} ${rep.err}`],
      ];
      for (const [requests, expected] of v) {
        const got = s.send(...requests);
        if (expected === 'info') assert.match(got, /^0[0-9a-f] [0-9a-f]{2} 07 /, 'INFO frame');
        else assert.equal(got, expected, requests.map(toHex).join(' | '));
        s.nowMs += 1; // TTL "99" a millisecond after SET EX 100
      }
    });

    test('SET with exactly one stray byte after the value is an error (spec 7 row 21)', () => {
      const s = new Session(makeStore());
      const stray = Buffer.concat([hex('00 08 01 00 01 78 00 01 31 00')]);
      assert.equal(s.send(stray), rep.err);
      assert.equal(s.send(req.get('x')), rep.err, 'nothing stored');
      const junkAfterEx = Buffer.concat([hex('00 0d 01 00 01 78 00 01 31 00 02 31 30 ff ff')]);
      assert.equal(s.send(junkAfterEx), rep.value('1'), 'junk after a complete EX field is ignored');
    });

    test('the largest frame: SET with k=1 and v=65528 echoes with core_len 0xFFFB', () => {
      const s = new Session(makeStore());
      const value = 'v'.repeat(65528);
      const request = req.set('k', value);
      assert.equal(request.length, 65536);
      const reply = s.send(request);
      assert.equal(reply.slice(0, 8), 'ff fb 01');
      assert.equal(s.send(req.get('k')).length, reply.length);
    });

    test('core_len 65535 closes the connection; replies of earlier frames stay queued', () => {
      const s = new Session(makeStore());
      const got = s.send(Buffer.concat([req.ping('a'), hex('FF FF 01 02 03')]));
      assert.equal(s.lastResult, FeedResult.closeFrameTooLarge);
      assert.equal(got, rep.pong('a'));
    });

    test('unknown opcodes and empty frames get no reply but are counted', () => {
      const s = new Session(makeStore());
      const unknown = [0x00, 0x0e, 0x7f, 0xff].map((op) => frame(op, 'x'));
      assert.equal(s.send(hex('00 00'), ...unknown, req.ping('z')), rep.pong('z'));
      assert.equal(s.info.commandsExecuted, 6);
    });

    test('frame matrix of spec 3.12: short frames and lengths past the frame are errors', () => {
      const s = new Session(makeStore());
      for (const op of [1, 2, 3, 4, 5, 6, 8, 9, 0x0a, 0x0b, 0x0c]) {
        const one = Buffer.from([0, 1, op]);
        const two = Buffer.from([0, 2, op, 0]);
        assert.equal(s.send(one), rep.err, `op ${op} core_len 1`);
        assert.equal(s.send(two), rep.err, `op ${op} core_len 2`);
        const overrun = Buffer.from([0, 4, op, 0, 9, 0x61]); // key length 9, one byte there
        assert.equal(s.send(overrun), rep.err, `op ${op} key past the frame`);
      }
      // The second field overrunning the frame.
      for (const op of [1, 4, 8, 0x0a]) {
        assert.equal(s.send(Buffer.from([0, 6, op, 0, 1, 0x61, 0, 5])), rep.err, `op ${op} 2nd field`);
      }
      assert.equal(
        s.send(Buffer.from([0, 5, 1, 0, 1, 0x61, 0])),
        rep.err,
        'SET without room for value length',
      );
      // SET EX field overrunning.
      assert.equal(s.send(Buffer.from([0, 9, 1, 0, 1, 0x61, 0, 1, 0x62, 0, 3])), rep.err);
    });

    test('GET of a key missing, expired, or holding an empty string', () => {
      const s = new Session(makeStore());
      assert.equal(s.send(req.get('nope')), rep.err);
      assert.equal(s.send(req.set('e', '')), '00 03 01 00 00');
      assert.equal(s.send(req.get('e')), '00 03 01 00 00', 'VALUE with n=0, not OK');
      assert.equal(
        s.send(req.set('z', '1', '0'), req.get('z'), req.ttl('z')),
        `${rep.value('1')} ${rep.err} ${rep.value('-2')}`,
      );
    });
  });
}
