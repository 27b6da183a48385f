/**
 * The limits of the persistence formats, with their units in their names. They bound what a file
 * can make the loader allocate: a corrupt or hostile length field gets a clear error, not an
 * attempt to allocate it.
 */

/** Bytes an RDB writer gathers before it hands a chunk to its sink (one WRITE each). */
export const rdbChunkBytes = 1024 * 1024;
/** Bytes a loader asks its source for at once. */
export const loadReadBytes = 1024 * 1024;
/** Longest string (key, value, or a skipped value's part) a loader accepts: Redis's proto-max-bulk-len default. */
export const maxLoadStringBytes = 512 * 1024 * 1024;
/** Most arguments of one logged command (a skipped RDB collection may count more elements, as they are not kept). */
export const maxLogCommandArguments = 1024 * 1024;
/** Longest annotation or header line ("#TS:...", "*3", "$5") of an append-only file: Redis's AOF_ANNOTATION_LINE_MAX_LEN. */
export const maxLogLineBytes = 1024;
/** Bytes of one MULTI ... EXEC transaction the AOF loader holds until it sees the EXEC. */
export const maxLogTransactionBytes = 512 * 1024 * 1024;
/** Longest line of an AOF manifest: Redis's MANIFEST_MAX_LINE. */
export const maxManifestLineBytes = 1024;
/** Bytes of a manifest file read at most (its lines name files, a handful in practice). */
export const maxManifestBytes = 1024 * 1024;
/** Bytes of a key quoted in an error message; longer keys are cut with "...". */
export const maxQuotedKeyBytes = 64;
/** Bytes the append-only log buffer may hold before it is written out: far above one loop turn's writes. */
export const maxLogBufferBytes = 256 * 1024 * 1024;
/** First allocation of the append-only log buffer. */
export const initialLogBufferBytes = 64 * 1024;
