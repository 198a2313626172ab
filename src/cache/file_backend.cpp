// The file backend. Reads need no lock: a file is renamed into place whole,
// so a get opens, reads and checks it alone. Writes build the temporary
// file outside the lock too; the lock covers the rename and the index
// (sizes, expiry, labels and the order stored), so the index and the files
// change together. No fsync: after a crash a file may come back short, and
// a short file is not an entry (a miss), which is all a cache owes.
#include "cache/file_backend.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "cache/backend_support.hpp"
#include "cache/file_entry.hpp"

namespace aisbf::cache {
namespace {

constexpr std::string_view kName = "file";
constexpr std::string_view kTempPrefix = ".tmp-";  // never a key: keys are hex
constexpr int kSweepBatch = 16;                    // oldest entries a put checks for expiry

std::string errno_text(std::string_view what, const std::string& path) {
  return std::string(what) + " " + path + ": " + std::strerror(errno);
}

struct FileStart {
  std::string bytes;       // the first `limit` bytes, or all
  std::uint64_t size = 0;  // the file's
};

// The file's first `limit` bytes and its size; nullopt when it is missing,
// not a regular file, or larger than any entry may be (never read).
std::optional<FileStart> read_start(const std::string& path, std::uint64_t max_size, std::uint64_t limit) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  std::optional<FileStart> out;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) <= max_size) {
    const auto size = static_cast<std::uint64_t>(st.st_size);
    std::string bytes(static_cast<std::size_t>(std::min(size, limit)), '\0');
    std::size_t got = 0;
    while (got < bytes.size()) {
      const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    if (got == bytes.size()) out = FileStart{std::move(bytes), size};
  }
  ::close(fd);
  return out;
}

