import { isLoopbackPeer } from './session.js';

/**
 * Redis 7.0's protected_action_enum, the values of enable-protected-configs: who may CONFIG SET a
 * protected parameter (dir, dbfilename, which choose where the server writes files): nobody, every
 * client, or local ones (a unix socket, or loopback TCP).
 */
export type ProtectedAction = 'no' | 'yes' | 'local';

/** The values in Redis's order (its error lists them so). */
export const protectedActionNames: readonly ProtectedAction[] = ['no', 'yes', 'local'];

/** Redis's allowProtectedAction: peer is "ip:port", or "" on a unix socket. */
export function allowsProtectedAction(setting: ProtectedAction, peer: string): boolean {
  return setting === 'yes' || (setting === 'local' && (peer === '' || isLoopbackPeer(peer)));
}
