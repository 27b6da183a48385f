// Every native limit, with its unit in its name. JS-side limits live in src/limits.ts.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fkvs {

// The batch JS gets per crossing: event records at most, and the receive area they point into.
constexpr uint32_t kMaxBatchRecords = 4096;
constexpr size_t kReceiveAreaBytes = 4 << 20;
// Batches handled per wake-up before yielding to the rest of the Node event loop.
constexpr int kMaxBatchesPerWake = 16;
// Bytes of one connection handed to JS in one batch: past it, the rest waits for the next batch
// (epoll: not read yet; io_uring: completed data held back). The C server's 64 KiB input buffer:
// a pipelining client gets the same reply pacing, and the same output cap, on both backends.
constexpr size_t kMaxBatchBytesPerConnection = 64 << 10;
// A send queue keeps at most this much memory once drained; more is given back.
constexpr size_t kMaxIdleSendQueueBytes = 64 << 10;
// Pieces (copied runs and pinned values) one send of a queue with pinned values takes at most;
// the rest goes in the next send (one send in flight per connection keeps the order).
constexpr size_t kMaxSendIovecs = 64;

// epoll: stop reading in a batch when less than this is left of the receive area.
constexpr size_t kMinRecvRoomBytes = 4 << 10;
constexpr int kMaxEpollEventsPerWait = 1024;

// io_uring: ring sizes, and the provided buffers the receive area is cut into (a power of two).
constexpr unsigned kSubmissionQueueEntries = 1024;
constexpr unsigned kCompletionQueueEntries = 16384;
constexpr unsigned kReceiveBufferCount = 256;

// Files written through the backend (native/files.h): open at once; bytes queued for one file
// (a disk that fails or lags: past it a write is refused and JS turns writes away); bytes one
// WRITE carries (more go in several, the sync after the last); a drained queue's memory kept.
constexpr size_t kMaxOpenFiles = 64;
constexpr size_t kMaxFileQueueBytes = size_t{1} << 30;
constexpr size_t kMaxFileWriteBytes = 64 << 20;
constexpr size_t kMaxIdleFileQueueBytes = 4 << 20;
// Syncs of one file in flight at once, each on its own descriptor of the file (opened this many
// times): a new operation starts once the previous one's write completed, while earlier syncs fly.
// The epoll backend runs as many worker threads. Measured with the always row of bench:e2e (50
// clients, P16): 2 gave the most SETs/s; 4 gave more syncs/s, each covering fewer writes, and
// fewer SETs/s than 1 (docs/persistence.md, "always: what bounds it").
constexpr int kMaxFileSyncsInFlight = 2;

}  // namespace fkvs
