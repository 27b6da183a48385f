import type { Commands } from '../../commands/commands.js';
import { Failure, type Reply } from '../../commands/reply.js';
import { Request } from '../../commands/request.js';
import type { OutputBuffer } from '../../io/output-buffer.js';
import type { ServerInfo } from '../../server-info.js';
import { Opcode } from './constants.js';
import { FeedResult, type FrameReader, type FrameSink } from './frame-reader.js';
import { LookAhead } from './look-ahead.js';
import { FkvsReplyWriter } from './reply-writer.js';
import { decodeFkvsRequest } from './request-decoder.js';

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

/** Opcodes that change the store: turned away while the append-only log cannot be written. */
const writes = new Uint8Array(256);
for (const op of [
  Opcode.set,
  Opcode.incr,
  Opcode.incrBy,
  Opcode.decr,
  Opcode.decrBy,
  Opcode.del,
  Opcode.expire,
  Opcode.persist,
])
  writes[op] = 1;

/**
 * Runs FKVS frames against the store: the FrameReader finds frames, decodeFkvsRequest takes their
 * arguments, the handler table runs them, and the FkvsReplyWriter appends replies to the
 * connection's OutputBuffer. One Dispatcher serves every connection (single-threaded); each
 * connection's FkvsSession holds its FrameReader.
 */
export class Dispatcher implements FrameSink {
  private readonly request = new Request();
  private readonly reply = new FkvsReplyWriter();
  private readonly lookAhead: LookAhead;
  private readonly info: ServerInfo;

  constructor(private readonly commands: Commands) {
    this.lookAhead = new LookAhead(commands.keyPrefetch);
    this.info = commands.info;
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
    this.commands.store.nowMs = nowMs;
    this.lookAhead.begin(bytes, offset, length);
    const result = reader.feed(bytes, offset, length, this);
    this.lookAhead.end();
    return result;
  }

  onFrame(bytes: Uint8Array, at: number, coreLength: number): number {
    const result = this.execute(bytes, at, coreLength, this.lookAhead.keyHash(bytes, at));
    this.info.commandsExecuted++; // every frame counts, after it ran (spec 2.1)
    return result;
  }

  private execute(bytes: Uint8Array, at: number, coreLength: number, keyHash: number): number {
    if (coreLength === 0) return FeedResult.ok;
    const opcode = bytes[at + 2];
    const handler = handlers[opcode];
    if (handler === undefined) return FeedResult.ok;
    if (writes[opcode] === 1 && this.commands.writeGate.refusal !== null)
      return this.refuse(Failure.persistence);
    const request = this.request;
    request.reset(bytes, keyHash);
    if (!decodeFkvsRequest(opcode, bytes, at, coreLength, request)) return this.refuse(Failure.syntax);
    return handler(this.commands, request, this.reply) ? FeedResult.ok : FeedResult.closeOutputLimit;
  }

  /** The failure reply of a frame that does not run: apart, so execute stays in V8's inlining budget. */
  private refuse(failure: number): number {
    return this.reply.failed(failure) ? FeedResult.ok : FeedResult.closeOutputLimit;
  }
}
