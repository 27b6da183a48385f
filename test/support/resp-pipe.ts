import assert from 'node:assert/strict';
import net from 'node:net';
import { loadRdb } from '../../src/persistence/rdb-reader.js';
import { FileSource, ReadWindow } from '../../src/persistence/read-window.js';
import { MapStore } from './map-store.js';
import type { SeededRandom } from './random.js';
import type { StringContents } from './redis-server.js';
import type { Recorded } from './redis-session.js';
import { encodeRequest, parseReply } from './resp-client.js';

/** A RESP connection that pipelines: a batch of commands out in one write, their replies back in order. */
export class Pipe {
  private buffer = Buffer.alloc(0);
  private wake: (() => void) | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.buffer = this.buffer.length === 0 ? d : Buffer.concat([this.buffer, d]);
      this.wake?.();
    });
  }

  /** Over a unix socket (its path) or TCP. */
  static async connect(target: string | { port: number; host: string }): Promise<Pipe> {
    const socket = net.connect(typeof target === 'string' ? { path: target } : target);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new Pipe(socket);
  }

  async send(commands: ReadonlyArray<ReadonlyArray<string>>): Promise<Recorded[]> {
    this.socket.write(Buffer.concat(commands.map((c) => encodeRequest(c))));
    const replies: Recorded[] = [];
    let at = 0;
    while (replies.length < commands.length) {
      const reply = parseReply(this.buffer, at);
      if (reply === null) {
        this.buffer = this.buffer.subarray(at);
        at = 0;
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no reply within 20 s')), 20_000);
          this.wake = () => {
            clearTimeout(timer);
            this.wake = null;
            resolve();
          };
        });
        continue;
      }
      replies.push(reply.value);
      at = reply.end;
    }
    this.buffer = this.buffer.subarray(at);
    return replies;
  }

  async one(...command: string[]): Promise<Recorded> {
    return (await this.send([command]))[0];
  }

  close(): void {
    this.socket.destroy();
  }
}

/** db -> key -> "value@deadline" */
export type Model = Map<number, Map<string, string>>;

export function modelSet(model: Model, db: number, key: string, value: string, deadline: number): void {
  if (!model.has(db)) model.set(db, new Map());
  model.get(db)!.set(key, `${value}@${deadline}`);
}

/** What a dump holds, loaded by fkvs's reader (every key kept, whatever its deadline). */
export function loadDump(path: string): Model {
  const stores = new Map<number, MapStore>();
  loadRdb(new ReadWindow(new FileSource(path)), {
    storeFor: (db) => {
      if (!stores.has(db)) stores.set(db, new MapStore());
      return stores.get(db);
    },
    nowMs: Number.NEGATIVE_INFINITY,
    skipOtherTypes: false,
    fileName: path,
  });
  const model: Model = new Map();
  for (const [db, store] of stores) {
    store.forEachKey((bytes, offset, length) => {
      const handle = store.findIncludingExpired(bytes, offset, length);
      const vo = store.valueOffset(handle);
      const value = Buffer.from(store.valueBytes(handle).subarray(vo, vo + store.valueLength(handle)));
      modelSet(
        model,
        db,
        Buffer.from(bytes.subarray(offset, offset + length)).toString('latin1'),
        value.toString('latin1'),
        store.deadline(handle),
      );
      return true;
    });
  }
  return model;
}

export function assertSameModel(actual: Model, expected: Model, where: string): void {
  for (const db of new Set([...actual.keys(), ...expected.keys()])) {
    const a = actual.get(db) ?? new Map();
    const e = expected.get(db) ?? new Map();
    assert.equal(a.size, e.size, `${where}: keys in db ${db}`);
    for (const [key, value] of e) assert.equal(a.get(key), value, `${where}: db ${db} key ${key}`);
  }
}

/** Far-future deadlines, exact to the millisecond: what the dump must carry unchanged. */
export const deadlineBaseMs = Date.now() + 24 * 3600 * 1000;

