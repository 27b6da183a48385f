// The connection table both backends keep: fds, ids handed to JS, and send queues.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace fkvs {

// Bytes waiting to be sent. `sending` is what an operation in flight reads (never touched while
// it flies); new bytes go to `queued`, which becomes `sending` when the flight lands.
struct SendQueue {
  std::vector<uint8_t> sending;
  size_t sent = 0;  // bytes of `sending` already taken by the kernel
  std::vector<uint8_t> queued;
  bool in_flight = false;

  size_t pending() const { return sending.size() - sent + queued.size(); }
  // Moves queued bytes to `sending` when nothing is left there; true if there is something to send.
  bool ready() {
    if (sent == sending.size()) {
      sending.clear();
      sent = 0;
      sending.swap(queued);
    }
    return sent < sending.size();
  }
};

struct Connection {
  int fd = -1;
  bool read_closed = false;   // the peer sent FIN (or recv failed): no more data
  bool closing = false;       // close once the send queue is empty
  bool recv_armed = false;    // io_uring: a recv is in flight
  int ops_in_flight = 0;      // io_uring: operations that still name this connection
  bool listed = false;        // on the backend's list of connections to send for
  bool write_armed = false;   // epoll: waiting for EPOLLOUT
  SendQueue out;
};

// Ids are small integers reused after the connection's Closed event; JS indexes arrays by them.
// The table grows as connections arrive, up to `limit` (max-clients).
class ConnectionTable {
 public:
  explicit ConnectionTable(uint32_t limit) : limit_(limit) {}
  // An id for fd, or -1 when max-clients connections are open.
  int add(int fd) {
    int id;
    if (!free_.empty()) {
      id = free_.back();
      free_.pop_back();
    } else if (slots_.size() < limit_) {
      id = static_cast<int>(slots_.size());
      slots_.emplace_back();
    } else {
      return -1;
    }
    slots_[id] = Connection{};
    slots_[id].fd = fd;
    open_++;
    return id;
  }
  void remove(int id) {
    slots_[id] = Connection{};
    free_.push_back(id);
    open_--;
  }
  Connection* get(int id) {
    if (id < 0 || id >= static_cast<int>(slots_.size()) || slots_[id].fd < 0) return nullptr;
    return &slots_[id];
  }
  int open() const { return open_; }
  bool full() const { return free_.empty() && slots_.size() >= limit_; }
  size_t size() const { return slots_.size(); }

 private:
  uint32_t limit_;
  std::vector<Connection> slots_;
  std::vector<int> free_;
  int open_ = 0;
};

}  // namespace fkvs
