// The config directory: reads the four files (or their defaults), writes
// missing defaults atomically when asked, and runs the loaders in order.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <system_error>

#include <fmt/format.h>

#include "config/defaults.hpp"
#include "config/load_internal.hpp"
#include "config/fd_write.hpp"
#include "config/temp_files.hpp"

namespace aisbf::config_detail {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxFileBytes = 16u << 20;

std::string errno_text(int err) { return std::system_category().message(err); }

struct ReadResult {
  enum class Status { ok, missing, failed };
  Status status = Status::failed;
  std::string text;
  std::string error;
  unsigned mode = 0;  // permission bits of the file read
};

ReadResult read_file(const fs::path& path) {
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (st.type() == fs::file_type::not_found) return {ReadResult::Status::missing, {}, {}, 0};
  if (ec) return {ReadResult::Status::failed, {}, ec.message()};
  if (!fs::is_regular_file(st)) return {ReadResult::Status::failed, {}, "not a regular file"};
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {ReadResult::Status::failed, {}, errno_text(errno)};
  ReadResult result{ReadResult::Status::ok, {}, {}};
  struct stat opened {};
  if (::fstat(fd, &opened) == 0) result.mode = opened.st_mode & 07777;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      result = {ReadResult::Status::failed, {}, errno_text(errno)};
      break;
    }
    if (n == 0) break;
    if (result.text.size() + static_cast<std::size_t>(n) > kMaxFileBytes) {
      result = {ReadResult::Status::failed, {}, "larger than 16 MiB"};
      break;
    }
    result.text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return result;
}


// Moves `tmp` to `target` unless `target` exists (then keeps it).
int rename_no_replace(const std::string& tmp, const std::string& target) {
  if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) == 0) return 0;
  if (errno == EEXIST) {
    ::unlink(tmp.c_str());
    return 0;
  }
  if (errno != EINVAL && errno != ENOSYS) return errno;
  return ::rename(tmp.c_str(), target.c_str()) == 0 ? 0 : errno;  // file system without RENAME_NOREPLACE
}

void sync_directory(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// Writes `text` to dir/name with mode 0600: temp file, fsync, rename.
// Returns an error text, empty on success.
std::string write_file_atomically(const fs::path& dir, std::string_view name, std::string_view text) {
  std::string tmp;
  const int fd = create_locked_temp(dir, name, tmp);
  if (fd < 0) return errno_text(errno);
  int err = 0;
  if (::fchmod(fd, S_IRUSR | S_IWUSR) != 0 || !write_all(fd, text) || ::fsync(fd) != 0) {
    err = errno != 0 ? errno : EIO;
  }
  // Closed (the lock released) only after the rename: see temp_files.hpp.
  if (err == 0) err = rename_no_replace(tmp, (dir / name).string());
  ::close(fd);
  if (err != 0) {
    ::unlink(tmp.c_str());
    return errno_text(err);
  }
  sync_directory(dir);
  return {};
}

void dir_error(std::vector<Diagnostic>& out, std::string message) {
  out.push_back(Diagnostic{Diagnostic::Severity::error, "", "", std::move(message)});
}

bool ensure_directory(const fs::path& dir, const LoadOptions& options, std::vector<Diagnostic>& out) {
  const std::string shown = json_quoted(dir.string());
  std::error_code ec;
  fs::file_status st = fs::status(dir, ec);
  if (fs::is_directory(st)) return true;
  if (st.type() != fs::file_type::not_found) {
    dir_error(out, ec ? fmt::format("config directory {}: {}", shown, ec.message())
                      : fmt::format("config directory {} is not a directory", shown));
    return false;
  }
  if (!options.write_missing_defaults) {
    dir_error(out, fmt::format("config directory {} does not exist", shown));
    return false;
  }
  fs::create_directories(dir, ec);
  if (!ec) fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) {
    dir_error(out, fmt::format("cannot create config directory {}: {}", shown, ec.message()));
    return false;
  }
  return true;
}

struct Source {
  std::string label;                // file name, or "<name> (built-in default)"
  std::optional<std::string> text;  // none: unreadable (already reported)
  unsigned mode = 0;                // of the file read; 0 for the built-in text
};

Source load_source(const fs::path& dir, std::string_view name, const LoadOptions& options,
                   std::vector<Diagnostic>& out) {
  const std::string file(name);
  ReadResult read = read_file(dir / name);
  if (read.status == ReadResult::Status::ok) return {file, std::move(read.text), read.mode};
  if (read.status == ReadResult::Status::failed) {
    out.push_back(Diagnostic{Diagnostic::Severity::error, file, "", "cannot read the file: " + read.error});
    return {file, std::nullopt};
  }
  const std::string_view defaults = default_file_text(name);
  if (options.write_missing_defaults) {
    std::string error = write_file_atomically(dir, name, defaults);
    if (error.empty()) {
      read = read_file(dir / name);
      if (read.status == ReadResult::Status::ok) return {file, std::move(read.text), read.mode};
      error = read.error;
    }
    out.push_back(Diagnostic{Diagnostic::Severity::warning, file, "",
                             "could not write the default file (" + error + "); using the built-in defaults"});
  }
  return {file + " (built-in default)", std::string(defaults)};
}

// A file holding keys or tokens that other users may read leaks them.
void warn_open_modes(const Config& config, const std::array<unsigned, 4>& modes, std::vector<Diagnostic>& out) {
  for (std::size_t i = 0; i < kConfigFiles.size(); ++i) {
    if ((modes[i] & 077) == 0 || !file_holds_secrets(config, kConfigFiles[i])) continue;
    const char* what = kConfigFiles[i] == kAisbfFile ? "gateway auth tokens" : "API keys";
    out.push_back(Diagnostic{Diagnostic::Severity::warning, std::string(kConfigFiles[i]), "",
                             fmt::format("holds {} and is open to group or others (mode {:04o}); restrict it with "
                                         "chmod 600",
                                         what, modes[i])});
  }
}

}  // namespace

std::size_t LoadOutcome::error_count() const {
  std::size_t n = 0;
  for (const auto& d : diagnostics) n += d.severity == Diagnostic::Severity::error ? 1 : 0;
  return n;
}

std::size_t LoadOutcome::warning_count() const { return diagnostics.size() - error_count(); }

LoadOutcome load_all(const fs::path& dir, const LoadOptions& options) {
  std::vector<Diagnostic> early;
  if (!ensure_directory(dir, options, early)) {
    LoadOutcome out;
    out.config.dir = dir;
    out.diagnostics = std::move(early);
    return out;
  }
  std::array<unsigned, 4> modes{};
  auto read = [&](std::size_t i, std::vector<Diagnostic>& out) {
    Source source = load_source(dir, kConfigFiles[i], options, out);
    modes[i] = source.mode;
    DiagSink sink(out, source.label);
    std::optional<json::value> root = source.text ? parse_json_text(*source.text, sink) : std::nullopt;
    return Document{std::move(source.label), std::move(root)};
  };
  LoadOutcome out = load_documents(dir, read, options);
  warn_open_modes(out.config, modes, out.diagnostics);
  return out;
}

}  // namespace aisbf::config_detail
