// The epoll backend: level-triggered readiness, recv into the shared receive area, send from the
// connection's queue until EAGAIN, then EPOLLOUT. Used where io_uring is unavailable or off.
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "connection_backend.h"
#include "file_worker.h"
#include "limits.h"

namespace fkvs {
namespace {

constexpr uint64_t kListenerTag = 1ull << 40;
constexpr uint64_t kWakeTag = 1ull << 41;

class EpollBackend final : public ConnectionBackend {
 public:
  EpollBackend(const BackendOptions& options, int epoll_fd, int wake_fd)
      : ConnectionBackend(options), epoll_fd_(epoll_fd), wake_fd_(wake_fd), worker_(new FileWorker(wake_fd)) {}

  ~EpollBackend() override {
    worker_.reset();  // joins the threads: no job may outlive the file table
    close_all();
    release_all_pins();
    close(wake_fd_);
    close(epoll_fd_);
  }

  const char* name() const override { return "epoll"; }
  std::string features() const override { return ""; }
  int poll_fd() const override { return epoll_fd_; }
  int connect_to(const SocketAddress& address, std::string* error) override {
    int id = table_.add_outgoing(address, true, error);
    if (id < 0) return -1;
    counters.syscalls += 2;  // socket, setsockopt
    Connection* c = table_.get(id);
    epoll_event event{};
    event.events = EPOLLOUT;
    event.data.u64 = static_cast<uint32_t>(id);
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, c->fd, &event);
    int result = connect(c->fd, address.get(), address.length);
    counters.syscalls += 2;
    // Unix sockets connect at once (or fail: EAGAIN when the listen backlog is full); TCP reports
    // EINPROGRESS and becomes writable when the handshake is done.
    if (result < 0 && errno != EINPROGRESS) {
      drop(id, c, errno);
    } else if (result == 0) {
      connected(id, c);
      push_internal(kEventOpen, id, -1);
    }
    return id;
  }


  int collect(int32_t* records, int max_records) override {
    int count = drain_internal(records, max_records);
    epoll_event events[kMaxEpollEventsPerWait];
    int room = max_records - count;
    int n = epoll_wait(epoll_fd_, events, room < kMaxEpollEventsPerWait ? room : kMaxEpollEventsPerWait, 0);
    counters.syscalls++;
    for (int i = 0; i < n && count < max_records; i++) {
      uint64_t tag = events[i].data.u64;
      if (tag == kWakeTag) {
        uint64_t value;
        ssize_t ignored = read(wake_fd_, &value, sizeof(value));
        (void)ignored;
      } else if (tag & kListenerTag) {
        count += accept_all(static_cast<int>(tag & 0xffffffff), records + count * kRecordInts, max_records - count);
      } else {
        int id = static_cast<int>(tag);
        Connection* c = table_.get(id);
        if (c == nullptr) continue;
        if (c->connecting) {
          count += finish_connect(id, c, records + count * kRecordInts);
          continue;
        }
        // A hang-up is reported even when neither reading nor writing is watched: try_send
        // then fails and drops the connection instead of leaving it level-triggered forever.
        if (events[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) try_send(id, c);
        c = table_.get(id);
        // A paused connection is still read once its peer is gone (HUP, ERR are reported whether
        // watched or not): level-triggered, leaving it would spin.
        uint32_t readable = c != nullptr && c->paused ? (EPOLLHUP | EPOLLERR) : (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR);
        if (c != nullptr && !c->read_closed && (events[i].events & readable)) {
          count += receive(id, c, records + count * kRecordInts);
        }
      }
    }
    worker_->take(&file_results_);
    for (const FileWorker::Result& r : file_results_) {
      if (r.sync) {
        file_synced(r.id, r.slot, r.result);
      } else {
        file_written(r.id, r.slot, r.result);
      }
    }
    count += drain_file_records(records + count * kRecordInts, max_records - count);
    if (has_internal()) wake();
    return count;
  }

  void release_batch() override { area_used_ = 0; }

  void pause_reading(int id, bool paused) override {
    Connection* c = checked(id);
    if (c == nullptr || c->paused == paused) return;
    c->paused = paused;
    if (!c->connecting) rearm(id, c);
  }


 private:
  void visit(int id, Connection* c) override { try_send(id, c); }

  void add_listener(int fd) override {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = kListenerTag | static_cast<uint32_t>(fd);
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event);
  }

  void unwatch_listener(int fd) override { epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr); }

  void start_file_io(int id, const FileJob& job) override { worker_->submit(id, job); }

  void wake() override {
    uint64_t one = 1;
    ssize_t ignored = write(wake_fd_, &one, sizeof(one));
    (void)ignored;
  }

