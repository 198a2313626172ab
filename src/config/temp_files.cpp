#include "config/temp_files.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>

#include <fmt/format.h>

namespace aisbf {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kMarker = ".tmp-";
constexpr std::size_t kRandomChars = 6;  // mkostemp's XXXXXX

// Unlinks `path` when no writer holds its lock. O_NOFOLLOW: a symlink is
// never followed out of the directory.
bool remove_if_unlocked(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return false;
  const bool free = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
  const bool removed = free && ::unlink(path.c_str()) == 0;
  ::close(fd);
  return removed;
}

}  // namespace

int create_locked_temp(const fs::path& dir, std::string_view name, std::string& path) {
  path = (dir / fmt::format(".{}{}XXXXXX", name, kMarker)).string();
  const int fd = ::mkostemp(path.data(), O_CLOEXEC);
  if (fd < 0) return -1;
  // Cannot fail on a fresh descriptor but for EINTR or ENOLCK; without the
  // lock a concurrent start's clean-up could take the file, and the rename
  // would then fail cleanly (the old file stays).
  while (::flock(fd, LOCK_EX) != 0 && errno == EINTR) {
  }
  return fd;
}

bool is_writer_temp_name(std::string_view n) {
  if (n.size() < 1 + 1 + kMarker.size() + kRandomChars || n.front() != '.') return false;
  const std::string_view random = n.substr(n.size() - kRandomChars);
  if (n.substr(n.size() - kRandomChars - kMarker.size(), kMarker.size()) != kMarker) return false;
  for (const char c : random) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0) return false;
  }
  return true;
}

std::vector<std::string> remove_stale_temp_files(const fs::path& dir) {
  std::vector<std::string> removed;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code type_ec;
    if (!is_writer_temp_name(name) || it->is_symlink(type_ec) || !it->is_regular_file(type_ec)) continue;
    if (remove_if_unlocked(it->path())) removed.push_back(name);
  }
  return removed;
}

}  // namespace aisbf
