// The HTTP/1.1 server of aisbf-mock: N worker threads, each with its own
// io_context and SO_REUSEPORT acceptor, one coroutine per connection.
// This header does not include Asio.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace aisbf_mock {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: pick a free port
  unsigned workers = 1;
  std::vector<std::string> api_keys;
  std::uint64_t seed = 1;  // flaky-P fault draws
};

class Server {
 public:
  // Binds and listens; throws std::exception when it cannot.
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::uint16_t port() const;
  void start();  // starts the worker threads and returns
  void stop();   // stops the workers and joins them (idempotent)

 private:
  void listen_all(const ServerOptions& options);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aisbf_mock
