// The HTTP/1.1 server: N worker threads, each with its own io_context, its
// own SO_REUSEPORT listener and its own upstream pool. Sessions are
// coroutines; a session reads one request at a time within the configured
// limits and hands it to the handler. Per process, at most max_connections
// are open and max_inflight_requests served at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "http/exchange.hpp"

namespace aisbf {
struct Config;
}

namespace aisbf::http {

class UpstreamPool;
class TlsContextSource;

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 17765;
  int workers = 1;
  std::uint64_t max_body_bytes = 32ull * 1024 * 1024;
  std::chrono::milliseconds header_timeout{30'000};
  std::chrono::milliseconds idle_timeout{120'000};
  std::chrono::milliseconds shutdown_grace{10'000};
  // Background work of the application, run on the first worker: started
  // with the server, told to stop when shutdown begins (it must then end so
  // that the worker's loop can).
  std::function<void(boost::asio::io_context&, UpstreamPool&)> on_start;
  std::function<void()> on_shutdown;
  // SIGHUP: reload the configuration (called on the signal thread, not on a worker).
  std::function<void()> on_reload;
  // The HTTP layer answered a request itself (malformed, a body too large,
  // overloaded, a handler that failed before answering): the x-request-id
  // its answer carries, from the application, which logs it. `client`: the
  // peer's address. Unset: no id.
  std::function<std::string(int status, std::string_view client)> on_server_answer;
  // Decides on each request from its headers, before any body byte is read.
  // Unset: every request is admitted with max_body_bytes.
  HeaderCheck header_check;
  // Per process: connections past max_connections wait in the listen
  // backlog; requests past max_inflight_requests get a 503 with Retry-After.
  std::uint64_t max_connections = 10'000;
  std::uint64_t max_inflight_requests = 4'096;
  // TLS: when set, `port` serves HTTPS, each new connection with the
  // source's current context; the source is checked for changed files
  // every check interval and on SIGHUP (after on_reload), off the workers.
  std::shared_ptr<TlsContextSource> tls;
  // A second, plain-HTTP port (0 picks a free one) served by the same
  // handler; its requests are judged by plain_header_check (unset: by
  // header_check), e.g. a 301 to https for all but ACME challenges.
  std::optional<std::uint16_t> plain_port;
  HeaderCheck plain_header_check;
};

using Handler = std::function<boost::asio::awaitable<void>(Exchange&)>;

// A TLS source for ServerOptions::tls (http/tls_context.hpp), its first
// context built now from the certificate `config()->server` selects; null,
// with `error` set, when there is nothing to serve.
std::shared_ptr<TlsContextSource> start_tls(const std::filesystem::path& config_dir,
                                            std::function<std::shared_ptr<const Config>()> config,
                                            std::chrono::milliseconds check_interval, std::string& error);

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();

  // Binds every worker's listener; an error message when it cannot.
  std::optional<std::string> bind();
  std::uint16_t bound_port() const;
  std::uint16_t bound_plain_port() const;  // 0 without a plain port
  // Client connections open now (any thread).
  std::uint64_t open_connections() const;
  // Answers the HTTP layer sent itself (malformed, too large, overloaded,
  // a failed handler): status → count, every status listed.
  std::vector<std::pair<int, std::uint64_t>> server_answers() const;

  // Serves until SIGINT/SIGTERM (or stop()), then stops accepting, lets
  // in-flight requests finish within the grace period and returns.
  void run();
  // Ends run() as SIGTERM would; callable from any thread, before or during run().
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aisbf::http
