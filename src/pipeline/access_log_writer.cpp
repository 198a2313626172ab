#include "pipeline/access_log_writer.hpp"

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string_view>

namespace aisbf {

namespace {

constexpr std::chrono::milliseconds kFlushEvery{20};

void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const auto n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to report it: the log is the report
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

AccessLogWriter::AccessLogWriter(const std::string& path, ops::LogFormat format, std::string* error) : format_(format) {
  if (!path.empty()) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
      fd_ = fd;
      own_fd_ = true;
    } else if (error != nullptr) {
      *error = "cannot open " + path + ": " + std::strerror(errno) + "; the access log goes to stderr";
    }
  }
  thread_ = std::thread([this] { run(); });
}

AccessLogWriter::~AccessLogWriter() {
  stop();
  if (own_fd_) ::close(fd_);
}

bool AccessLogWriter::write(const ops::AccessRecord& record) {
  Pending& mine = pending_.local();
  std::size_t before = 0, after = 0;
  {
    std::lock_guard lock(mine.mutex);
    before = mine.text.size();
    if (before >= kMaxPendingBytes || stopping_.load(std::memory_order_relaxed)) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    ops::append_access_line(mine.text, record, format_);
    after = mine.text.size();
  }
  // No wake per line (a futex call and a context switch per request): the
  // writer looks every kFlushEvery, and is woken early only by a backlog.
  if (before < kWakeBytes && after >= kWakeBytes) {
    backlog_.store(true, std::memory_order_relaxed);
    wake_.notify_one();
  }
  return true;
}

void AccessLogWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_.store(true, std::memory_order_relaxed);
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

// Every thread's buffer, swapped with `spare` (an empty string that keeps
// its capacity) under that buffer's lock, and written out of it.
void AccessLogWriter::flush(std::string& spare) {
  for (Pending* p : pending_.all()) {
    {
      std::lock_guard lock(p->mutex);
      if (p->text.empty()) continue;
      spare.swap(p->text);
    }
    // Stderr is shared with the other logs (spdlog) and may be a pipe, where
    // only writes of PIPE_BUF bytes or less are atomic: write it in chunks of
    // whole lines within that (a line longer than PIPE_BUF goes alone). A
    // file of our own (O_APPEND) takes it all.
    std::string_view text = spare;
    while (!text.empty()) {
      std::size_t n = text.size();
      if (!own_fd_ && n > PIPE_BUF) {
        const auto end = text.rfind('\n', PIPE_BUF - 1);
        const auto first = text.find('\n');
        n = end != std::string_view::npos ? end + 1 : first != std::string_view::npos ? first + 1 : text.size();
      }
      write_all(fd_, text.substr(0, n));
      text.remove_prefix(n);
    }
    spare.clear();
  }
}

void AccessLogWriter::run() {
  std::string spare;
  while (true) {
    bool last = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, kFlushEvery, [this] {
        return stopping_.load(std::memory_order_relaxed) || backlog_.load(std::memory_order_relaxed);
      });
      backlog_.store(false, std::memory_order_relaxed);
      last = stopping_.load(std::memory_order_relaxed);
    }
    flush(spare);
    if (last) return;  // a line after stop() is refused: nothing can be left
  }
}

}  // namespace aisbf