// The whole file (see read_start).
std::optional<std::string> read_file(const std::string& path, std::uint64_t max_size) {
  auto whole = read_start(path, max_size, max_size);
  if (!whole) return std::nullopt;
  return std::move(whole->bytes);
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

class FileBackend final : public Backend {
 public:
  FileBackend(std::string dir, BackendLimits limits) : dir_(std::move(dir)), limits_(limits) {}

  std::string_view name() const override { return kName; }
  Expected<std::optional<std::string>> get(std::string_view key, Clock::time_point now) override;
  Expected<bool> put(std::string_view key, const EntryLabels& labels, std::string_view value,
                     Clock::time_point expires) override;
  Expected<std::uint64_t> clear(const ClearFilter& filter) override;
  Expected<BackendStats> stats() override;

 private:
  struct Meta {
    std::uint64_t seq = 0;  // the order stored: the lowest goes first
    std::uint64_t size = 0;
    std::int64_t expires_ms = 0;
    std::string space, provider, model;
  };

  std::string path_of(std::string_view key) const { return dir_ + "/" + std::string(key); }
  std::uint64_t max_file_size() const { return limits_.max_bytes + kMaxFileHeader; }
  Expected<bool> ready();                         // under mutex_
  void scan();                                    // under mutex_
  void index(const std::string& key, Meta meta);  // under mutex_
  void forget(const std::string& key);            // under mutex_: the file and its index entry
  void sweep_and_evict(const std::string& kept, std::int64_t now_ms);
  Expected<std::string> write_temp(std::string_view key, std::uint64_t seq, std::string_view bytes);

  const std::string dir_;
  const BackendLimits limits_;
  std::mutex mutex_;
  bool ready_ = false;
  std::unordered_map<std::string, Meta> entries_;
  std::map<std::uint64_t, std::string> by_seq_;
  std::uint64_t bytes_ = 0;
  std::atomic<std::uint64_t> next_seq_{1};  // taken before the write, outside the lock
  std::uint64_t evictions_ = 0;
};

// Makes the directory on first use, checks that it is the cache's (see
// kFileCacheMarker) and indexes what it holds; again after a failure, on
// the next call.
Expected<bool> FileBackend::ready() {
  if (ready_) return true;
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return backend_error(kName, "cannot create " + dir_ + ": " + ec.message());
  if (!std::filesystem::is_directory(dir_, ec)) return backend_error(kName, dir_ + " is not a directory");
  const std::string marker = dir_ + "/" + kFileCacheMarker;
  if (!std::filesystem::exists(marker, ec)) {
    const bool empty = std::filesystem::is_empty(dir_, ec);
    if (ec) return backend_error(kName, "cannot read " + dir_ + ": " + ec.message());
    if (!empty) {
      return backend_error(kName, dir_ + " holds files but no " + kFileCacheMarker +
                                      ": not a response cache directory; set file_dir to a new or empty one");
    }
    const int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return backend_error(kName, errno_text("cannot create", marker));
    ::close(fd);
  }
  std::filesystem::permissions(dir_, std::filesystem::perms::owner_all, ec);
  scan();
  ready_ = true;
  return true;
}

// Keeps the entries found in the directory in the order they were stored,
// removes leftover temporary files and files that are not entries under a
// key's name (64 hex digits); files of other names stay.
void FileBackend::scan() {
  DIR* d = ::opendir(dir_.c_str());
  if (d == nullptr) return;
  std::vector<std::pair<std::string, Meta>> found;
  const std::int64_t now_ms = to_unix_ms(Clock::now());
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    const std::string path = path_of(name);
    if (name.starts_with(kTempPrefix)) {
      ::unlink(path.c_str());
      continue;
    }
    if (!valid_key(name)) continue;
    // Only the head: a directory of large entries is indexed without
    // reading their values.
    auto start = read_start(path, max_file_size(), kMaxFileHeader);
    auto entry = start ? decode_file_head(start->bytes, start->size) : std::nullopt;
    if (!entry || entry->expires_ms <= now_ms) {
      ::unlink(path.c_str());
      continue;
    }
    found.emplace_back(
        name, Meta{entry->seq, entry->value_size, entry->expires_ms, entry->space, entry->provider, entry->model});
  }
  ::closedir(d);
  for (auto& [key, meta] : found) {
    next_seq_ = std::max(next_seq_.load(), meta.seq + 1);
    index(key, std::move(meta));
  }
  sweep_and_evict("", now_ms);
}

// Two files with one seq (copied in by hand): the later one found goes.
void FileBackend::index(const std::string& key, Meta meta) {
  if (auto [it, fresh] = by_seq_.emplace(meta.seq, key); !fresh) {
    if (it->second != key) forget(std::string(it->second));
    by_seq_.insert_or_assign(meta.seq, key);
  }
  bytes_ += meta.size;
  entries_.insert_or_assign(key, std::move(meta));
}

void FileBackend::forget(const std::string& key) {
  ::unlink(path_of(key).c_str());
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  bytes_ -= it->second.size;
  by_seq_.erase(it->second.seq);
  entries_.erase(it);
}

// Expired entries among the oldest go in passing; then the oldest but
// `kept` while over a bound.
void FileBackend::sweep_and_evict(const std::string& kept, std::int64_t now_ms) {
  std::vector<std::string> expired;
  for (auto it = by_seq_.begin(); it != by_seq_.end() && expired.size() < kSweepBatch; ++it) {
    if (entries_.at(it->second).expires_ms <= now_ms) expired.push_back(it->second);
  }
  for (const auto& key : expired) forget(key);
  auto over = [this] { return entries_.size() > limits_.max_entries || bytes_ > limits_.max_bytes; };
  for (auto it = by_seq_.begin(); over() && it != by_seq_.end();) {
    const std::string key = it->second;
    ++it;  // forget() erases the node `it` was on
    if (key == kept) continue;
    forget(key);
    ++evictions_;
  }
}

