import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { maxKeysListingBytes } from '../../src/limits.js';
import { ArenaStore } from '../../src/store/arena-store.js';
import { hex, rep, req, Session, storeKinds } from '../support/fkvs.js';

for (const [kind, makeStore] of storeKinds) {
  describe(`command semantics (${kind})`, () => {
    test('INCR family: exact int64 edges, strict decimals, errors leave the value', () => {
      const s = new Session(makeStore());
      const cases: Array<[Buffer, string]> = [
        [req.set('i', '9007199254740991'), rep.value('9007199254740991')],
        [req.incr('i'), rep.value('9007199254740992')],
        [req.incrBy('i', '9214364837600034815'), rep.value('9223372036854775807')],
        [req.incr('i'), rep.err],
        [req.get('i'), rep.value('9223372036854775807')],
        [req.set('j', '-9223372036854775808'), rep.value('-9223372036854775808')],
        [req.decr('j'), rep.err],
        [req.decrBy('j', '1'), rep.err],
        [req.incrBy('j', '9223372036854775807'), rep.value('-1')],
        [req.set('z', '-0'), rep.value('-0')],
        [req.incr('z'), rep.value('1')],
        [req.set('w', '00000000000000000000000000042'), rep.value('00000000000000000000000000042')],
        [req.decr('w'), rep.value('41')],
        [req.incrBy('w', '+1'), rep.value('42')],
        [req.incrBy('w', '1.5'), rep.err],
        [req.incrBy('w', '0x10'), rep.err],
        [req.incrBy('w', '-'), rep.err],
        [req.incrBy('w', ''), rep.err],
        [req.incrBy('w', '9223372036854775808'), rep.err],
        [req.get('w'), rep.value('42')],
        [req.set('r', 'hello'), rep.value('hello')],
        [req.incr('r'), rep.err],
        [req.decrBy('r', '1'), rep.err],
        [req.get('r'), rep.value('hello')],
        [req.decr(''), '00 05 01 00 02 2d 31'],
        [req.incrBy('', '5'), rep.value('4')],
      ];
      for (const [request, reply] of cases) assert.equal(s.send(request), reply, request.toString('latin1'));
    });

    test('INCRBY on a missing key stores "0" even when the delta is bad (spec 3.4)', () => {
      const s = new Session(makeStore());
      assert.equal(s.send(req.decrBy('q', 'x'), req.get('q')), `${rep.err} ${rep.value('0')}`);
    });

    test('EXPIRE and PERSIST revive an expired key not yet reclaimed (spec 3.6, 7 row 6)', () => {
      const s = new Session(makeStore());
      assert.equal(
        s.send(req.set('z', '1', '0'), req.expire('z', '100'), req.get('z')),
        `${rep.value('1')} ${rep.ok} ${rep.value('1')}`,
      );
      assert.equal(
        s.send(req.set('y', '1', '0'), req.persist('y'), req.ttl('y')),
        `${rep.value('1')} ${rep.ok} ${rep.value('-1')}`,
      );
      assert.equal(s.send(req.expire('never', '5'), req.persist('never')), `${rep.err} ${rep.ok}`);
    });

    test('EXPIRE and SET EX seconds: sign rules, 31 digits, overflow of now + s*1000', () => {
      const s = new Session(makeStore());
      s.send(req.set('k', 'v'));
      const digits31 = `+${'0'.repeat(29)}7`;
      const cases: Array<[string, string]> = [
        ['+5', rep.ok],
        ['-0', rep.err],
        ['-5', rep.err],
        ['', rep.err],
        [' 5', rep.err],
        [digits31, rep.ok],
        [`${digits31}0`, rep.err],
        ['9223372036854775', rep.err],
        ['9000000000', rep.ok],
      ];
      for (const [seconds, reply] of cases)
        assert.equal(s.send(req.expire('k', seconds)), reply, `EXPIRE ${seconds}`);
      assert.equal(s.send(req.ttl('k')), rep.value('9000000000'));
      assert.equal(
        s.send(req.set('k', 'v2', '-1'), req.get('k')),
        `${rep.err} ${rep.value('v')}`,
        'SET EX is atomic',
      );
      assert.equal(
        s.send(req.set('k', 'v3'), req.ttl('k')),
        `${rep.value('v3')} ${rep.value('-1')}`,
        'plain SET clears the TTL',
      );
    });

    test('INCR keeps the TTL; DEL and PERSIST always answer OK', () => {
      const s = new Session(makeStore());
      s.send(req.set('c', '1', '50'));
      assert.equal(s.send(req.incr('c'), req.ttl('c')), `${rep.value('2')} ${rep.value('50')}`);
      assert.equal(s.send(req.del('c'), req.del('c'), req.persist('c')), `${rep.ok} ${rep.ok} ${rep.ok}`);
    });

    test('binary keys and values pass through unchanged', () => {
      const s = new Session(makeStore());
      const key = String.fromCharCode(0, 255, 10, 13);
      const value = String.fromCharCode(0, 1, 2, 0xfe);
      assert.equal(s.send(req.set(key, value), req.get(key)), `${rep.value(value)} ${rep.value(value)}`);
    });

    test("INFO: the original's layout, then ours; commands executed excludes the current INFO", () => {
      const s = new Session(makeStore());
      s.info.port = 5995;
      s.info.backend = 'io_uring';
      s.send(req.ping(''), hex('00 00'));
      const reply = hex(s.send(req.info()).replace(/ /g, ''));
      assert.equal(reply[2], 0x07);
      assert.equal(reply.readUInt16BE(3), reply.length - 5);
      const text = reply.subarray(5).toString();
      const pattern = new RegExp(
        [
          '^# Server \\n',
          `pid: ${process.pid} \\n`,
          'port: 5995 \\n',
          'config file: \\(embedded default\\) \\n',
          'Uptime: \\d+ days, \\d+ hours, \\d+ min, \\d+ sec \\n',
          'event_loop_max_events: 100000 \\n',
          'event_dispatcher_kind: io_uring \\n',
          '\\n# Clients \\n',
          'connected clients: 0 \\n',
          'disconnected clients: 0 \\n',
          '\\n#Stats \\n',
          'commands executed: 2 \\n',
          '\\n# Memory \\n',
          'Memory Usage: (\\d+) bytes \\((\\d+) KiB\\)\\n',
          'mem_allocator: v8 \\n',
          '\\n# fkvs \\n',
        ].join(''),
      );
      const match = pattern.exec(text);
      assert.ok(match, text);
      assert.equal(Math.floor(Number(match[1]) / 1024), Number(match[2]));
      assert.ok(text.endsWith(' \n\n'));
      assert.ok(text.length < 768);
    });

    test('INFO with a long config path: our section goes first, then the ERROR frame as in the original', () => {
      const s = new Session(makeStore());
      const text = () => {
        const reply = hex(s.send(req.info()).replace(/ /g, ''));
        return reply.length === 3 ? null : reply.subarray(5).toString('latin1');
      };
      const full = text()!;
      const originalBytes = full.indexOf('# fkvs \n');
      assert.ok(originalBytes > 0 && full.length < 768);
      // Keep 40 bytes of slack either side: memory and uptime figures change length between calls.
      s.info.configFile += 'p'.repeat(767 - originalBytes - 40);
      const trimmed = text();
      assert.ok(
        trimmed !== null && !trimmed.includes('# fkvs') && trimmed.endsWith('mem_allocator: v8 \n\n'),
      );
      s.info.configFile += 'p'.repeat(80);
      assert.equal(text(), null, 'over 767 bytes without our section: ERROR');
    });

    test('KEYS: exactly 65500 bytes of listing pass, one more is an error; extra bytes are an error', () => {
      const s = new Session(makeStore());
      // Lines "1) <key>\n": 3 + key bytes + 1. One key of 65500 - 4 bytes fills the limit exactly.
      const key = 'k'.repeat(maxKeysListingBytes - 4);
      s.send(req.set(key, ''));
      const reply = s.send(req.keys());
      assert.equal(reply.slice(0, 14), 'ff de 0d ff db', 'core 65502, body 65499: 65500 with its newline');
      s.send(req.del(key), req.set(`${key}x`, ''));
      assert.equal(s.send(req.keys()), rep.err);
      assert.equal(s.send(hex('00 02 0d 00')), rep.err);
    });
  });
}

