// The access log's writer: each thread that writes a line formats it
// straight into a buffer of its own (its lock is only ever contended by the
// writer's swap, every 20 ms), and a thread of the writer's own takes those
// buffers and writes them, to stderr or to `server.access_log`'s file
// (appended, mode 0600). No allocation and no wake-up per line: the writer
// looks every 20 ms, sooner when a buffer passes 64 KiB. Each buffer is
// bounded (1 MiB); a line that finds its thread's full is dropped and
// counted (aisbf_access_log_dropped_total).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "core/per_thread.hpp"
#include "ops/access_log.hpp"

namespace aisbf {

class AccessLogWriter {
 public:
  // `path` empty: stderr. An error opening the file: the message, and the
  // writer falls back to stderr.
  AccessLogWriter(const std::string& path, ops::LogFormat format, std::string* error = nullptr);
  ~AccessLogWriter();  // stop()
  AccessLogWriter(const AccessLogWriter&) = delete;
  AccessLogWriter& operator=(const AccessLogWriter&) = delete;

  ops::LogFormat format() const { return format_; }
  // The record's line, queued. False: this thread's buffer was full or the
  // writer has stopped; the line is dropped (and counted).
  bool write(const ops::AccessRecord& record);
  // Writes what is buffered and ends the thread. Idempotent.
  void stop();
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

  static constexpr std::size_t kMaxPendingBytes = 1024 * 1024;  // per writing thread
  static constexpr std::size_t kWakeBytes = 64 * 1024;

 private:
  struct Pending {
    std::mutex mutex;
    std::string text;  // whole lines
  };
  void run();
  void flush(std::string& spare);
  int fd_ = 2;
  bool own_fd_ = false;
  ops::LogFormat format_;
  PerThread<Pending> pending_;
  std::mutex mutex_;  // stopping_'s change and the wait
  std::condition_variable wake_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> backlog_{false};
  std::atomic<std::uint64_t> dropped_{0};
  std::thread thread_;
};

}  // namespace aisbf
