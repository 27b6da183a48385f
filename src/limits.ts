/**
 * Every limit of fkvs, in one place, with its unit in its name. Wire limits come from the FKVS
 * protocol (shared spec, sections 2.3-2.5); the rest are ours.
 */

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
/** KEYS body limit, counting a newline after every line. */
export const maxKeysListingBytes = 65500;
/** INFO text limit of the original (a longer text gets the ERROR frame). */
export const maxInfoTextBytes = 767;
/** Unsent reply bytes one connection may hold; over it the connection is closed. */
export const maxPendingOutputBytes = 1024 * 1024;
/** First allocation of a connection's output buffer. */
export const initialOutputBytes = 16 * 1024;
/** Period of the active expiry cycle. */
export const expireCycleMs = 100;
/** Period of the check that closes idle clients (`timeout`): a client goes at most this late. */
export const idleCheckMs = 1000;
/** How long a graceful stop (SIGTERM, SIGINT) may take to flush replies before connections are cut. */
export const shutdownTimeoutMs = 5000;

// Integers (spec 2.5)
/** Longest decimal of an int64 with its sign: "-9223372036854775808". */
export const maxInt64DecimalBytes = 20;

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
