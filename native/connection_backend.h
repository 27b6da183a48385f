// What the epoll and io_uring backends share: the connection table, the send queue limit, the list
// of connections to visit at the next flush, and records raised outside collect() (closes, connects
// finished at once), which JS gets at the start of the next batch. Each backend adds only how it
// listens, reads, sends and closes.
#pragma once

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "backend.h"
#include "connections.h"
#include "files.h"
#include "sockets.h"

namespace fkvs {

class ConnectionBackend : public Backend {
 public:
  explicit ConnectionBackend(const BackendOptions& options)
      : options_(options), table_(options.max_clients, options.max_outgoing, options.max_pending_output_bytes) {
    spare_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
  }

  // Visits every connection listed since the last flush (listed again meanwhile: visited again).
  void flush() final {
    for (size_t i = 0; i < to_visit_.size(); i++) {
      int id = to_visit_[i];
      Connection* c = table_.get(id);
      if (c == nullptr) continue;
      c->listed = false;
      visit(id, c);
    }
    to_visit_.clear();
    after_flush();
  }

  int open_connections() const override { return table_.open(); }
  int table_connections() const override { return table_.count_slots(); }
  size_t unsent_output_bytes() const override { return unsent_output_bytes_; }

  void notify_drained(int id) override {
    Connection* c = checked(id);
    if (c == nullptr) return;
    c->drain_wanted = true;
    if (c->out.pending() == 0 && !c->out.in_flight) drained(id, c);
  }

  std::string listen_tcp(const std::string& host, int port, size_t max_pending_output_bytes) override {
    std::string error;
    watch_listener(open_tcp_listener(host, port, backlog(), &error), true, max_pending_output_bytes);
    return error;
  }

  std::string listen_unix(const std::string& path, size_t max_pending_output_bytes) override {
    std::string error;
    BoundPath bound;
    int fd = open_unix_listener(path, backlog(), &bound, &error);
    if (fd >= 0) bound_paths_.push_back(bound);
    watch_listener(fd, false, max_pending_output_bytes);
    return error;
  }

  // Closes every listener, then removes the unix socket files that are still ours.
  void stop_listening() override {
    for (int fd : listeners_) {
      unwatch_listener(fd);
      close(fd);
    }
    listeners_.clear();
    listener_is_tcp_.clear();
    listener_max_pending_.clear();
    for (const BoundPath& bound : bound_paths_) remove_if_ours(bound);
    bound_paths_.clear();
  }

  int listener_count() const override { return static_cast<int>(listeners_.size()); }

  std::string peer_address(int id) const override {
    const Connection* c = table_.get(id);
    return c == nullptr ? "" : fkvs::peer_address(c->fd);
  }

  std::string local_address(int id) const override {
    const Connection* c = table_.get(id);
    return c == nullptr ? "" : fkvs::local_address(c->fd);
  }

  bool queue_send(int id, const uint8_t* data, size_t length) override {
    Connection* c = checked(id);
    if (c == nullptr) return false;
    if (c->out.pending() + length > c->max_pending_output_bytes) {
      counters.dropped++;
      drop(id, c, 0);
      return false;
    }
    c->out.queued.bytes.insert(c->out.queued.bytes.end(), data, data + length);
    unsent_output_bytes_ += length;
    list(id, c);
    return true;
  }

  bool queue_pinned(int id, const uint8_t* data, size_t length, void* token) override {
    Connection* c = checked(id);
    if (c != nullptr && c->out.pending() + length > c->max_pending_output_bytes) {
      counters.dropped++;
      drop(id, c, 0);
      c = nullptr;
    }
    if (c == nullptr) {
      options_.unpin(token, length);
      return false;
    }
    c->out.queue_pinned(data, length, token);
    unsent_output_bytes_ += length;
    list(id, c);
    return true;
  }

  int open_file(const std::string& path, int mode, std::string* error) override {
    return files_.open_file(path, mode, error);
  }

  bool write_file(int id, const uint8_t* data, size_t length, int sync, int32_t tag) override {
    if (!files_.write(id, data, length, sync, tag)) return false;
    start_file_jobs(id);
    if (files_.has_records()) wake();  // an operation with nothing to do ended at once
    return true;
  }

  void retry_file(int id, int32_t tag) override {
    files_.retry(id, tag);
    start_file_jobs(id);
    if (files_.has_records()) wake();
  }

  void close_file(int id) override { files_.close_file(id); }
  uint64_t file_size(int id) override { return files_.size(id); }

  void close_connection(int id, bool flush_first) override {
    Connection* c = checked(id);
    if (c == nullptr) return;
    if (flush_first && c->out.pending() > 0) {
      c->closing = true;
      c->close_asked = true;
      list(id, c);
    } else {
      drop(id, c, 0);
    }
  }

