// The epoll backend's file jobs: worker threads do each job's pwrite and fdatasync/fsync, so that
// the loop never blocks on the disk. A job's write is reported before its sync starts, so the loop
// can start the next job's write while the sync runs; up to kMaxFileSyncsInFlight threads (started
// as jobs find none idle) keep that many syncs in flight, as io_uring does (native/files.h).
// Results go back through a list the loop takes from when a worker has written to its wake fd.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "files.h"

namespace fkvs {

class FileWorker {
 public:
  struct Result {
    int id;
    int slot;
    bool sync;   // false: the job's write ended; true: its sync
    int result;  // write: bytes written or -errno; sync: 0, -ECANCELED (the write failed) or -errno
  };

  // wake_fd: an eventfd the loop polls; a worker adds 1 after each result.
  explicit FileWorker(int wake_fd) : wake_fd_(wake_fd) {}

  ~FileWorker() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    for (std::thread& thread : threads_) thread.join();
  }

  void submit(int id, const FileJob& job) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      jobs_.push_back(Queued{id, job});
      if (idle_ == 0 && threads_.size() < static_cast<size_t>(kMaxFileSyncsInFlight)) {
        threads_.emplace_back([this] { run(); });
      }
    }
    ready_.notify_one();
  }

  // The results since the last call, in the order they came (a job's write before its sync).
  void take(std::vector<Result>* results) {
    results->clear();
    std::lock_guard<std::mutex> lock(mutex_);
    results->swap(results_);
  }

 private:
  struct Queued {
    int id;
    FileJob job;
  };

  void run() {
    for (;;) {
      Queued next;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        idle_++;
        ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        idle_--;
        if (stopping_) return;
        next = jobs_.front();
        jobs_.pop_front();
      }
      perform(next.id, next.job);
    }
  }

  // The whole write (pwrite again after a short one), reported; then the sync, reported.
  void perform(int id, const FileJob& job) {
    size_t done = 0;
    int error = 0;
    while (done < job.length) {
      ssize_t n = pwrite(job.fd, job.data + done, job.length - done, static_cast<off_t>(job.offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        error = n < 0 ? errno : EIO;
        break;
      }
      done += static_cast<size_t>(n);
    }
    if (job.length > 0) post(Result{id, job.slot, false, error != 0 ? -error : static_cast<int>(done)});
    if (job.sync == kFileSyncNone) return;
    int result = -ECANCELED;
    if (error == 0) {
      int r = job.sync == kFileSyncData ? fdatasync(job.fd) : fsync(job.fd);
      result = r == 0 ? 0 : -errno;
    }
    post(Result{id, job.slot, true, result});
  }

  void post(const Result& result) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      results_.push_back(result);
    }
    uint64_t one = 1;
    ssize_t ignored = write(wake_fd_, &one, sizeof(one));
    (void)ignored;
  }

  int wake_fd_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Queued> jobs_;
  std::vector<Result> results_;
  int idle_ = 0;  // threads waiting for a job
  bool stopping_ = false;
};

}  // namespace fkvs
