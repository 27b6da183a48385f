/**
 * Every limit of the TypeScript side of fkvs, in one place, each with its unit in its name, and
 * each listed in docs/limits.md (test/limits.test.ts keeps the two in step). Wire limits come from
 * the FKVS protocol (shared spec, sections 2.3-2.5); the rest are ours. The addon's own limits
 * (receive area, batch records) are in native/.
 */

// The FKVS wire (spec 2.3-2.5)
/** Size of the u16 big-endian length prefix of every frame. */
export const framePrefixBytes = 2;
/** Largest frame, prefix included: the C server's 65536-byte input buffer. */
export const maxFrameBytes = 65536;
/** Largest accepted core_len; core_len 65535 closes the connection without a reply. */
export const maxCoreLengthBytes = maxFrameBytes - framePrefixBytes;
/** Largest key that fits a frame (GET: 3 + key bytes <= maxCoreLengthBytes, SET needs more). */
export const maxKeyBytes = maxCoreLengthBytes - 3;
/** Largest value that fits a SET frame (with an empty key). */
export const maxValueBytes = maxCoreLengthBytes - 5;
/** Longest seconds string accepted by EXPIRE and SET EX. */
export const maxSecondsDigits = 31;
/** Longest decimal of an int64 with its sign: "-9223372036854775808". */
export const maxInt64DecimalBytes = 20;
/** KEYS body limit, counting a newline after every line. */
export const maxKeysListingBytes = 65500;
/** INFO text limit of the original (a longer text gets the ERROR frame). */
export const maxInfoTextBytes = 767;

// Connections (fkvs-server)
/** Unsent reply bytes one FKVS connection may hold; over it the connection is closed (spec 2.3). */
export const maxPendingOutputBytes = 1024 * 1024;
/**
 * Reply bytes handed to the addon for one connection past which the transport asks to be told
 * when they are all sent (its count of unsent bytes only falls then).
 */
export const drainAskBytes = 64 * 1024;
/** Default of `maxmemory-clients`: unsent reply bytes of all connections together. */
export const defaultMaxClientOutputBytes = 256 * 1024 * 1024;
/** First allocation of a connection's output buffer. */
export const initialOutputBytes = 16 * 1024;
/**
 * First arrays of output buffers (initialOutputBytes each) kept for reuse by the transport when
 * connections close or finish a heavy run (io/byte-array-pool.ts): 1 MiB at most.
 */
export const maxPooledOutputArrays = 64;
/** Pinned pieces (large values sent by reference) an output buffer has room for at first; it doubles. */
export const initialPinnedPieces = 16;
/**
 * Values of at least this many bytes leave by reference (a pinned piece), not copied into the
 * output buffer and the addon's queue: where sendmsg over the pieces costs less than the copies
 * (docs/transport.md, "Large values without copies"). Above maxInlineEntryBytes, so such values
 * live out of line, in arrays the store never writes again.
 */
export const minPinnedValueBytes = 16 * 1024;
/** An output buffer grown past this is given back once its replies went to the addon. */
export const maxIdleOutputBytes = 64 * 1024;
/**
 * Reply bytes one event loop turn may produce: past it, the requests of the other connections
 * are put aside (those connections not read from meanwhile) and run in later turns, each with
 * the same budget. 1000 clients asking 917 KB each cost seconds of copying here (into JS buffers,
 * the addon's queues, the kernel's): without it, in one batch while every other client waits;
 * with it, in turns of 30-80 ms on this VM (docs/operations.md).
 */
export const maxBatchOutputBytes = 1024 * 1024;
/**
 * A connection whose last run of requests made at most maxLightFeedOutputBytes of replies is light:
 * it is still run at once until the turn made maxLightBatchOutputBytes, so that a client asking
 * little (a PING, a counter) is not queued behind clients asking much. A new connection has no
 * history: it queues.
 */
export const maxLightFeedOutputBytes = 16 * 1024;
export const maxLightBatchOutputBytes = 4 * 1024 * 1024;
/** Request bytes of one connection run in one turn: the addon's per batch (native/limits.h). */
export const maxBatchInputBytesPerConnection = 64 * 1024;
/**
 * Request bytes put aside for one connection: it is not read from while any are, so only what the
 * addon had read already can join them (at most its receive area); more is a broken invariant.
 */