 protected:
  // Starts a file job (native/files.h); its write's end is reported through file_written (when
  // it writes), its sync's through file_synced (when it syncs).
  virtual void start_file_io(int id, const FileJob& job) = 0;

  // The job's write ended: bytes written, or -errno.
  void file_written(int id, int slot, int result) {
    files_.written(id, slot, result);
    start_file_jobs(id);
  }

  // The job's sync ended: 0, -ECANCELED (its write was short or failed) or -errno.
  void file_synced(int id, int slot, int result) {
    FKVS_ASSERT(file_syncs_in_flight_ > 0, "a sync completion with none in flight");
    file_syncs_in_flight_--;
    counters.file_syncs++;
    counters.file_sync_micros += static_cast<uint64_t>(micros_now() - sync_started_micros_[id * kMaxFileSyncsInFlight + slot]);
    files_.synced(id, slot, result);
    start_file_jobs(id);
  }

  // Moves file records into the batch after the socket events; returns how many. Those that do
  // not fit wake the loop for the next batch.
  int drain_file_records(int32_t* records, int room) {
    int count = files_.drain_records(records, room);
    if (files_.has_records()) wake();
    return count;
  }

  // Sends what the connection has queued, closes it when due, re-arms its reading.
  virtual void visit(int id, Connection* c) = 0;
  // At the end of flush(): submits what the visits prepared.
  virtual void after_flush() {}
  // Starts accepting on a new listening socket, already in listeners_.
  virtual void add_listener(int fd) = 0;
  // Stops accepting on a listening socket about to be closed.
  virtual void unwatch_listener(int fd) = 0;
  // Closes the connection and frees its slot; `error` is the errno a failed connect reports to JS.
  virtual void drop(int id, Connection* c, int error) = 0;
  // Makes poll_fd() readable, so that the loop collects again.
  virtual void wake() = 0;
  // The connection is being forgotten: its pinned pieces go back, unless a send in flight still
  // reads them (io_uring keeps the queue until that send's completion).
  virtual void retire(int /*id*/, Connection* c) { c->out.release(options_.unpin); }

  int backlog() const { return options_.max_clients > 65535 ? 65535 : static_cast<int>(options_.max_clients); }

  // Gives back the pins of every connection still open: for the derived destructor, once no send
  // of the kernel reads them.
  void release_all_pins() {
    for (size_t id = 0; id < table_.size(); id++) {
      if (Connection* c = table_.get(static_cast<int>(id))) c->out.release(options_.unpin);
    }
  }

  // Closes every connection and listener: for the derived destructor, while its overrides exist.
  void close_all() {
    for (size_t id = 0; id < table_.size(); id++) {
      if (Connection* c = table_.get(static_cast<int>(id))) {
        shutdown(c->fd, SHUT_RDWR);  // io_uring: ends the recv holding the socket
        close(c->fd);
      }
    }
    stop_listening();
    if (spare_fd_ >= 0) close(spare_fd_);
    spare_fd_ = -1;
  }

  // Enters an accepted socket in the table and writes its record: Open (with the listener's
  // index), or Refused when max-clients are open (the socket is closed then). Its id, or -1.
  int admit(int fd, int listener, int32_t* record) {
    int id = table_.add(fd, false);
    if (id < 0) {
      close(fd);
      counters.refused++;
      write_record(record, kEventRefused, -1, 0, 0);
      return -1;
    }
    table_.get(id)->max_pending_output_bytes = listener_max_pending_[listener];
    set_no_delay(fd);
    if (options_.tcp_keepalive_seconds > 0 && listener_is_tcp_[listener]) {
      set_keepalive(fd, options_.tcp_keepalive_seconds);
    }
    counters.accepted++;
    write_record(record, kEventOpen, id, listener, 0);
    return id;
  }

