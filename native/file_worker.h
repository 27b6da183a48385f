// The epoll backend's file operations: one worker thread does each job's pwrite and
// fdatasync/fsync, so that the loop never blocks on the disk. Jobs come from the loop one per
// file at a time (native/files.h); results go back through a list the loop takes from when the
// worker has written to its wake fd.
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
    size_t written;
    int error;
  };

  // wake_fd: an eventfd the loop polls; the worker adds 1 after each job.
  explicit FileWorker(int wake_fd) : wake_fd_(wake_fd) {}

  ~FileWorker() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

  void submit(int id, const FileJob& job) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      jobs_.push_back(Queued{id, job});
      if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    }
    ready_.notify_one();
  }

  // The results since the last call, in the order the jobs ended.
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
        ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (stopping_) return;
        next = jobs_.front();
        jobs_.pop_front();
      }
      Result result = perform(next.id, next.job);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        results_.push_back(result);
      }
      uint64_t one = 1;
      ssize_t ignored = write(wake_fd_, &one, sizeof(one));
      (void)ignored;
    }
  }

  // The whole write (pwrite again after a short one), then the sync; the first error ends it.
  static Result perform(int id, const FileJob& job) {
    size_t done = 0;
    while (done < job.length) {
      ssize_t n = pwrite(job.fd, job.data + done, job.length - done, static_cast<off_t>(job.offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Result{id, 0, n < 0 ? errno : EIO};
      done += static_cast<size_t>(n);
    }
    if (job.sync != kFileSyncNone) {
      int r = job.sync == kFileSyncData ? fdatasync(job.fd) : fsync(job.fd);
      if (r != 0) return Result{id, 0, errno};
    }
    return Result{id, done, 0};
  }

  int wake_fd_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Queued> jobs_;
  std::vector<Result> results_;
  bool stopping_ = false;
};

}  // namespace fkvs
