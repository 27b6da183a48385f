// The connection table both backends keep: fds, ids handed to JS, and send queues.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "assert.h"
#include "limits.h"
#include "send_queue.h"
#include "sockets.h"

namespace fkvs {

struct Connection {
  int fd = -1;
  bool outgoing = false;      // opened by connect, counted against max_outgoing
  bool connecting = false;    // outgoing, not connected yet: sends wait
  bool read_closed = false;   // the peer sent FIN (or recv failed): no more data
  bool closing = false;       // close once the send queue is empty
  bool recv_armed = false;    // io_uring: a recv is in flight
  bool recv_multishot = false; // io_uring: that recv is multishot
  bool hang_up_armed = false; // io_uring: the poll for the peer's hang-up is in flight or done
  bool hung_up = false;       // io_uring: that poll fired; recvs are single-shot from here on
  bool listed = false;        // on the backend's list of connections to send for
  bool write_armed = false;   // epoll: waiting for EPOLLOUT
  bool paused = false;        // JS paused reading
  bool drain_wanted = false;  // JS asked for a Drained record
  bool close_asked = false;   // JS closed it after its replies: closes even while paused
  uint32_t held = 0;          // io_uring: data records held back for a later batch
  size_t max_pending_output_bytes = 0;  // its send queue limit (its listener's)
  size_t batch_bytes = 0;     // bytes handed to JS in the current batch
  SendQueue out;
};

// Ids are small integers reused after the connection's Closed event; JS indexes arrays by them.
// The table grows as connections arrive. Accepted connections count against max_clients and
// outgoing ones against max_outgoing, so a client's own connections never refuse its peers'.
class ConnectionTable {
 public:
  ConnectionTable(uint32_t max_accepted, uint32_t max_outgoing, size_t max_pending_output_bytes)
      : limits_{max_accepted, max_outgoing}, max_pending_output_bytes_(max_pending_output_bytes) {}
  // An id for fd, or -1 when the limit of its kind is reached.
  int add(int fd, bool outgoing) {
    if (open_by_kind_[outgoing] >= limits_[outgoing]) return -1;
    int id;
    if (!free_.empty()) {
      id = free_.back();
      free_.pop_back();
    } else {
      id = static_cast<int>(slots_.size());
      slots_.emplace_back();
    }
    slots_[id] = Connection{};
    slots_[id].fd = fd;
    slots_[id].outgoing = outgoing;
    slots_[id].max_pending_output_bytes = max_pending_output_bytes_;
    open_by_kind_[outgoing]++;
    return id;
  }
  // A new socket for an outgoing connection, entered as connecting (not connected yet): its id,
  // or -1 with *error when the socket cannot be made or max_outgoing are open.
  int add_outgoing(const SocketAddress& address, bool non_blocking, std::string* error) {
    if (open_by_kind_[1] >= limits_[1]) {
      *error = "connect: maxOutgoing (" + std::to_string(limits_[1]) + ") outgoing connections already open";
      return -1;
    }
    int fd = open_client_socket(address, non_blocking, error);
    if (fd < 0) return -1;
    int id = add(fd, true);
    slots_[id].connecting = true;
    return id;
  }
  // The id stays taken until release(id): JS must see its Closed record before an Open record
  // reuses it, and a drop inside collect() is reported in the next batch.
  void remove(int id) {
    FKVS_ASSERT(id >= 0 && static_cast<size_t>(id) < slots_.size() && slots_[id].fd >= 0, "remove of a free slot");
    open_by_kind_[slots_[id].outgoing]--;
    slots_[id] = Connection{};
  }
  // Called as the Closed record of id is handed to JS.
  void release(int id) {
    FKVS_ASSERT(id >= 0 && static_cast<size_t>(id) < slots_.size() && slots_[id].fd < 0, "release of an open slot");
    free_.push_back(id);
  }
  Connection* get(int id) {
    if (id < 0 || id >= static_cast<int>(slots_.size()) || slots_[id].fd < 0) return nullptr;
    return &slots_[id];
  }
  const Connection* get(int id) const {
    if (id < 0 || id >= static_cast<int>(slots_.size()) || slots_[id].fd < 0) return nullptr;
    return &slots_[id];
  }
  int open() const { return static_cast<int>(open_by_kind_[0] + open_by_kind_[1]); }
  // Slots holding an fd, counted one by one: equal to open() (checked, for tests and INFO).
  int count_slots() const {
    int live = 0;
    for (const Connection& c : slots_) live += c.fd >= 0;
    FKVS_ASSERT(live == open(), "open connections counted apart from the table");
    return live;
  }
  size_t size() const { return slots_.size(); }

 private:
  uint32_t limits_[2];        // [accepted, outgoing]
  uint32_t open_by_kind_[2] = {0, 0};
  size_t max_pending_output_bytes_;  // of a new connection, until admit() sets its listener's
  std::vector<Connection> slots_;
  std::vector<int> free_;
};

}  // namespace fkvs
