// Files written through the backend (the append-only log, snapshots): what both backends share.
// An operation writes everything queued since the last one, in one write (or several over
// kMaxFileWriteBytes) at an offset the table keeps, ending with the fsync or fdatasync the most
// demanding request of it asked for. Writes go one at a time, in order: the next operation starts
// once the previous one's write completed, while its sync may still fly. So up to
// kMaxFileSyncsInFlight syncs of one file are in flight at once, and each covers every write
// completed before it was submitted, its own included. Each runs on its own descriptor of the file
// (the file is opened that many times) because Linux reports a writeback error once per open file
// description: with one descriptor per sync in flight, each sync sees every error since that
// descriptor's previous sync. Records come in request order, a request's once its operation and
// every one before it completed: the requests queued while syncs fly are committed together by
// the next operation (a group commit that grows with the device's latency). How an operation is
// carried out is the backend's: io_uring submits a WRITE linked to an FSYNC, epoll hands it to a
// worker thread. A failed operation fails every one after it too, and its retry writes all their
// bytes again at its offset, overwriting whatever part of them reached the file.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "assert.h"
#include "backend.h"
#include "limits.h"

namespace fkvs {

// One step a backend carries out: write data[0, length) at offset (length may be 0), then sync
// (kFileSyncNone, kFileSyncData: fdatasync, kFileSyncFull: fsync) when the write is whole. It
// reports written() when length > 0 and synced() when sync is asked, naming the slot.
struct FileJob {
  int fd;
  const uint8_t* data;
  size_t length;
  uint64_t offset;
  int sync;
  int slot;  // the operation's descriptor of the file, one per operation in flight
};

class FileTable {
 public:
  ~FileTable() {
    for (File& f : files_) close_descriptors(f);
  }

  // Opens path (kFileAppend: written from its end; kFileTruncate: emptied first; kFileDirectory:
  // for syncing a directory). Files written get kMaxFileSyncsInFlight descriptors. Its id, or -1
  // with *error.
  int open_file(const std::string& path, int mode, std::string* error) {
    int flags = O_CLOEXEC;
    if (mode == kFileAppend) {
      flags |= O_WRONLY | O_CREAT;
    } else if (mode == kFileTruncate) {
      flags |= O_WRONLY | O_CREAT | O_TRUNC;
    } else if (mode == kFileDirectory) {
      flags |= O_RDONLY | O_DIRECTORY;
    } else {
      *error = "unknown file mode " + std::to_string(mode);
      return -1;
    }
    int id = free_slot();
    if (id < 0) {
      *error = "more than " + std::to_string(kMaxOpenFiles) + " files open";
      return -1;
    }
    File f;
    f.reopen_flags = mode == kFileDirectory ? O_RDONLY | O_DIRECTORY | O_CLOEXEC : O_WRONLY | O_CLOEXEC;
    int wanted = mode == kFileDirectory ? 1 : kMaxFileSyncsInFlight;
    for (; f.fd_count < wanted; f.fd_count++) {
      // The others are opened without O_CREAT/O_TRUNC: the first made the file what it is.
      int fd = open(path.c_str(), f.fd_count == 0 ? flags : f.reopen_flags, 0644);
      if (fd < 0) {
        *error = "open " + path + ": " + std::strerror(errno);
        close_descriptors(f);
        return -1;
      }
      f.fds[f.fd_count] = fd;
    }
    struct stat status {};
    if (fstat(f.fds[0], &status) != 0) {
      *error = "fstat " + path + ": " + std::strerror(errno);
      close_descriptors(f);
      return -1;
    }
    f.size = mode == kFileDirectory ? 0 : static_cast<uint64_t>(status.st_size);
    f.end = f.size;
    f.synced_end = f.size;
    files_[id] = std::move(f);
    return id;
  }

  // Queues a copy of data for the file and a request that completes (a record) once the bytes
  // are written and synced as asked. False when the file's queue would pass kMaxFileQueueBytes
  // (nothing queued then). next() then gives what to start.
  bool write(int id, const uint8_t* data, size_t length, int sync, int32_t tag) {
    File& f = checked(id);
    FKVS_ASSERT(!f.closing, "write to a file being closed");
    FKVS_ASSERT(sync >= kFileSyncNone && sync <= kFileSyncFull, "sync mode out of range");
    if (pending(f) + length > kMaxFileQueueBytes) return false;
    f.queued.insert(f.queued.end(), data, data + length);
    f.queued_requests.push_back(Request{tag, sync});
    return true;
  }

