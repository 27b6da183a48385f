// Files written through the backend (the append-only log, snapshots): what both backends share.
// Each file has one operation in flight at a time: a write of everything queued since the last
// one, ending with the fsync or fdatasync the most demanding request of it asked for. So a sync
// covers every byte written before it, and the requests queued while one flies are written
// together (a group commit that grows with the device's latency). How the operation is carried
// out is the backend's: io_uring submits a WRITE linked to an FSYNC, epoll hands it to a worker
// thread. Writes go at an offset the table keeps, so a failed write is retried at the same
// offset and overwrites whatever part of it reached the file.
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

// One operation a backend carries out: write data[0, length) at offset (length may be 0), then
// sync (kFileSyncNone, kFileSyncData: fdatasync, kFileSyncFull: fsync) when the write is whole.
struct FileJob {
  int fd;
  const uint8_t* data;
  size_t length;
  uint64_t offset;
  int sync;
};

class FileTable {
 public:
  ~FileTable() {
    for (File& f : files_) {
      if (f.fd >= 0) close(f.fd);
    }
  }

  // Opens path (kFileAppend: written from its end; kFileTruncate: emptied first; kFileDirectory:
  // for syncing a directory). Its id, or -1 with *error.
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
    int fd = open(path.c_str(), flags, 0644);
    if (fd < 0) {
      *error = "open " + path + ": " + std::strerror(errno);
      return -1;
    }
    struct stat status {};
    if (fstat(fd, &status) != 0) {
      *error = "fstat " + path + ": " + std::strerror(errno);
      close(fd);
      return -1;
    }
    File& f = files_[id];
    f = File{};
    f.fd = fd;
    f.size = mode == kFileDirectory ? 0 : static_cast<uint64_t>(status.st_size);
    return id;
  }

  // Queues a copy of data for the file and a request that completes (a record) once the bytes
  // are written and synced as asked. False when the file's queue would pass kMaxFileQueueBytes
  // (nothing queued then). *job is set, and true returned in *start, when an operation should
  // start now.
  bool write(int id, const uint8_t* data, size_t length, int sync, int32_t tag, FileJob* job, bool* start) {
    File& f = checked(id);
    FKVS_ASSERT(!f.closing, "write to a file being closed");
    FKVS_ASSERT(sync >= kFileSyncNone && sync <= kFileSyncFull, "sync mode out of range");
    *start = false;
    if (f.pending() + length > kMaxFileQueueBytes) return false;
    f.queued.insert(f.queued.end(), data, data + length);
    f.queued_requests.push_back(Request{tag, sync});
    *start = next(f, job);
    return true;
  }

  // After a failure: tries the failed operation again, with the requests queued meanwhile; `tag`
  // is one more request that completes with it. *start as for write().
  void retry(int id, int32_t tag, FileJob* job, bool* start) {
    File& f = checked(id);
    f.stalled = false;
    // With the failed bytes when some are left (its record says how their retry went), else
    // (a failed sync alone) as a sync of its own.
    Request retry{tag, f.failed_sync};
    if (f.sent < f.sending.size()) {
      f.sending_requests.push_back(retry);
    } else {
      f.queued_requests.push_back(retry);
    }
    *start = next(f, job);
  }

  // Closes the file once nothing is queued or in flight (at once when so). Bytes of a failed
  // operation not retried are given up.
  void close_file(int id) {
    File& f = checked(id);
    f.closing = true;
    if (f.stalled) {
      f.sending.clear();
      f.queued.clear();
      f.queued_requests.clear();
      f.sending_requests.clear();
    }
    close_if_idle(id, f);
  }

  // Bytes the file holds, written by completed operations (and what it held when opened).
  uint64_t size(int id) { return checked(id).size; }

  // The backend finished the operation in flight: `written` bytes of it are on the file, or it
  // failed with errno `error` (then nothing of it counts: the retry writes it all again). Records
  // for the requests it completed are queued for JS. True with *job set when the next operation
  // should start.
  bool finished(int id, size_t written, int error, FileJob* job) {
    File& f = files_[id];
    FKVS_ASSERT(f.in_flight, "file completion with no operation in flight");
    f.in_flight = false;
    if (error != 0) {
      f.stalled = true;
      f.failed_sync = f.sending_sync;
      for (const Request& r : f.sending_requests) push_record(id, r.tag, -error);
      f.sending_requests.clear();
      return false;
    }
    FKVS_ASSERT(written <= f.sending.size() - f.sent, "more written than asked");
    f.sent += written;
    f.size += written;
    if (f.sent == f.sending.size() && f.job_synced) {
      for (const Request& r : f.sending_requests) push_record(id, r.tag, 0);
      f.sending_requests.clear();
      f.sending.clear();
      if (f.sending.capacity() > kMaxIdleFileQueueBytes) std::vector<uint8_t>().swap(f.sending);
      f.sent = 0;
    }
    bool start = next(f, job);
    if (!start) close_if_idle(id, f);
    return start;
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

  struct File {
    int fd = -1;
    uint64_t size = 0;
    bool closing = false;
    bool in_flight = false;
    bool stalled = false;    // the last operation failed: nothing starts until retry()
    int failed_sync = 0;     // the sync that failed operation was to end with
    // What the operation in flight writes (from `sent`), and the requests it completes.
    std::vector<uint8_t> sending;
    size_t sent = 0;
    std::vector<Request> sending_requests;
    int sending_sync = kFileSyncNone;
    bool job_synced = false;  // the operation in flight ends with the sync its requests need
    std::vector<uint8_t> queued;
    std::vector<Request> queued_requests;

    size_t pending() const { return sending.size() - sent + queued.size(); }
  };

  File& checked(int id) {
    FKVS_ASSERT(id >= 0 && static_cast<size_t>(id) < files_.size() && files_[id].fd >= 0, "unknown file id");
    return files_[id];
  }

  int free_slot() {
    for (size_t i = 0; i < files_.size(); i++) {
      if (files_[i].fd < 0) return static_cast<int>(i);
    }
    if (files_.size() >= kMaxOpenFiles) return -1;
    files_.emplace_back();
    return static_cast<int>(files_.size() - 1);
  }

  // The next operation of the file, when one may start: the rest of the bytes in flight (a short
  // write, or one over kMaxFileWriteBytes), else everything queued.
  bool next(File& f, FileJob* job) {
    if (f.in_flight || f.stalled) return false;
    if (f.sent == f.sending.size() && f.sending_requests.empty()) {
      if (f.queued_requests.empty()) return false;
      f.sending.swap(f.queued);
      f.queued.clear();
      f.sent = 0;
      f.sending_requests.swap(f.queued_requests);
      f.queued_requests.clear();
      f.sending_sync = kFileSyncNone;
      for (const Request& r : f.sending_requests) {
        if (r.sync > f.sending_sync) f.sending_sync = r.sync;
      }
    }
    size_t left = f.sending.size() - f.sent;
    size_t length = left < kMaxFileWriteBytes ? left : kMaxFileWriteBytes;
    f.job_synced = length == left;
    *job = FileJob{f.fd, f.sending.data() + f.sent, length, f.size, f.job_synced ? f.sending_sync : kFileSyncNone};
    f.in_flight = true;
    return true;
  }

  void close_if_idle(int id, File& f) {
    if (!f.closing || f.in_flight || f.pending() > 0 || !f.queued_requests.empty()) return;
    close(f.fd);
    files_[id] = File{};
  }

  void push_record(int id, int32_t tag, int32_t result) {
    int32_t record[kRecordInts] = {kEventFile, id, tag, result};
    records_.insert(records_.end(), record, record + kRecordInts);
  }

  std::vector<File> files_;
  std::vector<int32_t> records_;  // file records not yet handed to JS
};

}  // namespace fkvs