export const maxDeferredInputBytes = 4 * 1024 * 1024;
/** First allocation of a connection's put-aside requests (it doubles up to the limit above). */
export const initialDeferredInputBytes = 512;
/** How long a graceful stop (SIGINT, SIGTERM) may take to flush replies before connections are cut. */
export const shutdownTimeoutMs = 5000;
/** Period of the check that closes idle clients (`timeout`): a client goes at most this late. */
export const idleCheckMs = 1000;
/** Period of the check that gives memory back after connections closed (server/memory-release.ts). */
export const memoryReleaseCheckMs = 1000;
/** Connections closed since the last release that call for one (a full collection costs milliseconds). */
export const releaseAfterClosedConnections = 64;

// Configuration (fkvs-server)
/** Default max-clients: connections served at once; one more is accepted and closed at once. */
export const defaultMaxClients = 10000;
/** Longest config-file line the original reads (fgets into 1024 bytes). */
export const maxConfigLineBytes = 1023;
/** Longest unix socket path: sockaddr_un.sun_path holds 108 bytes with the terminating NUL. */
export const maxUnixSocketPathBytes = 107;
/** Smallest maxmemory accepted. */
export const minMaxMemoryBytes = 1024 * 1024;
/** Redis's default tcp-keepalive. */
export const defaultTcpKeepaliveSeconds = 300;
/** Largest tcp-keepalive: Linux takes TCP_KEEPIDLE up to 32767 seconds. */
export const maxTcpKeepaliveSeconds = 32767;

// The store
/** Default maxmemory: this share of the RAM the process may use (the machine's, or its cgroup's). */
export const defaultMaxMemoryShareOfRam = 0.5;
/** Default key limit: the table then needs 2^28 slots (2 GiB), the most one typed array holds here. */
export const defaultMaxKeys = 2 ** 27;
/** Keys per look-ahead (KeyValueStore.prefetch): enough misses to keep the CPU's miss slots busy. */
export const maxPrefetchKeys = 64;
/** Period of the active expiry cycle. */
export const expireCycleMs = 100;
/** CPU time one active expiry cycle may take; with expireCycleMs = 100 that is at most 5% of a core. */
export const expireCycleBudgetMs = 5;
/** Deadline-index slots one active cycle examines at least... */
export const expireMinScanSlotsPerCycle = 10_000;
/** ...or 1/expireFullSweepCycles of the index if larger: a full sweep every 5 s at expireCycleMs = 100. */
export const expireFullSweepCycles = 50;
/** The cycle scans on while more than this share of what it scanned had expired (mass expiry). */
export const expireRepeatShare = 0.25;

// Persistence: what a file can make the loaders allocate, and the writers' buffers
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
/** CPU time one slice of a background snapshot may take before it yields to the loop (checked every few keys). */
export const snapshotSliceMs = 0.5;
/** Keys a background snapshot walks between two looks at the clock. */
export const snapshotStepKeys = 64;
/** Snapshot bytes handed to the disk and not yet written past which the walk waits for the disk. */
export const snapshotWriteAheadBytes = 8 * 1024 * 1024;
/**
 * Snapshot bytes waiting for the disk past which a background snapshot fails (rdb_last_bgsave_status:err):
 * keys kept before they change cannot wait, so a disk slower than the writes would grow them without end.
 */
export const maxSnapshotPendingBytes = 256 * 1024 * 1024;
/** A failed background save is not retried by the save rules for this long (Redis's CONFIG_BGSAVE_RETRY_DELAY). */
export const bgsaveRetryDelayMs = 5000;
/** How often the save rules are checked (Redis's serverCron at hz 10). */
export const saveRulesCheckMs = 100;

// fkvs-cli
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

// fkvs-benchmark
/** Connections one benchmark run may open (-c). */
export const maxBenchmarkClients = 10_000;
/** Deepest pipeline (-P): requests sent in one write per connection. */
export const maxPipelineDepth = 4096;
/** Requests in flight across all connections (-c times -P): bounds the pre-built batch memory. */
export const maxRequestsInFlight = 1_048_576;
/** Total requests of one run (-n); also the number of distinct keys -r can generate. */
export const maxBenchmarkRequests = 1_000_000_000_000;
/** Highest open-model rate (-R), requests per second across all connections. */
export const maxRequestRatePerSecond = 100_000_000;
/** Sum of the weights of a -t mix ("get:9,set:1"): the repeating pattern of requests. */
export const maxMixPatternRequests = 1000;
/** Default and largest wait for a reply before the request counts as failed (the original: 2 s). */
export const defaultReplyTimeoutMs = 2000;
export const maxReplyTimeoutMs = 3_600_000;
/** Longest open-model calibration period (--calibration-ms), whose replies stay out of the latency figures. */
export const maxCalibrationMs = 3_600_000;
/** Largest latency the open-model histogram records (the original: 60 s). */
export const maxLatencyUs = 60_000_000;

