// The interface of the two network backends (epoll, io_uring), as Redis keeps ae_epoll.c and
// ae_kqueue.c behind ae.c. A backend accepts connections, reads into a receive area shared with
// JS, and sends what JS queued; it reports what happened as integer event records.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "send_queue.h"
#include "sockets.h"

namespace fkvs {

// An event record in the shared Int32Array: kind, connection id, offset in the receive area, length.
constexpr int kRecordInts = 4;
enum EventKind : int32_t {
  // A connection was accepted (offset: the index of its listener, in the order the listeners were
  // opened), or an outgoing one is connected (offset -1).
  kEventOpen = 1,
  kEventData = 2,    // bytes arrived: [offset, offset + length) of the receive area
  // The connection is gone; its id may be reused after this event. The offset field holds the
  // errno when an outgoing connection failed to connect (ECONNREFUSED...), else 0.
  kEventClosed = 3,
  kEventRefused = 4, // a connection was accepted and closed at once: max-clients reached
  // Every byte queued for the connection has been handed to the kernel, after JS asked with
  // notify_drained (once per ask). JS's backpressure: pause reading a connection whose replies
  // pile up, ask, and resume reading when this comes.
  kEventDrained = 5,
  // A file request completed: id is the file, offset the request's tag, length 0 when its bytes
  // are written (and synced, if it asked), else -errno (the bytes stay queued until retry_file).
  kEventFile = 6,
};

// How a file is opened (open_file) and what a write ends with (write_file).
enum FileMode : int { kFileAppend = 1, kFileTruncate = 2, kFileDirectory = 3 };
enum FileSync : int { kFileSyncNone = 0, kFileSyncData = 1, kFileSyncFull = 2 };

struct BackendOptions {
  // Where received bytes go: memory of a JS ArrayBuffer that outlives the backend.
  uint8_t* receive_area = nullptr;
  size_t receive_area_bytes = 0;
  uint32_t max_clients = 128;   // accepted connections open at once
  uint32_t max_outgoing = 0;    // connections opened by connect_tcp/connect_unix at once
  // Send queue limit of outgoing connections, and of accepted ones whose listener names none.
  size_t max_pending_output_bytes = 1 << 20;
  int tcp_keepalive_seconds = 0;  // accepted TCP connections: idle seconds before probes; 0: off
  Unpinner unpin;  // gives back pinned memory queued by queue_pinned, once no send reads it
  // io_uring switches (ignored by epoll).
  bool defer_taskrun = true;
  bool coop_taskrun = true;
  bool multishot_accept = true;
  bool multishot_recv = true;
};

struct BackendCounters {
  uint64_t syscalls = 0;     // system calls made by the backend (io_uring_enter counts once)
  uint64_t batches = 0;      // event batches handed to JS
  uint64_t events = 0;       // event records handed to JS
  uint64_t sends = 0;        // send operations issued
  uint64_t accepted = 0;
  uint64_t refused = 0;      // closed at once: max-clients reached
  uint64_t dropped = 0;      // closed by the server: output limit, errors
  uint64_t file_writes = 0;  // file operations started (a write, a sync, or both linked)
  uint64_t file_syncs_in_flight_max = 0;  // the most file syncs in flight at once, of every file
  uint64_t file_syncs = 0;                 // file syncs completed
  uint64_t file_sync_micros = 0;           // their time from the job's start to the sync's end, summed
  uint64_t reenters = 0;     // io_uring: enters again because one brought kKernelLocalWorkPerEnter or more
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;
  // Features in use, space separated ("" for epoll).
  virtual std::string features() const = 0;
  // The fd the event loop watches for readability.
  virtual int poll_fd() const = 0;
  // Returns "" on success, else the error text. `max_pending_output_bytes`: the send queue limit of
  // the connections it accepts (each wire has its own: FKVS 1 MiB, the Redis front far more); 0
  // for the backend's max_pending_output_bytes.
  virtual std::string listen_tcp(const std::string& host, int port, size_t max_pending_output_bytes) = 0;
  virtual std::string listen_unix(const std::string& path, size_t max_pending_output_bytes) = 0;
  // Listeners opened so far; the last one opened has index listener_count() - 1.
  virtual int listener_count() const = 0;
  // Starts an outgoing connection: returns its id, or -1 with *error (bad address, no socket,
  // max_outgoing reached). Queued sends wait until it is connected; then an Open record follows,
  // or a Closed record carrying the connect errno.
  virtual int connect_to(const SocketAddress& address, std::string* error) = 0;
  // Called when poll_fd() is readable: fills up to max_records records, returns how many.
  virtual int collect(int32_t* records, int max_records) = 0;
  // After JS handled a batch: receive space of that batch may be reused.
  virtual void release_batch() = 0;
  // Queues a copy of bytes for the connection; false if over its listener's output limit (then it
  // is closed).
  virtual bool queue_send(int conn, const uint8_t* data, size_t length) = 0;
  // Queues memory by reference after what is queued (no copy): `token` goes back through
  // options.unpin once no send reads it any more (sent, or the connection gone), or at once when
  // refused (false: over the output limit, the connection is closed).
  virtual bool queue_pinned(int conn, const uint8_t* data, size_t length, void* token) = 0;
  // Closes the connection, after its queued bytes are sent when flush_first.
  virtual void close_connection(int conn, bool flush_first) = 0;
  // Starts the sends queued since the last call.
  virtual void flush() = 0;
  // Stops reading the connection (its peer's bytes wait in the kernel; bytes read before still
  // arrive), or starts again. Sending goes on while paused.
  virtual void pause_reading(int conn, bool paused) = 0;
  // Asks for one Drained record once the connection's queue is empty (at once when it is).
  virtual void notify_drained(int conn) = 0;
  // Bytes queued and not yet taken by the kernel, all connections together.
  virtual size_t unsent_output_bytes() const = 0;
  virtual void stop_listening() = 0;
  virtual int open_connections() const = 0;
  // Connections in the table, counted slot by slot (asserted equal to open_connections()).
  virtual int table_connections() const = 0;
  // "ip:port" of an open connection's peer; "" for a unix socket or an unknown id.
  virtual std::string peer_address(int conn) const = 0;
  // Files (native/files.h): opens one (its id, or -1 with *error); queues a copy of bytes and a
  // request completed by a File record (false: over the file's queue limit); after a failed
  // request, tries again (tag: one more request); closes once idle; bytes written so far.
  virtual int open_file(const std::string& path, int mode, std::string* error) = 0;
  virtual bool write_file(int file, const uint8_t* data, size_t length, int sync, int32_t tag) = 0;
  virtual void retry_file(int file, int32_t tag) = 0;
  virtual void close_file(int file) = 0;
  virtual uint64_t file_size(int file) = 0;
  // The connection's local end: "ip:port", or "path:0" for a unix socket; "" for an unknown id.
  virtual std::string local_address(int conn) const = 0;
  BackendCounters counters;
};

// Each returns nullptr and sets *error when the backend cannot start.
Backend* new_epoll_backend(const BackendOptions& options, std::string* error);
Backend* new_uring_backend(const BackendOptions& options, std::string* error);

}  // namespace fkvs
