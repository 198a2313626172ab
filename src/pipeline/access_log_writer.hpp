// The access log's writer: lines handed over by the event loops (a short
// lock, never a wait, no wake-up per line: the thread writes what came every
// 20 ms, sooner past 256 lines) and written by a thread of its own, to stderr or to
// `server.access_log`'s file (appended, mode 0600). The queue is bounded
// (4096 lines); a line that finds it full is dropped and counted
// (aisbf_access_log_dropped_total).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

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
  // False: the queue was full, the line is dropped (and counted).
  bool push(std::string line);
  // Writes what is queued and ends the thread. Idempotent.
  void stop();
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  std::uint64_t queued() const;

  static constexpr std::size_t kMaxQueued = 4096;

 private:
  void run();
  int fd_ = 2;
  bool own_fd_ = false;
  ops::LogFormat format_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::string> queue_;
  bool stopping_ = false;
  std::atomic<std::uint64_t> dropped_{0};
  std::thread thread_;
};

}  // namespace aisbf