/** Fills the model and the server (in `batch`-command pipelines) with `keys` seeded keys over dbs 0 and 2. */
export async function fill(
  pipe: Pipe,
  random: SeededRandom,
  model: Model,
  keys: number,
  prefix: string,
): Promise<void> {
  const batch = 2000;
  for (let from = 0; from < keys; from += batch) {
    const commands: string[][] = [];
    for (let i = from; i < Math.min(keys, from + batch); i++) {
      const db = i % 3 === 0 ? 2 : 0;
      const key = `${prefix}:${i}`;
      const value = random.int(10) === 0 ? String(random.int(100_000)) : 'v'.repeat(random.int(90));
      const deadline = random.int(5) === 0 ? deadlineBaseMs + random.int(1_000_000) : 0;
      commands.push(['SELECT', String(db)]);
      commands.push(deadline === 0 ? ['SET', key, value] : ['SET', key, value, 'PXAT', String(deadline)]);
      modelSet(model, db, key, value, deadline);
    }
    await pipe.send(commands);
  }
}

export async function info(pipe: Pipe, field: string): Promise<string> {
  const text = String(await pipe.one('INFO', 'persistence')).slice(1);
  const line = text.split('\r\n').find((l) => l.startsWith(`${field}:`));
  assert.ok(line !== undefined, `INFO has ${field}`);
  return line.slice(field.length + 1);
}

export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * `count` seeded writes over keys `<prefix>:<i>` (i < keys) and databases 0-2: SET, DEL, PEXPIREAT
 * (far future), PERSIST, INCR of `<key>:n`; each applied to the model as the server applies it, so
 * that the model stays the keyspace when the commands run in order on one connection.
 */
export function modelledWrites(
  random: SeededRandom,
  model: Model,
  keys: number,
  prefix: string,
  count: number,
): string[][] {
  const commands: string[][] = [];
  for (let i = 0; i < count; i++) {
    const db = random.int(3);
    const key = `${prefix}:${random.int(keys)}`;
    if (!model.has(db)) model.set(db, new Map());
    const keysOf = model.get(db)!;
    commands.push(['SELECT', String(db)]);
    const choice = random.int(6);
    const now = keysOf.get(key);
    if (choice < 2) {
      const value = 'w'.repeat(random.int(300));
      commands.push(['SET', key, value]);
      modelSet(model, db, key, value, 0);
    } else if (choice === 2) {
      commands.push(['DEL', key]);
      keysOf.delete(key);
    } else if (choice === 3) {
      const deadline = deadlineBaseMs + random.int(1000);
      commands.push(['PEXPIREAT', key, String(deadline)]);
      if (now !== undefined) modelSet(model, db, key, now.slice(0, now.lastIndexOf('@')), deadline);
    } else if (choice === 4) {
      commands.push(['PERSIST', key]);
      if (now !== undefined) modelSet(model, db, key, now.slice(0, now.lastIndexOf('@')), 0);
    } else {
      const counter = keysOf.get(`${key}:n`);
      commands.push(['INCR', `${key}:n`]);
      const at = counter?.lastIndexOf('@') ?? -1;
      const value = counter === undefined ? 1 : Number(counter.slice(0, at)) + 1;
      modelSet(
        model,
        db,
        `${key}:n`,
        String(value),
        counter === undefined ? 0 : Number(counter.slice(at + 1)),
      );
    }
  }
  return commands;
}

/** Every key of databases 0..dbs-1 with value and deadline, read through the pipe (KEYS, GET, PEXPIRETIME). */
export async function readModel(pipe: Pipe, dbs: number): Promise<Model> {
  const model: Model = new Map();
  const batch = 1000;
  for (let db = 0; db < dbs; db++) {
    await pipe.one('SELECT', String(db));
    const keys = ((await pipe.one('KEYS', '*')) as string[]).map((k) => k.slice(1));
    for (let from = 0; from < keys.length; from += batch) {
      const slice = keys.slice(from, from + batch);
      const replies = await pipe.send(
        slice.flatMap((k) => [
          ['GET', k],
          ['PEXPIRETIME', k],
        ]),
      );
      slice.forEach((key, i) => {
        const value = replies[2 * i] as string;
        const deadline = replies[2 * i + 1] as number;
        modelSet(model, db, key, value.slice(1), Math.max(0, deadline));
      });
    }
  }
  return model;
}

/** The model as redis-server's contents (assertRedisLoads). */
export function contentsOf(model: Model): StringContents {
  const contents: StringContents = new Map();
  for (const [db, keys] of model) {
    const map = new Map<string, { value: Buffer; deadlineMs: number }>();
    for (const [key, both] of keys) {
      const at = both.lastIndexOf('@');
      map.set(key, {
        value: Buffer.from(both.slice(0, at), 'latin1'),
        deadlineMs: Number(both.slice(at + 1)),
      });
    }
    contents.set(db, map);
  }
  return contents;
}
