#include "ops/onion_key.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "config/config_writer.hpp"
#include "ops/tor_control.hpp"

namespace aisbf::ops {

namespace fs = std::filesystem;

fs::path expand_home(const std::string& dir) {
  if (dir == "~" || dir.starts_with("~/")) {
    const char* home = std::getenv("HOME");
    return fs::path(home && *home ? home : ".") / dir.substr(dir.size() > 1 ? 2 : 1);
  }
  return dir;
}

StoredOnionKey load_onion_key(const fs::path& dir) {
  StoredOnionKey out;
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      out.error = fmt::format("tor.hidden_service_dir {}: {}", dir.string(), std::strerror(errno));
      return out;
    }
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || ::chmod(dir.c_str(), 0700) != 0) {
      out.error = fmt::format("tor.hidden_service_dir {} cannot be created: {}", dir.string(),
                              ec ? ec.message() : std::strerror(errno));
    }
    return out;  // a new directory holds no key
  }
  if (!S_ISDIR(st.st_mode)) {
    out.error = fmt::format("tor.hidden_service_dir {} is not a directory", dir.string());
    return out;
  }
  if ((st.st_mode & 077) != 0) {
    out.warning = fmt::format("tor.hidden_service_dir {} is open to other users (mode {:o}); chmod 700 it",
                              dir.string(), st.st_mode & 0777);
  }
  const fs::path file = dir / kOnionKeyFile;
  std::error_code ec;
  if (!fs::exists(file, ec)) return out;  // the first start: tor makes the key
  if (!fs::is_regular_file(fs::status(file, ec))) {  // a FIFO would block the read
    out.error = fmt::format("{} is not a regular file", file.string());
    return out;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    out.error = fmt::format("{} cannot be read: {}", file.string(), std::strerror(errno));
    return out;
  }
  std::string text(256, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  if (!valid_onion_key(text)) {
    // Never replaced: it may be the only copy of a published address's key.
    out.error =
        fmt::format("{} does not hold an ED25519-V3 onion key; move it away to get a new address", file.string());
    return out;
  }
  out.key = std::move(text);
  return out;
}

std::optional<std::string> save_onion_key(const fs::path& dir, const std::string& key) {
  auto error = write_file_atomically(dir / kOnionKeyFile, key + "\n");  // 0600
  if (!error) return std::nullopt;
  return fmt::format("{}: {}", error->path, error->message);
}

}  // namespace aisbf::ops
