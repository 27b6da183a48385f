// The io_uring backend: multishot accept, multishot recv into a provided buffer ring laid over the
// receive area shared with JS, and sends from each connection's queue (one in flight, short sends
// finished here). Completions reach the Node loop through an eventfd registered with the ring.
#include <liburing.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "connection_backend.h"
#include "limits.h"

namespace fkvs {
namespace {

constexpr int kBufferGroup = 0;
// IO_LOCAL_TW_DEFAULT_MAX in the kernel's io_uring.h: deferred task work items one enter runs.
constexpr unsigned kKernelLocalWorkPerEnter = 20;

// user_data: op in the low 8 bits, the id's generation (24 bits, wrapping) in the next 24, the
// connection id (or listener fd) in the high 32: any id max-clients allows fits.
enum Op : uint64_t {
  kOpAccept = 1, kOpRecv = 2, kOpSend = 3, kOpConnect = 4, kOpHangUp = 5, kOpCancel = 6,
  kOpFileWrite = 7, kOpFileSync = 8,  // id: the file's; generation: the job's slot
};
constexpr uint32_t kGenerationMask = 0xffffff;
uint64_t pack(Op op, uint32_t id, uint32_t generation) {
  return static_cast<uint64_t>(op) | (static_cast<uint64_t>(generation & kGenerationMask) << 8) |
         (static_cast<uint64_t>(id) << 32);
}

int kernel_version() {
  utsname name{};
  if (uname(&name) != 0) return 0;
  int major = 0, minor = 0;
  std::sscanf(name.release, "%d.%d", &major, &minor);
  return major * 100 + minor;
}

// Whether SINGLE_ISSUER|DEFER_TASKRUN loses completions on this kernel: on Debian's 6.12.117 (under
// qemu, docs/kernels.md) a connection's first request is answered and then nothing more arrives,
// not even the client's FIN; 6.1 and 6.18 are fine, 6.13 to 6.17 were not tried. The ladder then
// starts at COOP_TASKRUN.
bool defer_taskrun_stalls(int kernel) { return kernel == 612; }

std::string errno_name(int error) {
  switch (error) {
    case ENOSYS: return "ENOSYS";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENOMEM: return "ENOMEM";
    case EINVAL: return "EINVAL";
    default: return std::to_string(error);
  }
}

class UringBackend final : public ConnectionBackend {
 public:
  explicit UringBackend(const BackendOptions& options) : ConnectionBackend(options) {}