// The entry in a temporary file of the directory (same filesystem: the
// rename is atomic), 0600.
Expected<std::string> FileBackend::write_temp(std::string_view key, std::uint64_t seq, std::string_view bytes) {
  const std::string path = dir_ + "/" + std::string(kTempPrefix) + std::string(key) + "-" + std::to_string(::getpid()) +
                           "-" + std::to_string(seq);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return backend_error(kName, errno_text("cannot create", path));
  const bool written = write_all(fd, bytes);
  const int saved_errno = errno;
  if (::close(fd) != 0 || !written) {
    errno = written ? errno : saved_errno;
    std::string message = errno_text("cannot write", path);
    ::unlink(path.c_str());
    return backend_error(kName, message);
  }
  return path;
}

Expected<std::optional<std::string>> FileBackend::get(std::string_view key, Clock::time_point now) {
  if (!valid_key(key)) return std::optional<std::string>{};
  {
    std::lock_guard lock(mutex_);
    if (auto r = ready(); !r) return r.error();
  }
  const std::string k(key);
  auto bytes = read_file(path_of(k), max_file_size());
  if (!bytes) return std::optional<std::string>{};
  auto entry = decode_file_entry(*bytes);
  const std::int64_t now_ms = to_unix_ms(now);
  if (entry && entry->expires_ms > now_ms) return std::optional<std::string>(std::string(entry->value));
  std::lock_guard lock(mutex_);
  // Expired: unless a put replaced it meanwhile (the index has the newest).
  auto it = entries_.find(k);
  if (!entry || it == entries_.end() || it->second.expires_ms <= now_ms) forget(k);
  return std::optional<std::string>{};
}

Expected<bool> FileBackend::put(std::string_view key, const EntryLabels& labels, std::string_view value,
                                Clock::time_point expires) {
  if (!valid_key(key)) return backend_error(kName, "a key that is not a hex digest");
  const std::int64_t expires_ms = to_unix_ms(expires);
  if (!keepable(value.size(), limits_, expires_ms)) return false;
  {
    std::lock_guard lock(mutex_);
    if (auto r = ready(); !r) return r.error();
  }
  const std::uint64_t seq = next_seq_++;
  auto bytes = encode_file_entry(labels, value, expires_ms, seq);
  if (!bytes) return false;  // a label longer than the format keeps
  auto temp = write_temp(key, seq, *bytes);
  if (!temp) return temp.error();
  const std::string k(key);
  const std::string final_path = path_of(k);
  std::lock_guard lock(mutex_);
  if (::rename(temp->c_str(), final_path.c_str()) != 0) {
    std::string message = errno_text("cannot rename into", final_path);
    ::unlink(temp->c_str());
    return backend_error(kName, message);
  }
  if (auto it = entries_.find(k); it != entries_.end()) {
    bytes_ -= it->second.size;
    by_seq_.erase(it->second.seq);
  }
  index(k, Meta{seq, value.size(), expires_ms, std::string(labels.space), std::string(labels.provider),
                std::string(labels.model)});
  sweep_and_evict(k, to_unix_ms(Clock::now()));
  return true;
}

Expected<std::uint64_t> FileBackend::clear(const ClearFilter& filter) {
  std::lock_guard lock(mutex_);
  if (auto r = ready(); !r) return r.error();
  std::vector<std::string> doomed;
  for (const auto& [key, meta] : entries_) {
    if (filter.matches(EntryLabels{meta.space, meta.provider, meta.model})) doomed.push_back(key);
  }
  for (const auto& key : doomed) forget(key);
  if (!filter.space && !filter.provider && !filter.model) evictions_ = 0;
  return static_cast<std::uint64_t>(doomed.size());
}

Expected<BackendStats> FileBackend::stats() {
  std::lock_guard lock(mutex_);
  if (auto r = ready(); !r) return r.error();
  return BackendStats{entries_.size(), bytes_, evictions_};
}

}  // namespace

std::unique_ptr<Backend> make_file_backend(const std::string& dir, BackendLimits limits) {
  return std::make_unique<FileBackend>(expand_home(dir), limits);
}

}  // namespace aisbf::cache
