// Internal to the server: the workers, what they share, and one client
// connection's session. Only server.cpp and session.cpp include this.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <thread>
#include <unordered_set>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "http/server.hpp"
#include "http/upstream_client.hpp"

namespace aisbf::http {

struct Worker;

// Open client connections of the process against server.max_connections.
// A slot is taken when a connection is accepted and given back when its
// session ends; the acceptors wait while none is free.
class ConnectionGate {
 public:
  explicit ConnectionGate(std::uint64_t max) : max_(max == 0 ? 1 : max) {}
  bool full() const { return open_.load(std::memory_order_relaxed) >= max_; }
  std::uint64_t open() const { return open_.load(std::memory_order_relaxed); }
  bool try_acquire() {
    auto n = open_.load(std::memory_order_relaxed);
    while (n < max_) {
      if (open_.compare_exchange_weak(n, n + 1, std::memory_order_relaxed)) return true;
    }
    return false;
  }
  // True when the gate was full: an acceptor may be waiting for this slot.
  bool release() { return open_.fetch_sub(1, std::memory_order_relaxed) == max_; }

 private:
  const std::uint64_t max_;
  std::atomic<std::uint64_t> open_{0};
};

// The statuses the HTTP layer answers with itself: malformed requests (400),
// too large (413), headers too large (431), a failed handler or check (500),
// overloaded (503, server.max_inflight_requests).
inline constexpr std::array<int, 5> kServerAnswerStatuses{400, 413, 431, 500, 503};

// What every worker of one server shares (read-only but for the counters).
struct ServerShared {
  ServerOptions options;
  Handler handler;
  std::unique_ptr<ConnectionGate> connections;
  std::atomic<std::uint64_t> inflight{0};  // requests admitted, against max_inflight_requests
  // Answers the server sent itself, before or instead of the handler (no
  // request id, no access line): by status, kServerAnswerStatuses.
  std::array<std::atomic<std::uint64_t>, 5> server_answers{};
  std::vector<Worker*> workers;
  std::atomic<bool> stopping{false};  // shutdown began: nobody accepts any more

  void wake_acceptors();  // a connection slot was freed (nothing once stopping)
};

// Which listener a connection came in on: the main port (HTTPS when the
// server has TLS), or the plain port beside it (redirects, ACME challenges).
enum class Listener { main, plain };

struct SessionSlot {
  boost::asio::ip::tcp::socket* socket = nullptr;
  bool idle = true;  // waiting for a request: may be closed at shutdown
};

struct Worker {
  explicit Worker(ServerShared& shared);

  ServerShared& shared;
  boost::asio::io_context io{1};
  boost::asio::ssl::context tls{boost::asio::ssl::context::tls_client};
  std::unique_ptr<UpstreamPool> pool;
  std::optional<boost::asio::ip::tcp::acceptor> acceptor;
  std::optional<boost::asio::ip::tcp::acceptor> plain_acceptor;  // ServerOptions::plain_port
  // Each accept loop waits on its own timer while the gate is full (one
  // loop re-arming a timer another waits on would wake it: they would spin).
  boost::asio::steady_timer slot_freed{io};
  boost::asio::steady_timer plain_slot_freed{io};
  std::unordered_set<SessionSlot*> sessions;
  bool shutting_down = false;
  std::thread thread;

  void force_close();
  void begin_shutdown();
  void wake_acceptors();  // cancels both slot timers
};

// Serves one accepted connection (whose gate slot is taken) until it ends.
boost::asio::awaitable<void> serve_connection(boost::asio::ip::tcp::socket socket, Worker& worker, Listener listener);

}  // namespace aisbf::http