// The Redis front (RESP). Names follow Redis's config keys where it has one; defaults are Redis's.
/** proto-max-bulk-len: the largest bulk string argument a client may send (Redis: 512mb). */
export const defaultRespMaxBulkBytes = 512 * 1024 * 1024;
/** Smallest proto-max-bulk-len accepted (Redis's lower bound: 1mb). */
export const minRespMaxBulkBytes = 1024 * 1024;
/** An inline command line, and a multibulk or bulk count line, longer than this is a protocol error (Redis's PROTO_INLINE_MAX_SIZE). */
export const maxRespInlineBytes = 64 * 1024;
/** Arguments of one multibulk command (Redis: INT_MAX; ours bounds the per-connection argument arrays). */
export const maxRespArguments = 1024 * 1024;
/** Before AUTH, Redis refuses multibulk counts above 10 and bulks above 16 KB (unauthenticated limits). */
export const maxUnauthenticatedArguments = 10;
export const maxUnauthenticatedBulkBytes = 16 * 1024;
/** client-query-buffer-limit: bytes one connection may have buffered of an incomplete command (Redis: 1gb). */
export const defaultRespQueryBufferBytes = 1024 * 1024 * 1024;
/** Commands one MULTI may queue before EXEC (bounds the queue's copies; Redis has no such limit). */
export const maxQueuedCommands = 1024 * 1024;
/** Bytes of arguments one MULTI may queue (copied out of the receive buffer). */
export const maxQueuedBytes = 512 * 1024 * 1024;
/** Keys one connection may WATCH at once. */
export const maxWatchedKeys = 1024 * 1024;
/**
 * Unsent reply bytes one RESP connection may hold (its listener's OutputBuffer limit, and the
 * addon's queue while the Redis front is on): room for a reply of the largest value a client may
 * store (proto-max-bulk-len's default, 512 MiB), where Redis sets no limit for normal clients.
 */
export const maxRespPendingOutputBytes = 1024 * 1024 * 1024;
/**
 * Unsent reply bytes past which a Redis client is not read from until they are sent: its
 * pipelined requests wait in the kernel instead of its replies growing without a limit.
 */
export const respOutputPauseBytes = 256 * 1024;
// Commands of the Redis front (Redis's names and defaults)
/** Databases (Redis's `databases` default); FKVS sees database 0. */
export const redisDatabaseCount = 16;
/** Longest string a command may build by APPEND or SETRANGE (Redis's proto-max-bulk-len, 512 MiB). */
export const maxRedisStringBytes = 512 * 1024 * 1024;
/** Longest integer Redis parses (string2ll: shorter than LONG_STR_SIZE, 21). */
export const maxRedisIntegerBytes = 20;
/** Longest float Redis parses (string2ld: shorter than MAX_LONG_DOUBLE_CHARS, 5 KiB). */
export const maxRedisFloatBytes = 5 * 1024 - 1;
/** Deepest recursion of a glob match ('*' after '*'): past it the pattern does not match (Redis 7). */
export const maxGlobNesting = 1000;
// The append-only log on disk (src/server/append-only.ts)
/** appendfsync everysec: time between two fdatasyncs of the log (also when `no` writes what timers logged). */
export const everysecSyncMs = 1000;
/** Time between two tries to write a log that failed (ENOSPC, EIO), as Redis's serverCron retries. */
export const aofRetryMs = 1000;
/** How often a scheduled rewrite of the log and the automatic rule are checked (Redis's serverCron at hz 10). */
export const aofRewriteCheckMs = 100;
/** Rewrites failed in a row after which the automatic ones wait 1, 2, 4 ... minutes (Redis's AOF_REWRITE_LIMITE_THRESHOLD). */
export const aofRewriteFailuresBeforeDelay = 3;
/** The longest of those waits (Redis's AOF_REWRITE_LIMITE_MAX_MINUTES). */
export const maxAofRewriteDelayMinutes = 60;
/** Commands replayed between two looks at the clock while loading at start-up (progress once a second). */
export const loadProgressCommands = 4096;