  // After a failure: writes the failed operations' bytes again at their offset, with the sync
  // they were to end with; `tag` is a request that completes with them. The descriptors are
  // opened again first, so that no sync reports the failure already reported.
  void retry(int id, int32_t tag) {
    File& f = checked(id);
    Request retry{tag, f.failed_sync};
    if (!f.stalled) {
      f.queued_requests.push_back(retry);
      return;
    }
    FKVS_ASSERT(f.count == 0, "retry while the failed operations still fly");
    f.stalled = false;
    reopen_descriptors(f);
    Op& op = push_op(f);
    op.bytes.swap(f.failed);
    f.failed.clear();
    op.requests.push_back(retry);
    op.offset = f.failed_offset;
    op.sync = f.failed_sync;
    f.end = op.offset + op.bytes.size();
  }

  // The next step to start for the file, if any: the rest of the last operation's bytes (a short
  // write, or one over kMaxFileWriteBytes), else a new operation of everything queued once the
  // last one's write is whole and a descriptor is free. Call until false.
  bool next(int id, FileJob* job) {
    File& f = files_[id];
    if (f.fd_count == 0 || f.stalled) return false;
    if (f.count > 0) {
      Op& last = op_at(f, f.count - 1);
      if (last.writing) return false;
      if (!last.whole()) return last.syncing ? false : issue(f, last, job);
    }
    if (f.queued_requests.empty() || f.count == f.fd_count) return false;
    Op& op = push_op(f);
    op.bytes.swap(f.queued);
    f.queued.clear();
    op.requests.swap(f.queued_requests);
    f.queued_requests.clear();
    op.offset = f.end;
    f.end += op.bytes.size();
    for (const Request& r : op.requests) {
      if (r.sync > op.sync) op.sync = r.sync;
    }
    if (op.bytes.empty() && op.sync == kFileSyncNone) {  // nothing to do: done at once
      settle(id, f);
      return next(id, job);
    }
    return issue(f, op, job);
  }

  // Closes the file once nothing is queued or in flight (at once when so). Bytes of a failed
  // operation not retried are given up.
  void close_file(int id) {
    File& f = checked(id);
    f.closing = true;
    close_if_idle(id, f);
  }

  // Bytes the file holds, written by completed operations (and what it held when opened).
  uint64_t size(int id) { return checked(id).size; }

  // The write of the slot's operation ended: bytes written, or -errno (then nothing of the
  // operation counts: the retry writes it all again).
  void written(int id, int slot, int result) {
    File& f = files_[id];
    Op& op = op_on(f, slot);
    FKVS_ASSERT(op.writing, "write completion with no write in flight");
    op.writing = false;
    if (result < 0) {
      fail(f, op, -result);
    } else if (result == 0) {
      fail(f, op, EIO);  // no progress: retrying at once would spin
    } else {
      FKVS_ASSERT(static_cast<size_t>(result) <= op.bytes.size() - op.sent, "more written than asked");
      op.sent += static_cast<size_t>(result);
    }
    ended(id, f, op);
  }

  // The sync of the slot's operation ended: 0, -ECANCELED (its write was short or failed: the
  // rest is written again with the sync), or -errno.
  void synced(int id, int slot, int result) {
    File& f = files_[id];
    Op& op = op_on(f, slot);
    FKVS_ASSERT(op.syncing, "sync completion with no sync in flight");
    op.syncing = false;
    if (result == 0) {
      op.synced = true;
      if (op.covers > f.synced_end) f.synced_end = op.covers;
    } else if (result != -ECANCELED) {
      fail(f, op, -result);
    }
    ended(id, f, op);
  }

  // Moves pending records into the batch; returns how many.
  int drain_records(int32_t* records, int room) {
    int count = 0;
    size_t at = 0;
    for (; at + kRecordInts <= records_.size() && count < room; at += kRecordInts, count++) {
      std::memcpy(records + count * kRecordInts, &records_[at], kRecordInts * sizeof(int32_t));
    }
    records_.erase(records_.begin(), records_.begin() + at);
    return count;
  }

