// What the epoll and io_uring backends share: the connection table, the send queue limit, the list
// of connections to visit at the next flush, and records raised outside collect() (closes, connects
// finished at once), which JS gets at the start of the next batch. Each backend adds only how it
// listens, reads, sends and closes.
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "backend.h"
#include "connections.h"
#include "sockets.h"

namespace fkvs {

class ConnectionBackend : public Backend {
 public:
  explicit ConnectionBackend(const BackendOptions& options)
      : options_(options), table_(options.max_clients, options.max_outgoing) {}

  int open_connections() const override { return table_.open(); }

  std::string listen_tcp(const std::string& host, int port) override {
    std::string error;
    watch_listener(open_tcp_listener(host, port, backlog(), &error));
    return error;
  }

  std::string listen_unix(const std::string& path) override {
    std::string error;
    watch_listener(open_unix_listener(path, backlog(), &error));
    return error;
  }

  int listener_count() const override { return static_cast<int>(listeners_.size()); }

  std::string peer_address(int id) const override {
    const Connection* c = table_.get(id);
    return c == nullptr ? "" : fkvs::peer_address(c->fd);
  }

  bool queue_send(int id, const uint8_t* data, size_t length) override {
    Connection* c = table_.get(id);
    if (c == nullptr) return false;
    if (c->out.pending() + length > options_.max_pending_output_bytes) {
      counters.dropped++;
      drop(id, c, 0);
      return false;
    }
    c->out.queued.insert(c->out.queued.end(), data, data + length);
    list(id, c);
    return true;
  }

  void close_connection(int id, bool flush_first) override {
    Connection* c = table_.get(id);
    if (c == nullptr) return;
    if (flush_first && c->out.pending() > 0) {
      c->closing = true;
      list(id, c);
    } else {
      drop(id, c, 0);
    }
  }

 protected:
  // Starts accepting on a new listening socket, already in listeners_.
  virtual void add_listener(int fd) = 0;
  // Closes the connection and frees its slot; `error` is the errno a failed connect reports to JS.
  virtual void drop(int id, Connection* c, int error) = 0;
  // Makes poll_fd() readable, so that the loop collects again.
  virtual void wake() = 0;

  int backlog() const { return options_.max_clients > 65535 ? 65535 : static_cast<int>(options_.max_clients); }

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
  void watch_listener(int fd) {
    if (fd < 0) return;
    listeners_.push_back(fd);
    add_listener(fd);
  }

  std::vector<int32_t> internal_;
};

}  // namespace fkvs
