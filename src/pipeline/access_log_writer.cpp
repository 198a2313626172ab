#include "pipeline/access_log_writer.hpp"

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

namespace aisbf {

namespace {

constexpr std::chrono::milliseconds kFlushEvery{20};
constexpr std::size_t kWakeAt = 256;

void write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to report it: the log is the report
    done += static_cast<std::size_t>(n);
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

bool AccessLogWriter::push(std::string line) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= kMaxQueued) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    queue_.push_back(std::move(line));
    // No wake per line (a futex call and a context switch per request): the
    // writer looks every kFlushEvery, and is woken early only by a backlog.
    if (queue_.size() != kWakeAt) return true;
  }
  wake_.notify_one();
  return true;
}

std::uint64_t AccessLogWriter::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void AccessLogWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void AccessLogWriter::run() {
  std::deque<std::string> batch;
  std::string text;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, kFlushEvery, [this] { return stopping_ || queue_.size() >= kWakeAt; });
      if (queue_.empty() && stopping_) return;
      batch.swap(queue_);
    }
    if (batch.empty()) continue;
    // Stderr is shared with the other logs (spdlog) and may be a pipe, where
    // only writes of PIPE_BUF bytes or less are atomic: write it in chunks of
    // whole lines within that. A file of our own (O_APPEND) takes it all.
    const std::size_t chunk = own_fd_ ? std::string::npos : PIPE_BUF;
    text.clear();
    for (auto& line : batch) {
      if (!text.empty() && text.size() + line.size() > chunk) {
        write_all(fd_, text);
        text.clear();
      }
      text += line;
    }
    batch.clear();
    write_all(fd_, text);
  }
}

}  // namespace aisbf