  // Accepts until EAGAIN or the batch is full; returns the records written.
  int accept_all(int listener, int32_t* records, int room) {
    int written = 0;
    while (written < room) {
      int fd = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      counters.syscalls++;
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if ((errno == EMFILE || errno == ENFILE) && refuse_with_spare(listener, records + written * kRecordInts)) {
          written++;
          continue;
        }
        break;
      }
      int id = admit(fd, listener_index(listener), records + written++ * kRecordInts);
      if (id < 0) continue;
      epoll_event event{};
      event.events = EPOLLIN | EPOLLRDHUP;
      event.data.u64 = static_cast<uint32_t>(id);
      epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event);
    }
    return written;
  }

  // One recv for the connection; returns the records written (0 or 1).
  int receive(int id, Connection* c, int32_t* record) {
    size_t room = options_.receive_area_bytes - area_used_;
    if (room < kMinRecvRoomBytes) return 0;  // level-triggered: read next batch
    if (room > kMaxBatchBytesPerConnection) room = kMaxBatchBytesPerConnection;
    ssize_t n = recv(c->fd, options_.receive_area + area_used_, room, 0);
    counters.syscalls++;
    if (n > 0) {
      write_record(record, kEventData, id, static_cast<int32_t>(area_used_), static_cast<int32_t>(n));
      area_used_ += static_cast<size_t>(n);
      return 1;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
    // FIN (or an error): no more requests. Replies to what came before are still sent, then close.
    c->read_closed = true;
    c->closing = true;
    rearm(id, c);
    list(id, c);  // flush() closes it once JS queued its last replies and they are sent
    return 0;
  }

  // The outgoing connection became writable (or failed); returns the records written (0 or 1).
  int finish_connect(int id, Connection* c, int32_t* record) {
    int error = 0;
    socklen_t length = sizeof(error);
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &length);
    counters.syscalls++;
    if (error != 0) {
      drop(id, c, error);
      return 0;
    }
    connected(id, c);
    write_record(record, kEventOpen, id, -1, 0);
    return 1;
  }

  // Reads from now on; sends what was queued while connecting.
  void connected(int id, Connection* c) {
    c->connecting = false;
    rearm(id, c);
    if (c->out.pending() > 0 || c->closing) list(id, c);
  }

  void try_send(int id, Connection* c) {
    if (c->connecting) return;  // finish_connect lists it again
    while (c->out.ready(options_.unpin)) {
      // With pinned values: one sendmsg over the copied runs and the values (writev's iovecs).
      ssize_t n = c->out.sending.pins.empty()
                      ? send(c->fd, c->out.sending.bytes.data() + c->out.sent,
                             c->out.sending.bytes.size() - c->out.sent, MSG_NOSIGNAL | MSG_DONTWAIT)
                      : sendmsg(c->fd, c->out.gather(), MSG_NOSIGNAL | MSG_DONTWAIT);
      counters.syscalls++;
      counters.sends++;
      if (n > 0) {
        took(c, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        watch(id, c, true);
        return;
      }
      counters.dropped++;
      drop(id, c);
      return;
    }
    if (settled(id, c)) {
      drop(id, c);
      return;
    }
    watch(id, c, false);
  }

  // Arms or disarms EPOLLOUT.
  void watch(int id, Connection* c, bool writable) {
    if (c->write_armed == writable) return;
    c->write_armed = writable;
    rearm(id, c);
  }

  // Registers the events the connection's state calls for: reads until FIN, writes while blocked.
  void rearm(int id, Connection* c) {
    epoll_event event{};
    event.events = (c->read_closed || c->paused ? 0u : uint32_t{EPOLLIN | EPOLLRDHUP}) |
                   (c->write_armed || c->connecting ? uint32_t{EPOLLOUT} : 0u);
    event.data.u64 = static_cast<uint32_t>(id);
    epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c->fd, &event);
    counters.syscalls++;
  }

  // Closes the connection; `error` is the errno a failed connect reports to JS.
  void drop(int id, Connection* c, int error = 0) override {
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c->fd, nullptr);
    close(c->fd);
    counters.syscalls += 2;
    forget(id, c, error);
  }

  int epoll_fd_;
  int wake_fd_;
  std::unique_ptr<FileWorker> worker_;  // threads started by file jobs
  std::vector<FileWorker::Result> file_results_;
  size_t area_used_ = 0;
};

}  // namespace

Backend* new_epoll_backend(const BackendOptions& options, std::string* error) {
  int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0) {
    *error = std::string("epoll_create1: ") + std::strerror(errno);
    return nullptr;
  }
  int wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd < 0) {
    *error = std::string("eventfd: ") + std::strerror(errno);
    close(epoll_fd);
    return nullptr;
  }
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = kWakeTag;
  epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd, &event);
  return new EpollBackend(options, epoll_fd, wake_fd);
}

}  // namespace fkvs