  bool has_records() const { return !records_.empty(); }

 private:
  struct Request {
    int32_t tag;
    int sync;
  };

  // One operation: its bytes at offset, the requests it completes, the sync it ends with.
  struct Op {
    std::vector<uint8_t> bytes;
    std::vector<Request> requests;
    uint64_t offset = 0;
    size_t sent = 0;  // bytes of it on the file
    int sync = kFileSyncNone;
    int slot = 0;
    bool writing = false;
    bool syncing = false;
    bool synced = false;
    uint64_t covers = 0;  // the file's written end when its sync was submitted
    int error = 0;

    bool whole() const { return sent == bytes.size(); }
    bool done() const {
      return !writing && !syncing && (error != 0 || (whole() && (sync == kFileSyncNone || synced)));
    }
  };

  struct File {
    int fds[kMaxFileSyncsInFlight];
    int fd_count = 0;  // 0: the slot is free
    int reopen_flags = 0;
    uint64_t size = 0;        // bytes of completed operations
    uint64_t end = 0;         // where the next operation writes
    uint64_t synced_end = 0;  // bytes covered by a completed sync: no record runs ahead of it
    bool closing = false;
    bool stalled = false;  // an operation failed: nothing starts until retry()
    // The failed operations, once none flies: their bytes (written again from failed_offset)
    // and the sync they were to end with.
    std::vector<uint8_t> failed;
    uint64_t failed_offset = 0;
    int failed_sync = kFileSyncNone;
    // Operations in flight, oldest first: ops[(first + i) % kMaxFileSyncsInFlight], i < count.
    Op ops[kMaxFileSyncsInFlight];
    int first = 0;
    int count = 0;
    std::vector<uint8_t> queued;
    std::vector<Request> queued_requests;
  };

  File& checked(int id) {
    FKVS_ASSERT(id >= 0 && static_cast<size_t>(id) < files_.size() && files_[id].fd_count > 0, "unknown file id");
    return files_[id];
  }

  int free_slot() {
    for (size_t i = 0; i < files_.size(); i++) {
      if (files_[i].fd_count == 0) return static_cast<int>(i);
    }
    if (files_.size() >= kMaxOpenFiles) return -1;
    files_.emplace_back();
    return static_cast<int>(files_.size() - 1);
  }

  static Op& op_at(File& f, int i) { return f.ops[(f.first + i) % kMaxFileSyncsInFlight]; }

  static Op& op_on(File& f, int slot) {
    for (int i = 0; i < f.count; i++) {
      Op& op = op_at(f, i);
      if (op.slot == slot) return op;
    }
    FKVS_ASSERT(false, "file completion for no operation in flight");
    return f.ops[0];
  }

  static bool slot_used(File& f, int slot) {
    for (int i = 0; i < f.count; i++) {
      if (op_at(f, i).slot == slot) return true;
    }
    return false;
  }

  // A new operation at the back, on a descriptor no other operation in flight uses.
  static Op& push_op(File& f) {
    FKVS_ASSERT(f.count < f.fd_count, "more operations than descriptors");
    int slot = 0;
    while (slot_used(f, slot)) slot++;
    Op& op = op_at(f, f.count++);
    op.requests.clear();
    op.offset = 0;
    op.sent = 0;
    op.sync = kFileSyncNone;
    op.slot = slot;
    op.writing = op.syncing = op.synced = false;
    op.covers = 0;
    op.error = 0;
    return op;
  }

  static size_t pending(const File& f) {
    size_t bytes = f.queued.size() + f.failed.size();
    for (int i = 0; i < f.count; i++) {
      const Op& op = f.ops[(f.first + i) % kMaxFileSyncsInFlight];
      bytes += op.bytes.size() - op.sent;
    }
    return bytes;
  }

