import { randomBytes } from 'node:crypto';
import type { MixEntry, Operation, Wire } from './args.js';
import { fkvsRequests } from './fkvs-requests.js';
import { RandomKeys, randomKeyBytes } from './random-keys.js';
import { ReplyChecker } from './reply-checker.js';
import type { ReplyStream, RequestTemplate } from './request-template.js';
import { RespReplyChecker } from './resp-reply-checker.js';
import { respRequests } from './resp-requests.js';

/** The request kinds of a run: a repeating pattern, the setup it needs, and per-connection keys. */
export class Workload {
  readonly pattern: RequestTemplate[] = [];
  /** Requests sent once before the timing starts, so the workload's replies are predictable. */
  readonly setup: RequestTemplate[] = [];
  /** Null unless every request gets a fresh key (-r). */
  readonly keys: RandomKeys | null;

  constructor(
    mix: MixEntry[],
    randomKeys: boolean,
    readonly wire: Wire = 'fkvs',
  ) {
    const keys = randomKeys ? new RandomKeys(randomBytes(16)) : null;
    this.keys = keys;
    // A random key's first 16 hex chars (the run's prefix) are written here once; the counter half
    // is written per request into the batch buffer.
    const source = keys === null ? null : { template: () => randomKeyBytes(keys) };
    const requests = wire === 'resp' ? respRequests : fkvsRequests;
    const templates = new Map<Operation, RequestTemplate>();
    for (const { operation, weight } of mix) {
      let template = templates.get(operation);
      if (template === undefined) {
        const made = requests(operation, source);
        template = made.request;
        templates.set(operation, template);
        this.setup.push(...made.setup);
      }
      for (let i = 0; i < weight; i++) this.pattern.push(template);
    }
  }

  /** A checker of replies to `templates` sent in order, repeating. */
  checker(templates: RequestTemplate[]): ReplyStream {
    return this.wire === 'resp' ? new RespReplyChecker(templates) : new ReplyChecker(templates);
  }
}