  // accept failed for want of fds: frees the spare, takes the waiting connection with it and
  // closes it, so that the listener does not stay ready (a spin) and the client is told at once.
  // True with a Refused record written; false when there is no spare.
  bool refuse_with_spare(int listener_fd, int32_t* record) {
    if (spare_fd_ < 0) return false;
    close(spare_fd_);
    int refused = accept4(listener_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (refused >= 0) close(refused);
    spare_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
    counters.refused++;
    write_record(record, kEventRefused, -1, 0, 0);
    return true;
  }

  // The open connection with this id; an id JS never got, or one already closed, is a broken
  // invariant of the transport (JS only names connections it saw open and not yet closed...
  // except after its own close, which the Closed record confirms later: those return nullptr).
  Connection* checked(int id) {
    FKVS_ASSERT(id >= 0 && static_cast<size_t>(id) < table_.size(), "connection id out of range");
    return table_.get(id);
  }

  // The kernel took n more bytes of the connection's queue.
  void took(Connection* c, size_t n) {
    c->out.sent += n;
    unsent_output_bytes_ -= n;
  }

  // The connection's queue is empty: raises Drained if JS asked; true when it should be closed now
  // (a close after flush, or the peer's FIN once every byte it sent before reached JS). A paused
  // connection is closed by the peer's FIN only once resumed: JS may still hold requests of it
  // that it put aside (its batch's reply budget was spent), whose replies the peer awaits.
  bool settled(int id, Connection* c) {
    if (c->drain_wanted) drained(id, c);
    return c->closing && (c->close_asked || !c->paused);
  }

  // What every close shares once the fd is closed: the queue's bytes leave the total, the slot is
  // freed, JS gets the Closed record. `error`: the errno a failed connect reports.
  void forget(int id, Connection* c, int error) {
    unsent_output_bytes_ -= c->out.pending();
    retire(id, c);
    table_.remove(id);
    push_internal(kEventClosed, id, error);
  }

  // Puts the connection on the list that flush() visits.
  void list(int id, Connection* c) {
    if (c->listed) return;
    c->listed = true;
    to_visit_.push_back(id);
  }

  // A record raised outside collect(); JS gets it at the start of the next batch.
  void push_internal(int32_t kind, int32_t id, int32_t value) {
    int32_t record[kRecordInts] = {kind, id, value, 0};
    internal_.insert(internal_.end(), record, record + kRecordInts);
    wake();
  }

  bool has_internal() const { return !internal_.empty(); }

  // Moves pending internal records into the batch; returns how many. An id whose Closed record
  // JS now gets may be reused from here on.
  int drain_internal(int32_t* records, int max_records) {
    int count = 0;
    size_t drained = 0;
    for (; drained + kRecordInts <= internal_.size() && count < max_records; drained += kRecordInts, count++) {
      std::memcpy(records + count * kRecordInts, &internal_[drained], kRecordInts * sizeof(int32_t));
      if (internal_[drained] == kEventClosed) table_.release(internal_[drained + 1]);
    }
    internal_.erase(internal_.begin(), internal_.begin() + drained);
    return count;
  }

  // The listener's index (the order it was opened in), or -1 when it is no longer ours.
  int listener_index(int fd) const {
    for (size_t i = 0; i < listeners_.size(); i++) {
      if (listeners_[i] == fd) return static_cast<int>(i);
    }
    return -1;
  }

  static void write_record(int32_t* record, int32_t kind, int32_t id, int32_t offset, int32_t length) {
    record[0] = kind;
    record[1] = id;
    record[2] = offset;
    record[3] = length;
  }

  BackendOptions options_;
  ConnectionTable table_;
  std::vector<int> to_visit_;  // connections listed for the next flush()
  // Listening sockets in the order they were opened: an Open record carries the index. Emptied
  // by stop_listening, after which nothing is accepted.
  std::vector<int> listeners_;

 private:
  // fd < 0: opening it failed, nothing to watch.
  void watch_listener(int fd, bool tcp, size_t max_pending_output_bytes) {
    if (fd < 0) return;
    listeners_.push_back(fd);
    listener_is_tcp_.push_back(tcp);
    listener_max_pending_.push_back(max_pending_output_bytes > 0 ? max_pending_output_bytes
                                                                 : options_.max_pending_output_bytes);
    add_listener(fd);
  }

  void drained(int id, Connection* c) {
    c->drain_wanted = false;
    push_internal(kEventDrained, id, 0);
  }

  void start_file_jobs(int id) {
    FileJob job;
    while (files_.next(id, &job)) {
      counters.file_writes++;
      if (job.sync != kFileSyncNone) {
        size_t at = static_cast<size_t>(id) * kMaxFileSyncsInFlight + job.slot;
        if (at >= sync_started_micros_.size()) sync_started_micros_.resize(at + 1);
        sync_started_micros_[at] = micros_now();
        file_syncs_in_flight_++;
        if (file_syncs_in_flight_ > counters.file_syncs_in_flight_max) {
          counters.file_syncs_in_flight_max = file_syncs_in_flight_;
        }
      }
      start_file_io(id, job);
    }
  }

  std::vector<int32_t> internal_;
  FileTable files_;
  uint64_t file_syncs_in_flight_ = 0;  // of every file
  std::vector<int64_t> sync_started_micros_;  // by file id and slot: when its sync job started

  static int64_t micros_now() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  size_t unsent_output_bytes_ = 0;
  std::vector<BoundPath> bound_paths_;
  std::vector<bool> listener_is_tcp_;  // by listener index: keepalive applies to TCP only
  std::vector<size_t> listener_max_pending_;  // by listener index: its connections' send queue limit
  int spare_fd_ = -1;  // an fd held back for refusing connections when the process has none left
};

}  // namespace fkvs
