#include "config/config_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <system_error>

#include <boost/json/serialize.hpp>
#include <fmt/format.h>
#include "config/fd_write.hpp"
#include "config/temp_files.hpp"

namespace aisbf {

namespace fs = std::filesystem;

namespace {

std::string errno_text(int err) { return std::system_category().message(err); }


mode_t target_mode(const fs::path& path, FileMode mode) {
  constexpr mode_t kOwnerOnly = S_IRUSR | S_IWUSR;
  if (mode == FileMode::secret) return kOwnerOnly;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return st.st_mode & 07777;
  return kOwnerOnly;
}

// Runs one step: its own failure (errno), or the one a test injected.
int step(const WriteOptions& options, WriteStep which, bool ok) {
  if (options.fail_at && options.fail_at(which)) return EIO;
  return ok ? 0 : (errno != 0 ? errno : EIO);
}

const char* step_name(WriteStep s) {
  switch (s) {
    case WriteStep::create_temp: return "create temp file";
    case WriteStep::write: return "write";
    case WriteStep::sync_file: return "fsync";
    case WriteStep::rename: return "rename";
  }
  return "write";
}

WriteError failure(const fs::path& path, WriteStep s, int err) {
  return WriteError{path.string(), fmt::format("{}: {}", step_name(s), errno_text(err))};
}

void sync_directory(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

void append_json(std::string& out, const boost::json::value& v, int depth);

void newline(std::string& out, int depth) {
  out += '\n';
  out.append(static_cast<std::size_t>(depth) * 2, ' ');
}

void append_double(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  std::string text = fmt::format("{}", d);
  if (text.find_first_of(".eE") == std::string::npos) text += ".0";
  out += text;
}

void append_object(std::string& out, const boost::json::object& obj, int depth) {
  if (obj.empty()) {
    out += "{}";
    return;
  }
  out += '{';
  bool first = true;
  for (const auto& kv : obj) {
    if (!first) out += ',';
    first = false;
    newline(out, depth + 1);
    out += boost::json::serialize(boost::json::string_view(kv.key()));
    out += ": ";
    append_json(out, kv.value(), depth + 1);
  }
  newline(out, depth);
  out += '}';
}

void append_array(std::string& out, const boost::json::array& arr, int depth) {
  if (arr.empty()) {
    out += "[]";
    return;
  }
  out += '[';
  bool first = true;
  for (const auto& item : arr) {
    if (!first) out += ',';
    first = false;
    newline(out, depth + 1);
    append_json(out, item, depth + 1);
  }
  newline(out, depth);
  out += ']';
}

void append_json(std::string& out, const boost::json::value& v, int depth) {
  switch (v.kind()) {
    case boost::json::kind::object: return append_object(out, v.get_object(), depth);
    case boost::json::kind::array: return append_array(out, v.get_array(), depth);
    case boost::json::kind::double_: return append_double(out, v.get_double());
    default: out += boost::json::serialize(v);
  }
}

}  // namespace

std::optional<WriteError> write_file_atomically(const fs::path& path, std::string_view text,
                                                const WriteOptions& options) {
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  const mode_t mode = target_mode(path, options.mode);
  std::string tmp;
  errno = 0;
  const int fd = create_locked_temp(dir, path.filename().string(), tmp);
  if (int err = step(options, WriteStep::create_temp, fd >= 0); err != 0) {
    if (fd >= 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
    }
    return failure(path, WriteStep::create_temp, err);
  }
  // The descriptor stays open (its lock held) until after the rename: a
  // start-up clean-up in another instance then leaves this file alone.
  auto abandon = [&](WriteStep s, int err) {
    ::unlink(tmp.c_str());
    ::close(fd);
    return failure(path, s, err);
  };
  if (int err = step(options, WriteStep::write, ::fchmod(fd, mode) == 0 && write_all(fd, text)); err != 0)
    return abandon(WriteStep::write, err);
  if (int err = step(options, WriteStep::sync_file, ::fsync(fd) == 0); err != 0)
    return abandon(WriteStep::sync_file, err);
  errno = 0;
  const bool renamed = !(options.fail_at && options.fail_at(WriteStep::rename)) &&
                       ::rename(tmp.c_str(), path.c_str()) == 0;
  if (!renamed) return abandon(WriteStep::rename, errno != 0 ? errno : EIO);
  ::close(fd);  // fsync succeeded: nothing is left for close to report
  // Without this the rename itself may be lost in a power cut. The new
  // file is in place already, so a failure here is not the write's: the
  // caller must not keep the old snapshot for a file that changed.
  sync_directory(dir);
  return std::nullopt;
}

std::string pretty_json(const boost::json::value& value) {
  std::string out;
  append_json(out, value, 0);
  out += '\n';
  return out;
}

}  // namespace aisbf