test('store refusals (max keys, maxmemory) are errors and change nothing', () => {
  const s = new Session(new ArenaStore({ maxMemoryBytes: 64 * 1024 * 1024, maxKeys: 2 }));
  assert.equal(
    s.send(req.set('a', '1'), req.set('b', '2'), req.set('c', '3')),
    `${rep.value('1')} ${rep.value('2')} ${rep.err}`,
  );
  assert.equal(s.send(req.incr('d'), req.get('d')), `${rep.err} ${rep.err}`);
  assert.equal(s.send(req.set('a', 'x')), rep.value('x'), 'overwrite still works');
});

test('EXPIRE refused for memory (deadline index full at maxmemory) is an error and changes nothing', () => {
  const fill = (s: Session) => {
    for (let i = 0; i < 1024; i++) s.send(req.set(`k${i}`, 'v', '100'));
    s.send(req.set('last', 'v'));
  };
  const probe = new Session(new ArenaStore({ maxMemoryBytes: 64 * 1024 * 1024 }));
  fill(probe);
  // Room for the table's resize peak (the old 8 KiB table lives on during it), one byte short of
  // what doubling the full deadline index needs (1024 more slots of 12 bytes).
  const limit = probe.store.stats().bytesReserved + 1024 * 12 - 1;
  const s = new Session(new ArenaStore({ maxMemoryBytes: limit }));
  fill(s);
  assert.equal(
    s.send(req.expire('last', '100'), req.ttl('last'), req.get('last')),
    `${rep.err} ${rep.value('-1')} ${rep.value('v')}`,
  );
  assert.equal(s.send(req.expire('k0', '5')), rep.ok, 'a key that has a deadline slot still takes a new one');
});

test('GET of a value too large for a frame (stored by another front) is the ERROR frame', () => {
  const store = new ArenaStore({ maxMemoryBytes: 64 * 1024 * 1024, maxValueBytes: 1024 * 1024 });
  const s = new Session(store);
  const key = Buffer.from('big');
  const largest = Buffer.alloc(0xffff - 3, 0x61);
  store.set(key, 0, 3, largest, 0, largest.length, 0);
  assert.equal(s.send(req.get('big')).length, (2 + 0xffff) * 3 - 1, 'the largest payload a frame carries');
  store.set(key, 0, 3, Buffer.alloc(largest.length + 1), 0, largest.length + 1, 0);
  assert.equal(s.send(req.get('big'), req.get('big')), `${rep.err} ${rep.err}`);
  assert.equal(s.send(req.incr('big')), rep.err, 'not an integer');
});
