import { lfuDecayed, lruIdleMs, policyIsLfu } from '../../commands/eviction-policy.js';
import { CommandRole } from './command-table.js';
import type { RespSession } from './session.js';
import { containerCommand, helpSubcommand, type Subcommand } from './subcommands.js';

/** Redis's texts: reading the access word in the sense the policy does not keep. */
const freqNotTracked =
  'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';
const idleNotTracked =
  'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';

/** The handle of argv[2] if the key is live, else -1. Not an access (Redis's LOOKUP_NOTOUCH). */
function untouchedHandle(session: RespSession, args: Parameters<Subcommand['run']>[1]): number {
  const store = session.store;
  const handle = store.findIncludingExpired(args.bytes, args.offsets[2], args.lengths[2]);
  if (handle < 0) return -1;
  const deadline = store.deadline(handle);
  return deadline !== 0 && deadline <= store.nowMs ? -1 : handle;
}

function keySubcommand(
  name: string,
  run: (session: RespSession, handle: number, out: Parameters<Subcommand['run']>[2]) => void,
): Subcommand {
  return {
    name,
    arity: 3,
    flags: ['readonly'],
    run(session, args, out) {
      const handle = untouchedHandle(session, args);
      if (handle < 0) out.nil();
      else run(session, handle, out);
    },
  };
}

const settings = (session: RespSession) => session.server.databases.evictor.settings;
const accessWord = (session: RespSession, handle: number) =>
  session.server.databases.get(session.db).access(handle);

/** Redis's longest embstr string (OBJ_ENCODING_EMBSTR_SIZE_LIMIT). */
const embstrMaxBytes = 44;

/** Redis's string encodings: int for a value that is a canonical 64-bit integer, embstr or raw by length. */
function encodingOf(bytes: Uint8Array, offset: number, length: number): string {
  if (length > 0 && length <= 20) {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset + offset, length).toString('latin1');
    if (/^(0|-?[1-9][0-9]*)$/.test(text)) {
      const n = BigInt(text);
      if (n >= -(2n ** 63n) && n < 2n ** 63n) return 'int';
    }
  }
  return length <= embstrMaxBytes ? 'embstr' : 'raw';
}

/** OBJECT: what the store keeps about a key (its values are all strings). */
export const objectCommand = containerCommand('object', [], CommandRole.normal, [
  keySubcommand('encoding', (session, handle, out) => {
    const store = session.store;
    out.bulkText(encodingOf(store.valueBytes(handle), store.valueOffset(handle), store.valueLength(handle)));
  }),
  keySubcommand('refcount', (_s, _h, out) => out.integer(1)),
  keySubcommand('freq', (session, handle, out) => {
    const eviction = settings(session);
    if (!policyIsLfu(eviction.policy)) out.error(freqNotTracked);
    else out.integer(lfuDecayed(accessWord(session, handle), session.store.nowMs, eviction.lfuDecayMinutes));
  }),
  keySubcommand('idletime', (session, handle, out) => {
    if (policyIsLfu(settings(session).policy)) out.error(idleNotTracked);
    else out.integer(Math.floor(lruIdleMs(accessWord(session, handle), session.store.nowMs) / 1000));
  }),
  helpSubcommand('object', [
    'ENCODING <key>',
    '    Return the kind of internal representation used in order to store the value',
    '    associated with a <key>.',
    'FREQ <key>',
    '    Return the access frequency index of the <key>. The returned integer is',
    '    proportional to the logarithm of the recent access frequency of the <key>.',
    'IDLETIME <key>',
    '    Return the idle time of the <key>, that is the approximated number of',
    '    seconds elapsed since the last access to the key.',
    'REFCOUNT <key>',
    '    Return the number of references of the value associated with the specified',
    '    <key>.',
  ]),
]);