  // Sets the ring up by the feature ladder; "" on success, else why io_uring cannot be used.
  std::string start() {
    const char* forced = std::getenv("FKVS_TEST_IO_URING_SETUP_ERROR");
    if (forced != nullptr && *forced != '\0') {
      return std::string("io_uring_setup returned ") + forced + " (forced by FKVS_TEST_IO_URING_SETUP_ERROR)";
    }
    int kernel = kernel_version();
    io_uring_params params{};
    int result = -EINVAL;
    struct Rung {
      bool enabled;
      unsigned flags;
      const char* name;
    } ladder[] = {
        {options_.defer_taskrun && !defer_taskrun_stalls(kernel), IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
         "single_issuer defer_taskrun"},
        {options_.coop_taskrun, IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG, "coop_taskrun"},
        {true, 0, ""},
    };
    for (const Rung& rung : ladder) {
      if (!rung.enabled) continue;
      params = io_uring_params{};
      params.flags = rung.flags | IORING_SETUP_CQSIZE;
      params.cq_entries = kCompletionQueueEntries;
      result = io_uring_queue_init_params(kSubmissionQueueEntries, &ring_, &params);
      if (result == 0) {
        setup_features_ = rung.name;
        break;
      }
      if (result == -ENOSYS || result == -EPERM || result == -EACCES) break;  // blocked, not a missing flag
    }
    if (result != 0) return "io_uring_setup returned " + errno_name(-result);
    ring_ready_ = true;
    io_uring_probe* probe = io_uring_get_probe_ring(&ring_);
    if (probe == nullptr) return "io_uring opcode probe failed";
    const int required[] = {IORING_OP_ACCEPT, IORING_OP_RECV, IORING_OP_SEND, IORING_OP_CONNECT, IORING_OP_WRITE,
                            IORING_OP_FSYNC};
    for (int op : required) {
      if (!io_uring_opcode_supported(probe, op)) {
        io_uring_free_probe(probe);
        return "kernel io_uring lacks opcode " + std::to_string(op);
      }
    }
    io_uring_free_probe(probe);
    multishot_accept_ = options_.multishot_accept && kernel >= 519;
    multishot_recv_ = options_.multishot_recv && kernel >= 600;
    // Buffer ring: the ring itself must be page aligned; the buffers are the JS receive area.
    buffer_bytes_ = options_.receive_area_bytes / kReceiveBufferCount;
    size_t ring_bytes = kReceiveBufferCount * sizeof(io_uring_buf);
    void* memory = mmap(nullptr, ring_bytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (memory == MAP_FAILED) return std::string("mmap of the buffer ring: ") + std::strerror(errno);
    buffers_ = static_cast<io_uring_buf_ring*>(memory);
    buffer_ring_bytes_ = ring_bytes;
    io_uring_buf_ring_init(buffers_);
    io_uring_buf_reg registration{};
    registration.ring_addr = reinterpret_cast<unsigned long>(buffers_);
    registration.ring_entries = kReceiveBufferCount;
    registration.bgid = kBufferGroup;
    result = io_uring_register_buf_ring(&ring_, &registration, 0);
    if (result != 0) return "io_uring_register_buf_ring returned " + errno_name(-result) + " (kernel 5.19+ needed)";
    for (unsigned i = 0; i < kReceiveBufferCount; i++) add_buffer(i, i);
    io_uring_buf_ring_advance(buffers_, kReceiveBufferCount);
    event_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (event_fd_ < 0) return std::string("eventfd: ") + std::strerror(errno);
    result = io_uring_register_eventfd(&ring_, event_fd_);
    if (result != 0) return "io_uring_register_eventfd returned " + errno_name(-result);
    return "";
  }

  ~UringBackend() override {
    close_all();
    if (ring_ready_) io_uring_queue_exit(&ring_);
    // The ring is gone: no send reads a queue any more.
    release_all_pins();
    for (Grave& grave : graves_) grave.out.release(options_.unpin);
    if (buffers_ != nullptr) munmap(buffers_, buffer_ring_bytes_);
    if (event_fd_ >= 0) close(event_fd_);
  }

  const char* name() const override { return "io_uring"; }
  int poll_fd() const override { return event_fd_; }

  std::string features() const override {
    std::string text = setup_features_;
    auto add = [&text](const char* word) {
      if (!text.empty()) text += " ";
      text += word;
    };
    add(multishot_accept_ ? "multishot_accept" : "accept");
    add(multishot_recv_ ? "multishot_recv" : "recv");
    add("buf_ring");
    return text;
  }

  // A WRITE at the file's offset, linked to an FSYNC (IORING_FSYNC_DATASYNC for fdatasync) when
  // the job asks for a sync: the kernel starts the sync only once the write completed whole. A
  // short or failed write breaks the link (the FSYNC completes with -ECANCELED). The job's slot
  // rides in user_data where connections keep their generation.
  void start_file_io(int id, const FileJob& job) override {
    FKVS_ASSERT(job.length > 0 || job.sync != kFileSyncNone, "a file job with nothing to do");
    uint32_t slot = static_cast<uint32_t>(job.slot);
    if (job.length > 0) {
      io_uring_sqe* entry = sqe();
      io_uring_prep_write(entry, job.fd, job.data, static_cast<unsigned>(job.length), job.offset);
      if (job.sync != kFileSyncNone) entry->flags |= IOSQE_IO_LINK;
      io_uring_sqe_set_data64(entry, pack(kOpFileWrite, static_cast<uint32_t>(id), slot));
    }
    if (job.sync != kFileSyncNone) {
      io_uring_sqe* entry = sqe();
      io_uring_prep_fsync(entry, job.fd, job.sync == kFileSyncData ? IORING_FSYNC_DATASYNC : 0);
      io_uring_sqe_set_data64(entry, pack(kOpFileSync, static_cast<uint32_t>(id), slot));
    }
  }

  int connect_to(const SocketAddress& address, std::string* error) override {
    // A blocking socket: io_uring waits for the handshake itself (poll-armed), as for recv/send.
    int id = table_.add_outgoing(address, false, error);
    if (id < 0) return -1;
    counters.syscalls += 2;  // socket, setsockopt
    if (static_cast<size_t>(id) >= generations_.size()) generations_.resize(id + 1, 0);
    io_uring_sqe* entry = sqe();
    io_uring_prep_connect(entry, table_.get(id)->fd, address.get(), address.length);
    io_uring_sqe_set_data64(entry, pack(kOpConnect, static_cast<uint32_t>(id), generation(id)));
    // Submitted now: the kernel copies the address when it first issues the connect, inside this
    // io_uring_enter, so `address` need not outlive the call.
    io_uring_submit(&ring_);
    counters.syscalls++;
    return id;
  }

  int collect(int32_t* records, int max_records) override {
    uint64_t ignored;
    if (read(event_fd_, &ignored, sizeof(ignored)) > 0) counters.syscalls++;
    io_uring_submit_and_get_events(&ring_);
    counters.syscalls++;
    int count = drain_internal(records, max_records);
    count += deliver_held(records + count * kRecordInts, max_records - count);
    io_uring_cqe* cqe;
    // The kernel (6.13+) runs at most kKernelLocalWorkPerEnter deferred task work items per enter
    // with GETEVENTS and keeps the rest on a retry list; while it does, it leaves new work on the
    // list it did not splice, and work added to a non-empty list signals no eventfd. The leftover
    // would wait for the next unrelated wake-up (a timer: ~100 ms tails under steady load), so
    // an enter that may have hit the cap is followed by another until one brings in fewer.
    unsigned ready = io_uring_cq_ready(&ring_);
    for (;;) {
      while (count < max_records && io_uring_peek_cqe(&ring_, &cqe) == 0) {
        count += complete(cqe, records + count * kRecordInts);
        io_uring_cqe_seen(&ring_, cqe);
      }
      if (count == max_records || ready < kKernelLocalWorkPerEnter) break;  // full: wake() below
      io_uring_get_events(&ring_);
      counters.syscalls++;
      counters.reenters++;
      ready = io_uring_cq_ready(&ring_);
    }
    count += drain_file_records(records + count * kRecordInts, max_records - count);
    if (count == max_records || has_internal() || !held_.empty()) wake();
    return count;
  }

  void pause_reading(int id, bool paused) override {
    Connection* c = checked(id);
    if (c == nullptr || c->paused == paused) return;
    c->paused = paused;
    if (paused) {
      // A multishot recv would go on taking the peer's bytes: cancel it. What it took before, and
      // what a single-shot recv in flight takes, still goes to JS.
      if (c->recv_armed && c->recv_multishot) cancel_recv(id);
    } else {
      list(id, c);  // flush() arms the recv again
    }
  }

  void release_batch() override {
    for (int id : batch_ids_) {
      if (Connection* c = table_.get(id)) c->batch_bytes = 0;
    }
    batch_ids_.clear();
    if (!used_buffers_.empty()) {
      for (size_t i = 0; i < used_buffers_.size(); i++) add_buffer(used_buffers_[i], static_cast<int>(i));
      io_uring_buf_ring_advance(buffers_, static_cast<int>(used_buffers_.size()));
      used_buffers_.clear();
    }
  }

  void visit(int id, Connection* c) override {
    if (!c->out.in_flight) send_next(id, c);
    c = table_.get(id);
    if (c != nullptr && !c->recv_armed && !c->read_closed && !c->connecting && !c->paused) arm_recv(id, c);
  }

  void after_flush() override {
    for (int fd : listeners_to_arm_) arm_accept(fd);
    listeners_to_arm_.clear();
    if (io_uring_sq_ready(&ring_) > 0) {
      // Also runs the completions' task work (DEFER_TASKRUN): posted, they signal the eventfd. A
      // flush from JS outside a batch (put-aside requests run from setImmediate) would otherwise
      // leave other connections' received bytes waiting for the next batch that never comes.
      io_uring_submit_and_get_events(&ring_);
      counters.syscalls++;
    }
  }

 private:
  void add_buffer(unsigned id, int offset) {
    io_uring_buf_ring_add(buffers_, options_.receive_area + static_cast<size_t>(id) * buffer_bytes_,
                          static_cast<unsigned>(buffer_bytes_), static_cast<unsigned short>(id),
                          io_uring_buf_ring_mask(kReceiveBufferCount), offset);
  }

  // A free submission entry: when the queue is full, submitting what it holds makes room.
  io_uring_sqe* sqe() {
    io_uring_sqe* entry = io_uring_get_sqe(&ring_);
    if (entry == nullptr) {
      io_uring_submit(&ring_);
      counters.syscalls++;
      entry = io_uring_get_sqe(&ring_);
    }
    FKVS_ASSERT(entry != nullptr, "no submission queue entry free after a submit");
    return entry;
  }

  void wake() override {
    uint64_t one = 1;
    ssize_t ignored = write(event_fd_, &one, sizeof(one));
    (void)ignored;
  }

  void add_listener(int fd) override {
    arm_accept(fd);
    io_uring_submit(&ring_);
    counters.syscalls++;
  }

  void unwatch_listener(int fd) override { shutdown(fd, SHUT_RDWR); }  // ends the accept in flight

  void arm_accept(int fd) {
    io_uring_sqe* entry = sqe();
    if (multishot_accept_) {
      io_uring_prep_multishot_accept(entry, fd, nullptr, nullptr, SOCK_CLOEXEC);
    } else {
      io_uring_prep_accept(entry, fd, nullptr, nullptr, SOCK_CLOEXEC);
    }
    io_uring_sqe_set_data64(entry, pack(kOpAccept, static_cast<uint32_t>(fd), 0));
  }

  void arm_recv(int id, Connection* c) {
    io_uring_sqe* entry = sqe();
    c->recv_multishot = multishot_recv_ && !c->hung_up;
    if (c->recv_multishot) {
      io_uring_prep_recv_multishot(entry, c->fd, nullptr, 0, 0);
    } else {
      io_uring_prep_recv(entry, c->fd, nullptr, buffer_bytes_, 0);
    }
    entry->flags |= IOSQE_BUFFER_SELECT;
    entry->buf_group = kBufferGroup;
    io_uring_sqe_set_data64(entry, pack(kOpRecv, static_cast<uint32_t>(id), generation(id)));
    c->recv_armed = true;
    if (multishot_recv_ && !c->hang_up_armed) arm_hang_up(id, c);
  }

  // Multishot recv under DEFER_TASKRUN can miss the last wake-up of a socket that gets data and
  // then a reset (kernel 6.18: about 1 in 2,000 connections that send a partial frame and close
  // with RST): the recv stays armed on a dead socket, and the connection would hold its slot and
  // fd forever. A one-shot poll for the peer's hang-up is the second witness: when it fires, the
  // multishot recv is cancelled and single-shot recvs read what is left up to the FIN or error.
  void arm_hang_up(int id, Connection* c) {
    io_uring_sqe* entry = sqe();
    io_uring_prep_poll_add(entry, c->fd, POLLRDHUP);
    io_uring_sqe_set_data64(entry, pack(kOpHangUp, static_cast<uint32_t>(id), generation(id)));
    c->hang_up_armed = true;
  }

  void send_next(int id, Connection* c) {
    if (c->connecting) return;  // listed again when the connect completes
    if (!c->out.ready(options_.unpin)) {
      if (settled(id, c)) drop(id, c);
      return;
    }
    io_uring_sqe* entry = sqe();
    if (c->out.sending.pins.empty()) {
      io_uring_prep_send(entry, c->fd, c->out.sending.bytes.data() + c->out.sent,
                         c->out.sending.bytes.size() - c->out.sent, MSG_NOSIGNAL);
    } else {
      // One SENDMSG over the copied runs and the pinned values: one send in flight per
      // connection keeps the order, and one completion gives the pins back.
      io_uring_prep_sendmsg(entry, c->fd, c->out.gather(), MSG_NOSIGNAL);
    }
    io_uring_sqe_set_data64(entry, pack(kOpSend, static_cast<uint32_t>(id), generation(id)));
    c->out.in_flight = true;
    counters.sends++;
  }

  // Handles one completion; returns the records written (0 or 1).
  int complete(io_uring_cqe* cqe, int32_t* record) {
    uint64_t data = io_uring_cqe_get_data64(cqe);
    Op op = static_cast<Op>(data & 0xff);
    uint32_t id = static_cast<uint32_t>(data >> 32);
    uint32_t gen = static_cast<uint32_t>(data >> 8) & kGenerationMask;
    int res = cqe->res;
    bool more = cqe->flags & IORING_CQE_F_MORE;
    bool has_buffer = cqe->flags & IORING_CQE_F_BUFFER;
    unsigned buffer = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
    if (op == kOpAccept) return accepted(static_cast<int>(id), res, more, record);
    if (op == kOpCancel) return 0;
    if (op == kOpFileWrite) {
      file_written(static_cast<int>(id), static_cast<int>(gen), res);
      return 0;
    }
    if (op == kOpFileSync) {
      file_synced(static_cast<int>(id), static_cast<int>(gen), res);
      return 0;
    }
    Connection* c = table_.get(static_cast<int>(id));
    if (c == nullptr || gen != generation(static_cast<int>(id))) {  // a connection already gone
      if (has_buffer) used_buffers_.push_back(buffer);
      if (op == kOpSend) bury(id, gen);
      return 0;
    }
    if (op == kOpConnect) {
      c->connecting = false;
      if (res < 0) {
        drop(static_cast<int>(id), c, -res);
        return 0;
      }
      list(static_cast<int>(id), c);  // arms its recv and sends what was queued meanwhile
      write_record(record, kEventOpen, static_cast<int32_t>(id), -1, 0);
      return 1;
    }
    if (op == kOpHangUp) {
      c->hung_up = true;
      if (c->recv_armed && c->recv_multishot) cancel_recv(static_cast<int>(id));
      return 0;
    }
    if (op == kOpRecv) {
      if (!more) c->recv_armed = false;
      if (res > 0) {
        if (!c->recv_armed) list(static_cast<int>(id), c);  // re-armed in flush()
        if (c->held == 0 && may_deliver(c)) {
          deliver(static_cast<int>(id), c, buffer, res, record);
          return 1;
        }
        FKVS_ASSERT(held_.size() < kReceiveBufferCount, "more held records than receive buffers");
        held_.push_back(Held{static_cast<int>(id), gen, buffer, res});
        c->held++;
        return 0;
      }
      if (res == -ENOBUFS || res == -ECANCELED) {
        // ENOBUFS: buffers come back after this batch. ECANCELED: the peer hung up (above).
        list(static_cast<int>(id), c);  // re-armed in flush()
        return 0;
      }
      // FIN or an error: answer what came before, then close (half-close keeps its replies);
      // bytes still held go to JS first (deliver_held closes then).
      c->read_closed = true;
      if (c->held == 0) c->closing = true;
      list(static_cast<int>(id), c);
      return 0;
    }
    // kOpSend
    c->out.in_flight = false;
    if (res < 0) {
      counters.dropped++;
      drop(static_cast<int>(id), c);
      return 0;
    }
    took(c, static_cast<size_t>(res));
    send_next(static_cast<int>(id), c);  // the rest of a short send, or what was queued meanwhile
    return 0;
  }

  int accepted(int listener, int fd, bool more, int32_t* record) {
    int index = listener_index(listener);
    bool listening = index >= 0;
    if (!more && listening) listeners_to_arm_.push_back(listener);
    if (fd < 0) {
      return (fd == -EMFILE || fd == -ENFILE) && listening && refuse_with_spare(listener, record) ? 1 : 0;
    }
    if (!listening) {
      close(fd);
      return 0;
    }
    int id = admit(fd, index, record);
    if (id < 0) return 1;
    if (static_cast<size_t>(id) >= generations_.size()) generations_.resize(id + 1, 0);
    arm_recv(id, table_.get(id));
    return 1;
  }

  uint32_t generation(int id) const { return generations_[id]; }

  // Closes the connection; `error` is the errno a failed connect reports to JS.
  void drop(int id, Connection* c, int error = 0) override {
    shutdown(c->fd, SHUT_RDWR);  // ends the multishot recv holding the socket
    close(c->fd);
    counters.syscalls += 2;
    forget(id, c, error);  // before the generation moves on: a send in flight keeps its queue by it
    generations_[id] = (generations_[id] + 1) & kGenerationMask;
  }

  // A connection dropped with a send in flight: its queue (bytes, iovecs, pins) stays here until
  // that send's completion, as the kernel may still read it.
  void retire(int id, Connection* c) override {
    if (!c->out.in_flight) {
      c->out.release(options_.unpin);
      return;
    }
    graves_.push_back(Grave{static_cast<uint32_t>(id), generation(id), std::move(c->out)});
  }

  // The completion of a dropped connection's last send: its queue is freed.
  void bury(uint32_t id, uint32_t gen) {
    for (size_t i = 0; i < graves_.size(); i++) {
      if (graves_[i].id == id && graves_[i].generation == gen) {
        graves_[i].out.release(options_.unpin);
        graves_[i] = std::move(graves_.back());
        graves_.pop_back();
        return;
      }
    }
  }

  void cancel_recv(int id) {
    io_uring_sqe* entry = sqe();
    io_uring_prep_cancel64(entry, pack(kOpRecv, static_cast<uint32_t>(id), generation(id)), 0);
    io_uring_sqe_set_data64(entry, pack(kOpCancel, static_cast<uint32_t>(id), generation(id)));
  }

  // A data record may go to JS in this batch: its connection is under its bytes per batch.
  static bool may_deliver(const Connection* c) { return c->batch_bytes < kMaxBatchBytesPerConnection; }

  void deliver(int id, Connection* c, unsigned buffer, int32_t length, int32_t* record) {
    write_record(record, kEventData, id, static_cast<int32_t>(buffer * buffer_bytes_), length);
    used_buffers_.push_back(buffer);
    if (c->batch_bytes == 0) batch_ids_.push_back(id);
    c->batch_bytes += static_cast<size_t>(length);
  }

  // Hands held data records to JS, in the order they completed, as far as each connection's
  // budget and the room allow; returns the records written. A held record of a closed connection
  // gives its buffer back.
  int deliver_held(int32_t* records, int room) {
    if (held_.empty()) return 0;
    int count = 0;
    size_t kept = 0;
    for (const Held& h : held_) {
      Connection* c = table_.get(h.id);
      if (c == nullptr || h.generation != generation(h.id)) {
        used_buffers_.push_back(h.buffer);
        continue;
      }
      // Once one of a connection's records stays, so do its later ones: may_deliver stays false
      // for it in this pass, and a full batch stays full.
      if (count < room && may_deliver(c)) {
        deliver(h.id, c, h.buffer, h.length, records + count * kRecordInts);
        count++;
        if (--c->held == 0 && c->read_closed) {
          c->closing = true;  // the FIN came after these bytes
          list(h.id, c);
        }
        continue;
      }
      held_[kept++] = h;
    }
    held_.resize(kept);
    return count;
  }

  io_uring ring_{};
  bool ring_ready_ = false;
  io_uring_buf_ring* buffers_ = nullptr;
  size_t buffer_ring_bytes_ = 0;
  size_t buffer_bytes_ = 0;
  int event_fd_ = -1;
  bool multishot_accept_ = false;
  bool multishot_recv_ = false;
  std::string setup_features_;
  std::vector<int> listeners_to_arm_;
  std::vector<unsigned> used_buffers_;
  std::vector<uint32_t> generations_;
  // Data records completed but not yet handed to JS (over the connection's bytes per batch): each
  // owns its receive buffer until delivered, so there are never more than the buffers.
  struct Held {
    int id;
    uint32_t generation;
    unsigned buffer;
    int32_t length;
  };
  std::vector<Held> held_;
  std::vector<int> batch_ids_;  // connections with bytes in the current batch
  // Queues of connections dropped with a send in flight, until its completion (one each).
  struct Grave {
    uint32_t id;
    uint32_t generation;
    SendQueue out;
  };
  std::vector<Grave> graves_;
};

}  // namespace

Backend* new_uring_backend(const BackendOptions& options, std::string* error) {
  auto* backend = new UringBackend(options);
  *error = backend->start();
  if (!error->empty()) {
    delete backend;
    return nullptr;
  }
  return backend;
}

}  // namespace fkvs
