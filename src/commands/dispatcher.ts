import { framePrefixBytes } from '../limits.js';
import { Opcode } from '../protocol/constants.js';
import { FkvsReplyWriter } from '../protocol/fkvs-reply-writer.js';
import { decodeFkvsRequest, fkvsKeyOffset } from '../protocol/fkvs-request.js';
import { FeedResult, type FrameReader, type FrameSink } from '../protocol/frame-reader.js';
import type { OutputBuffer } from '../protocol/output-buffer.js';
import type { ServerInfo } from '../server/server-info.js';
import { type KeyValueStore, maxPrefetchKeys, unknownHash } from '../store/store-api.js';
import { Commands } from './commands.js';
import { Failure, type Reply } from './reply.js';
import { Request } from './request.js';

export { FeedResult } from '../protocol/frame-reader.js';

type Handler = (commands: Commands, request: Request, reply: Reply) => boolean;

/** The handler of each opcode; an opcode without one gets no reply at all (spec 2.2). */
const handlers: Array<Handler | undefined> = new Array(256).fill(undefined);
handlers[Opcode.set] = (c, r, reply) => c.set(r, reply);
handlers[Opcode.get] = (c, r, reply) => c.get(r, reply);
handlers[Opcode.incr] = (c, r, reply) => c.addTo(r, reply, false);
handlers[Opcode.incrBy] = (c, r, reply) => c.addTo(r, reply, false);
handlers[Opcode.decr] = (c, r, reply) => c.addTo(r, reply, true);
handlers[Opcode.decrBy] = (c, r, reply) => c.addTo(r, reply, true);
handlers[Opcode.del] = (c, r, reply) => c.del(r, reply);
handlers[Opcode.expire] = (c, r, reply) => c.expire(r, reply);
handlers[Opcode.ttl] = (c, r, reply) => c.ttl(r, reply);
handlers[Opcode.persist] = (c, r, reply) => c.persist(r, reply);
handlers[Opcode.ping] = (c, r, reply) => c.ping(r, reply);
handlers[Opcode.info] = (c, r, reply) => c.infoCommand(r, reply);
handlers[Opcode.keys] = (c, r, reply) => c.keys(r, reply);

/**
 * Runs FKVS frames against the store: the FrameReader finds frames, decodeFkvsRequest takes their
 * arguments, the handler table runs them, and the FkvsReplyWriter appends replies to the
 * connection's OutputBuffer. One Dispatcher serves every connection (single-threaded).
 */
export class Dispatcher implements FrameSink {
  private readonly commands: Commands;
  private readonly request = new Request();
  private readonly reply = new FkvsReplyWriter();
  /** The chunk being fed when the store wants look-ahead, and how far into it the store has been told of keys. */
  private chunk: Uint8Array | null = null;
  private chunkEnd = 0;
  private lookedTo = 0;
  /** The keys of the last look-ahead, in frame order: where their frames start, the keys, their store hashes. */
  private readonly keyFrames = new Int32Array(maxPrefetchKeys);
  private readonly keyOffsets = new Int32Array(maxPrefetchKeys);
  private readonly keyLengths = new Int32Array(maxPrefetchKeys);
  private readonly keyHashes = new Int32Array(maxPrefetchKeys);
  private keyCount = 0;
  /** The first of those keys whose frame has not run yet. */
  private nextKey = 0;

  constructor(
    private readonly store: KeyValueStore,
    private readonly info: ServerInfo,
  ) {
    this.commands = new Commands(store, info);
  }

  /**
   * Executes every complete frame of bytes[offset, offset + length), after the frame carried in
   * `reader`, appending replies to `out`; carries a trailing partial frame. Keeps no reference to
   * `bytes`. Returns a FeedResult: anything but ok means "close this connection".
   */
  feed(
    reader: FrameReader,
    bytes: Uint8Array,
    offset: number,
    length: number,
    out: OutputBuffer,
    nowMs: number,
  ): number {
    this.reply.out = out;
    this.store.nowMs = nowMs;
    this.chunk = this.store.prefetchHelps ? bytes : null;
    this.chunkEnd = offset + length;
    this.lookedTo = offset;
    this.keyCount = 0;
    const result = reader.feed(bytes, offset, length, this);
    this.chunk = null;
    return result;
  }

  onFrame(bytes: Uint8Array, at: number, coreLength: number): number {
    const keyHash = bytes === this.chunk ? this.knownKeyHash(bytes, at) : unknownHash;
    const result = this.execute(bytes, at, coreLength, keyHash);
    this.info.commandsExecuted++; // every frame counts, after it ran (spec 2.1)
    return result;
  }

  /**
   * The store hash of the key of the frame at `at` in the chunk, looking ahead first when the
   * frame lies past the last look-ahead; unknownHash for a frame without a key. Out of line from
   * onFrame, so that V8 inlines none of it into the frame loop where look-ahead is off.
   */
  private knownKeyHash(bytes: Uint8Array, at: number): number {
    if (at >= this.lookedTo) this.lookAhead(bytes, at);
    // Frames run in look-ahead order: the next known key is this frame's, or a later frame's.
    const k = this.nextKey;
    if (k >= this.keyCount || this.keyFrames[k] !== at) return unknownHash;
    this.nextKey = k + 1;
    return this.keyHashes[k];
  }

  /**
   * Tells the store the keys of the complete frames from `at` (a frame start) on, up to
   * maxPrefetchKeys of them, so that their cache misses overlap (KeyValueStore.prefetch).
   */
  private lookAhead(bytes: Uint8Array, at: number): void {
    const end = this.chunkEnd;
    let pos = at;
    let count = 0;
    while (count < maxPrefetchKeys && end - pos >= framePrefixBytes) {
      const core = (bytes[pos] << 8) | bytes[pos + 1];
      if (end - pos < framePrefixBytes + core) break;
      const key = fkvsKeyOffset(bytes, pos, core);
      if (key >= 0) {
        this.keyFrames[count] = pos;
        this.keyOffsets[count] = key;
        this.keyLengths[count] = (bytes[key - 2] << 8) | bytes[key - 1];
        count++;
      }
      pos += framePrefixBytes + core;
    }
    this.lookedTo = pos;
    this.keyCount = count;
    this.nextKey = 0;
    if (count > 0) this.store.prefetch(bytes, this.keyOffsets, this.keyLengths, count, this.keyHashes);
  }

  private execute(bytes: Uint8Array, at: number, coreLength: number, keyHash: number): number {
    if (coreLength === 0) return FeedResult.ok;
    const opcode = bytes[at + 2];
    const handler = handlers[opcode];
    if (handler === undefined) return FeedResult.ok;
    const request = this.request;
    request.reset(bytes, keyHash);
    const written = decodeFkvsRequest(opcode, bytes, at, coreLength, request)
      ? handler(this.commands, request, this.reply)
      : this.reply.failed(Failure.syntax);
    return written ? FeedResult.ok : FeedResult.closeOutputLimit;
  }
}
