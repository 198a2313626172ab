// Helpers for the PostgreSQL, MariaDB and Redis driver tests (test code only; their
// own namespace, apart from the store tests' helpers): a
// loopback port nothing listens on, a parsed test URL, and a scratch server
// of their own (tests/db/server.sh) that a test may stop.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

namespace aisbf::store::driver_test {

// A port on 127.0.0.1 that was free a moment ago (bound, then closed).
inline int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

inline std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

// scheme://user:password@host:port/database (what tests/db/server.sh prints).
struct DbUrl {
  std::string user, password, host, database;
  int port = 0;
};

inline std::optional<DbUrl> parse_db_url(const std::string& url) {
  auto scheme_end = url.find("://");
  auto at = url.rfind('@');
  if (scheme_end == std::string::npos || at == std::string::npos) return std::nullopt;
  std::string auth = url.substr(scheme_end + 3, at - scheme_end - 3);
  std::string rest = url.substr(at + 1);
  auto colon = auth.find(':');
  auto port_colon = rest.find(':');
  auto slash = rest.find('/');
  if (colon == std::string::npos || port_colon == std::string::npos || slash == std::string::npos) return std::nullopt;
  DbUrl out;
  out.user = auth.substr(0, colon);
  out.password = auth.substr(colon + 1);
  out.host = rest.substr(0, port_colon);
  out.port = std::atoi(rest.substr(port_colon + 1, slash - port_colon - 1).c_str());
  out.database = rest.substr(slash + 1);
  return out;
}

// A server of the test's own, started and stopped with tests/db/server.sh.
class ScratchServer {
 public:
  explicit ScratchServer(const std::string& kind) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/aisbf-scratch.XXXXXX";
    if (!::mkdtemp(pattern.data())) return;
    dir_ = pattern;
    url_ = run(script() + " start " + kind + " " + dir_);
  }
  ~ScratchServer() { stop(); }
  ScratchServer(const ScratchServer&) = delete;
  ScratchServer& operator=(const ScratchServer&) = delete;

  const std::string& url() const { return url_; }  // empty if it did not start
  const std::string& dir() const { return dir_; }
  void stop() {
    if (!dir_.empty()) run(script() + " stop " + dir_);
    dir_.clear();
  }
  // PostgreSQL and Redis: killed at once, then started again on the same port.
  void down() { run(script() + " down " + dir_); }
  void up() { run(script() + " up " + dir_); }

 private:
  static std::string script() { return std::string(AISBF_SOURCE_DIR) + "/tests/db/server.sh"; }
  // The command's first stdout line.
  static std::string run(const std::string& command) {
    std::string out;
    if (FILE* p = ::popen(command.c_str(), "r")) {
      std::array<char, 512> buf{};
      while (std::fgets(buf.data(), buf.size(), p)) out += buf.data();
      ::pclose(p);
    }
    if (auto nl = out.find('\n'); nl != std::string::npos) out.resize(nl);
    return out;
  }

  std::string dir_;
  std::string url_;
};

}  // namespace aisbf::store::driver_test
