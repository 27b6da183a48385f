import assert from 'node:assert/strict';
import { PerformanceObserver } from 'node:perf_hooks';
import { describe, test } from 'node:test';
import { dataCommands } from '../../src/commands/data-commands.js';
import { Databases } from '../../src/commands/databases.js';
import type { CommandContext } from '../../src/commands/redis-command.js';
import type { ValueWriter } from '../../src/commands/value-writer.js';
import { argumentsOf } from '../support/redis-session.js';

/** Commands per measurement: at 16 bytes each (one HeapNumber) they fill V8's young generation several times. */
const commands = 4_000_000;
/**
 * Collections tolerated: the test runner shares the process and may allocate meanwhile (one was
 * seen under a loaded machine); one object per GET alone gives 14.
 */
const toleratedCollections = 1;

/** A writer that keeps nothing, so that only the commands' own allocations count. */
const sink: ValueWriter = {
  status() {},
  error(text) {
    throw new Error(text);
  },
  integer() {},
  bigInteger() {},
  bulk() {},
  storedValue() {},
  bulkText() {},
  nil() {},
  nilArray() {},
  array() {},
  map() {},
  set() {},
  double() {},
  boolean() {},
  verbatim() {},
};

describe('Redis data commands: no allocation on the hot path', () => {
  test('GET, SET, INCR, MGET, MSET run without garbage collections', async () => {
    const databases = new Databases({ maxMemoryBytes: 64 * 1024 * 1024, hashSeed: 5 });
    const store = databases.get(0);
    const context: CommandContext = {
      store,
      db: 0,
      nowMs: 1_700_000_000_000,
      database: (index) => databases.get(index),
      written() {},
    };
    const byName = new Map(dataCommands.map((c) => [c.name, c]));
    const work = [
      [byName.get('set')!, argumentsOf('SET', 'key:1', 'value-1')],
      [byName.get('get')!, argumentsOf('GET', 'key:1')],
      [byName.get('incr')!, argumentsOf('INCR', 'counter')],
      [byName.get('mget')!, argumentsOf('MGET', 'key:1', 'key:2', 'none')],
      [byName.get('mset')!, argumentsOf('MSET', 'key:2', 'value-2', 'key:3', 'value-3')],
    ] as const;
    const run = (times: number) => {
      for (let i = 0; i < times; i++) {
        const [command, args] = work[i % work.length];
        command.run(context, args, sink);
      }
    };
    run(50_000); // warm up: compiled code, stores at their size
    let scavenges = 0;
    const observer = new PerformanceObserver((list) => {
      scavenges += list.getEntries().length;
    });
    observer.observe({ entryTypes: ['gc'] });
    run(commands);
    await new Promise((resolve) => setTimeout(resolve, 100)); // gc entries arrive asynchronously
    observer.disconnect();
    assert.ok(scavenges <= toleratedCollections, `${scavenges} collections over ${commands} commands`);
  });
});
