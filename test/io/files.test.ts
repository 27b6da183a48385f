import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { getSystemErrorName } from 'node:util';
import { FileMode, FileSync } from '../../src/io/native.js';
import { Transport } from '../../src/io/transport.js';
import { newServerInfo } from '../../src/server-info.js';

const dir = mkdtempSync(join(tmpdir(), 'fkvs-files-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function transportFor(useIoUring: boolean): Transport {
  return new Transport(
    {
      useIoUring,
      ioUring: { deferTaskrun: true, coopTaskrun: true, multishotAccept: true, multishotRecv: true },
      maxClients: 4,
      maxQueuedOutputBytes: 1 << 20,
      tcpKeepaliveSeconds: 0,
      maxClientOutputBytes: 1 << 30,
    },
    newServerInfo(),
  );
}

/** Records of one file, and a promise for the moment `count` of them came. */
class Records {
  readonly got: Array<[number, number]> = [];
  private waiting: { count: number; resolve: () => void } | null = null;
  readonly done = (tag: number, result: number) => {
    this.got.push([tag, result]);
    if (this.waiting !== null && this.got.length >= this.waiting.count) this.waiting.resolve();
  };

  until(count: number): Promise<void> {
    if (this.got.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.got.length} of ${count} records`)), 10_000);
      this.waiting = {
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
    });
  }
}

for (const useIoUring of [true, false]) {
  const backend = useIoUring ? 'io_uring' : 'epoll';
  describe(`files through the ${backend} backend`, () => {
    test('requests complete in order, one record each; the file holds every byte at its end', async () => {
      const transport = transportFor(useIoUring);
      assert.equal(transport.native.backend, backend);
      try {
        const path = join(dir, `order-${backend}`);
        writeFileSync(path, 'before\n');
        const records = new Records();
        const file = transport.openFile(path, FileMode.append, records.done);
        assert.equal(transport.native.fileSize(file), 7);
        const expected: Buffer[] = [Buffer.from('before\n')];
        const requests = 200;
        for (let i = 0; i < requests; i++) {
          const line = Buffer.from(`line ${i}\n`.repeat(1 + (i % 7)));
          expected.push(line);
          const sync = i % 10 === 9 ? FileSync.data : FileSync.none;
          assert.equal(transport.native.writeFile(file, line, 0, line.length, sync, i), true);
        }
        await records.until(requests);
        assert.deepEqual(
          records.got,
          Array.from({ length: requests }, (_, i) => [i, 0]),
        );
        const all = Buffer.concat(expected);
        assert.equal(transport.native.fileSize(file), all.length);
        assert.deepEqual(readFileSync(path), all);
        // Requests made while one operation flies go together: fewer operations than requests.
        assert.ok(
          transport.native.counters().fileWrites < requests,
          `${transport.native.counters().fileWrites} operations`,
        );
        transport.native.closeFile(file);
      } finally {
        transport.native.destroy();
      }
    });

    test('under a steady stream of synced requests several syncs fly at once; records stay in order, each after a sync covering its bytes', async () => {
      // The addon aborts (FKVS_ASSERT in native/files.h) if a record of a synced request came
      // before a completed sync submitted after its bytes were written.
      const transport = transportFor(useIoUring);
      try {
        const path = join(dir, `pipelined-${backend}`);
        const records = new Records();
        const file = transport.openFile(path, FileMode.append, records.done);
        const requests = 2000;
        const outstanding = 32;
        const expected: Buffer[] = [];
        await new Promise<void>((resolve) => {
          const more = () => {
            if (expected.length - records.got.length < outstanding && expected.length < requests) {
              const line = Buffer.from(`request ${expected.length}\n`);
              transport.native.writeFile(file, line, 0, line.length, FileSync.data, expected.length);
              expected.push(line);
            }
            if (expected.length < requests) setImmediate(more);
            else resolve();
          };
          more();
        });
        await records.until(requests);
        assert.deepEqual(
          records.got,
          Array.from({ length: requests }, (_, i) => [i, 0]),
        );
        assert.deepEqual(readFileSync(path), Buffer.concat(expected));
        const counters = transport.native.counters();
        assert.ok(
          counters.fileSyncsInFlightMax > 1,
          `at most ${counters.fileSyncsInFlightMax} sync in flight`,
        );
        // kMaxFileSyncsInFlight (native/limits.h)
        assert.ok(counters.fileSyncsInFlightMax <= 2, `${counters.fileSyncsInFlightMax} syncs in flight`);
        console.log(
          `${backend}: ${requests} requests in ${counters.fileWrites} operations, up to ${counters.fileSyncsInFlightMax} syncs in flight, mean sync ${(counters.fileSyncMicros / counters.fileSyncs).toFixed(0)} us`,
        );
        transport.native.closeFile(file);
      } finally {
        transport.native.destroy();
      }
    });

    test('a truncated file starts empty; a sync alone and a directory sync complete', async () => {
      const transport = transportFor(useIoUring);
      try {
        const path = join(dir, `truncate-${backend}`);
        writeFileSync(path, 'old contents');
        const records = new Records();
        const file = transport.openFile(path, FileMode.truncate, records.done);
        const bytes = Buffer.from('xnewx');
        transport.native.writeFile(file, bytes, 1, 4, FileSync.full, 7);
        transport.native.writeFile(file, bytes, 0, 0, FileSync.data, 8);
        const directory = transport.openFile(dir, FileMode.directory, records.done);
        transport.native.writeFile(directory, bytes, 0, 0, FileSync.full, 9);
        await records.until(3);
        assert.deepEqual(
          [...records.got].sort((a, b) => a[0] - b[0]),
          [
            [7, 0],
            [8, 0],
            [9, 0],
          ],
        );
        assert.equal(readFileSync(path, 'latin1'), 'new');
        transport.native.closeFile(file);
        transport.native.closeFile(directory);
      } finally {
        transport.native.destroy();
      }
    });

    test('a failed write is reported per request, keeps its bytes, and fails again on retry (/dev/full: ENOSPC)', async () => {
      const transport = transportFor(useIoUring);
      try {
        const records = new Records();
        const file = transport.openFile('/dev/full', FileMode.append, records.done);
        const bytes = Buffer.from('lost?\n');
        transport.native.writeFile(file, bytes, 0, bytes.length, FileSync.none, 1);
        await records.until(1);
        assert.equal(getSystemErrorName(records.got[0][1]), 'ENOSPC');
        // Stalled: a later request waits for a retry that writes the kept bytes first.
        transport.native.writeFile(file, bytes, 0, bytes.length, FileSync.none, 2);
        await new Promise((resolve) => setTimeout(resolve, 50));
        assert.equal(records.got.length, 1, 'nothing is written while the file is stalled');
        transport.native.retryFile(file, 3);
        await records.until(2);
        assert.deepEqual(
          records.got.map(([tag, result]) => [tag, getSystemErrorName(result)]),
          [
            [1, 'ENOSPC'],
            [3, 'ENOSPC'],
          ],
        );
        assert.equal(transport.native.fileSize(file), 0);
        transport.native.closeFile(file);
      } finally {
        transport.native.destroy();
      }
    });

    test('a path that cannot be opened throws with the reason', () => {
      const transport = transportFor(useIoUring);
      try {
        assert.throws(
          () => transport.openFile(join(dir, 'missing', 'file'), FileMode.append, () => {}),
          /ENOENT|No such file/,
        );
      } finally {
        transport.native.destroy();
      }
    });
  });
}