  // The step of op from its first unwritten byte: the sync goes with the last piece. Every write
  // before it completed (next() starts nothing while one flies), so its sync covers them all.
  static bool issue(File& f, Op& op, FileJob* job) {
    size_t left = op.bytes.size() - op.sent;
    size_t length = left < kMaxFileWriteBytes ? left : kMaxFileWriteBytes;
    int sync = length == left ? op.sync : kFileSyncNone;
    op.writing = length > 0;
    op.syncing = sync != kFileSyncNone;
    if (op.syncing) op.covers = op.offset + op.bytes.size();
    *job = FileJob{f.fds[op.slot], op.bytes.data() + op.sent, length, op.offset + op.sent, sync, op.slot};
    return true;
  }

  static void fail(File& f, Op& op, int error) {
    if (op.error == 0) op.error = error;
    f.stalled = true;
  }

  // A step of op ended. A sync cancelled after a whole write (which io_uring does only for a
  // short or failed one) would leave the operation waiting forever: it fails instead.
  void ended(int id, File& f, Op& op) {
    if (!op.writing && !op.syncing && op.error == 0 && op.whole() && op.sync != kFileSyncNone && !op.synced) {
      fail(f, op, ECANCELED);
    }
    settle(id, f);
  }

  // Records of the operations done, oldest first. A failed one fails every operation after it
  // with its error, once none flies: their bytes become the retry's, and the file stalls.
  void settle(int id, File& f) {
    while (f.count > 0) {
      Op& op = op_at(f, 0);
      if (!op.done()) break;
      if (op.error == 0) {
        FKVS_ASSERT(op.sync == kFileSyncNone || f.synced_end >= op.offset + op.bytes.size(),
                    "a request completed before a sync covering its bytes");
        for (const Request& r : op.requests) push_record(id, r.tag, 0);
        f.size += op.bytes.size();
        pop_op(f);
        continue;
      }
      for (int i = 1; i < f.count; i++) {
        if (op_at(f, i).writing || op_at(f, i).syncing) return;
      }
      int error = op.error;
      f.failed.clear();
      f.failed_offset = op.offset;
      f.failed_sync = kFileSyncNone;
      while (f.count > 0) {
        Op& gone = op_at(f, 0);
        f.failed.insert(f.failed.end(), gone.bytes.begin(), gone.bytes.end());
        if (gone.sync > f.failed_sync) f.failed_sync = gone.sync;
        for (const Request& r : gone.requests) push_record(id, r.tag, -error);
        pop_op(f);
      }
      FKVS_ASSERT(f.size == f.failed_offset, "a gap before the failed bytes");
      f.end = f.failed_offset;
    }
    close_if_idle(id, f);
  }

  static void pop_op(File& f) {
    Op& op = op_at(f, 0);
    op.bytes.clear();
    if (op.bytes.capacity() > kMaxIdleFileQueueBytes) std::vector<uint8_t>().swap(op.bytes);
    op.requests.clear();
    f.first = (f.first + 1) % kMaxFileSyncsInFlight;
    f.count--;
  }

  void close_if_idle(int id, File& f) {
    if (!f.closing || f.count > 0) return;
    if (!f.stalled && !f.queued_requests.empty()) return;
    close_descriptors(f);
    files_[id] = File{};
  }

  static void close_descriptors(File& f) {
    for (int i = 0; i < f.fd_count; i++) close(f.fds[i]);
    f.fd_count = 0;
  }

  // Each descriptor opened again through /proc/self/fd (the file may have been renamed since): a
  // new open file description reports only writeback errors from now on. One that cannot be
  // opened is kept: a sync on it may report the old error once more, costing one more retry.
  static void reopen_descriptors(File& f) {
    std::string path = "/proc/self/fd/" + std::to_string(f.fds[0]);
    for (int i = 0; i < f.fd_count; i++) {
      int fd = open(path.c_str(), f.reopen_flags);
      if (fd < 0) continue;
      close(f.fds[i]);
      f.fds[i] = fd;
      if (i == 0) path = "/proc/self/fd/" + std::to_string(fd);
    }
  }

  void push_record(int id, int32_t tag, int32_t result) {
    int32_t record[kRecordInts] = {kEventFile, id, tag, result};
    records_.insert(records_.end(), record, record + kRecordInts);
  }

  std::vector<File> files_;
  std::vector<int32_t> records_;  // file records not yet handed to JS
};

}  // namespace fkvs
