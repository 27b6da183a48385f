import { maxFrameBytes } from '../limits.js';

/** fkvs-cli's limits, with their units in their names. */

/**
 * Longest command line read (UTF-8 bytes, newline excluded): room for the largest SET frame's key
 * and value with quotes and spaces; longer piped lines are skipped with an error, never buffered.
 */
export const maxCliLineBytes = 2 * maxFrameBytes;
/** Words per command line, as the original CLI (no command takes more than 5). */
export const maxCliTokens = 8;
/** How long fkvs-cli waits for a TCP or unix socket connection to open. */
export const cliConnectTimeoutMs = 5000;
/** How long fkvs-cli waits for each reply frame before giving up on the connection. */
export const cliReplyTimeoutMs = 5000;
/** Entries kept in ~/.fkvs_cli_history (the original keeps 50). */
export const cliHistoryEntries = 50;
/** Longer lines are left out of the history file, so it stays small. */
export const maxCliHistoryLineBytes = 4096;
