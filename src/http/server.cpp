#include "http/server.hpp"

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <spdlog/spdlog.h>

#include "http/deadline.hpp"
#include "http/upstream_client.hpp"

namespace aisbf::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kHeaderLimit = 64 * 1024;

namespace {

struct SessionSlot {
  tcp::socket* socket = nullptr;
  bool idle = true;  // waiting for a request: may be closed at shutdown
};

struct Worker {
  asio::io_context io{1};
  asio::ssl::context tls{asio::ssl::context::tls_client};
  std::unique_ptr<UpstreamPool> pool;
  std::optional<tcp::acceptor> acceptor;
  std::unordered_set<SessionSlot*> sessions;
  bool shutting_down = false;
  std::thread thread;

  Worker() {
    tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                    asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    beast::error_code ec;
    tls.set_default_verify_paths(ec);
    if (ec) spdlog::warn("cannot load the system certificate store: {}", ec.message());
    pool = std::make_unique<UpstreamPool>(io, tls);
  }

  // After the grace period: close every client connection, busy or not, so
  // that each session unwinds (its disconnect watch cancels the upstream).
  void force_close() {
    for (auto* s : sessions) {
      beast::error_code ignored;
      s->socket->close(ignored);
    }
  }

  void begin_shutdown() {
    shutting_down = true;
    pool->close_idle();
    beast::error_code ignored;
    if (acceptor) acceptor->close(ignored);
    for (auto* s : sessions) {
      beast::error_code ignored;
      if (s->idle) s->socket->cancel(ignored);
    }
  }
};

// A minimal OpenAI-style error for failures found before a handler runs.
std::string error_json(int status, std::string_view code, std::string_view message) {
  std::string type = status >= 500 ? "api_error" : "invalid_request_error";
  return std::string(R"({"error":{"message":")") + std::string(message) + R"(","type":")" + type +
         R"(","param":null,"code":")" + std::string(code) + R"("}})";
}

asio::awaitable<void> write_error_and_close(tcp::socket& socket, Deadline& deadline, int status,
                                            std::string_view code, std::string_view message) {
  auto body = error_json(status, code, message);
  auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(status));
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason.data(), reason.size()) +
                    "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body;
  deadline.expire_after(std::chrono::seconds(5));
  co_await asio::async_write(socket, asio::buffer(out), kUseTuple);
}

class Session {
 public:
  Session(tcp::socket socket, Worker& worker, const ServerOptions& options, const Handler& handler)
      : socket_(std::move(socket)),
        deadline_(socket_.get_executor(), [this] { on_deadline(); }),
        worker_(worker),
        options_(options),
        handler_(handler) {
    slot_.socket = &socket_;
    worker_.sessions.insert(&slot_);
  }
  ~Session() { worker_.sessions.erase(&slot_); }

  asio::awaitable<void> run() {
    bool first = true;
    while (!worker_.shutting_down) {
      if (!co_await wait_for_request(first)) break;
      first = false;
      if (!co_await serve_one()) break;
    }
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    socket_.close(ignored);
  }

 private:
  // Waits for the first byte of the next request: the header timeout on a
  // new connection, the idle timeout between keep-alive requests.
  asio::awaitable<bool> wait_for_request(bool first) {
    if (buffer_.size() > 0) co_return true;
    slot_.idle = true;
    deadline_.expire_after(first ? options_.header_timeout : options_.idle_timeout);
    auto [ec, n] = co_await socket_.async_read_some(buffer_.prepare(8192), kUseTuple);
    slot_.idle = false;
    if (ec || worker_.shutting_down) co_return false;
    buffer_.commit(n);
    co_return true;
  }

  // Reads one request and runs the handler. False when the connection ends.
  asio::awaitable<bool> serve_one() {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(options_.max_body_bytes);
    deadline_.expire_after(options_.header_timeout);
    auto [hec, hn] = co_await bhttp::async_read_header(socket_, buffer_, parser, kUseTuple);
    if (hec == bhttp::error::body_limit) {  // Content-Length over the limit, seen with the headers
      co_await reject_too_large();
      co_return false;
    }
    if (hec == bhttp::error::header_limit) {
      co_await write_error_and_close(socket_, deadline_, 431, "headers_too_large", "request headers exceed 64 KiB");
      co_return false;
    }
    if (hec) {
      if (!deadline_.expired() && hec != bhttp::error::end_of_stream && hec != asio::error::eof)
        co_await write_error_and_close(socket_, deadline_, 400, "bad_request", "malformed HTTP request");
      co_return false;
    }
    auto length = parser.content_length();
    if (length && *length > options_.max_body_bytes) {
      co_await reject_too_large();
      co_return false;
    }
    auto& req = parser.get();
    if (beast::iequals(req[bhttp::field::expect], "100-continue")) {
      auto [cec, cn] = co_await asio::async_write(socket_, asio::buffer("HTTP/1.1 100 Continue\r\n\r\n", 25), kUseTuple);
      if (cec) co_return false;
    }
    if (!parser.is_done()) {
      deadline_.expire_after(options_.idle_timeout);
      auto [bec, bn] = co_await bhttp::async_read(socket_, buffer_, parser, kUseTuple);
      if (bec == bhttp::error::body_limit) {
        co_await reject_too_large();
        co_return false;
      }
      if (bec) co_return false;
    }
    deadline_.disarm();  // the handler sets its own limits on writes
    Request request = parser.release();
    co_return co_await run_handler(request);
  }

  asio::awaitable<void> reject_too_large() {
    co_await write_error_and_close(socket_, deadline_, 413, "payload_too_large",
                                   "request body exceeds the limit of " + std::to_string(options_.max_body_bytes) +
                                       " bytes (server.max_body_bytes)");
  }

  asio::awaitable<bool> run_handler(Request& request) {
    Exchange exchange(socket_, deadline_, request, *worker_.pool, options_.idle_timeout);
    bool failed = false;
    try {
      co_await handler_(exchange);
    } catch (const std::exception& e) {
      spdlog::error("handler failed: {}", e.what());
      failed = true;
    }
    exchange.stop_watch();
    if (failed) {
      if (!exchange.response_started())
        co_await write_error_and_close(socket_, deadline_, 500, "internal_error", "internal error");
      co_return false;
    }
    co_return exchange.keep_alive() && !exchange.client_gone();
  }

  // The limit on whatever the session is waiting for: cancelling the
  // socket's operations ends that wait with an error.
  void on_deadline() {
    beast::error_code ignored;
    socket_.cancel(ignored);
  }

  tcp::socket socket_;
  Deadline deadline_;
  beast::flat_buffer buffer_;
  Worker& worker_;
  const ServerOptions& options_;
  const Handler& handler_;
  SessionSlot slot_;
};

asio::awaitable<void> serve_connection(tcp::socket socket, Worker& worker, const ServerOptions& options,
                                       const Handler& handler) {
  try {
    Session session(std::move(socket), worker, options, handler);
    co_await session.run();
  } catch (const std::exception& e) {
    spdlog::error("session ended by an exception: {}", e.what());
  }
}

asio::awaitable<void> accept_loop(Worker& worker, const ServerOptions& options, const Handler& handler) {
  while (worker.acceptor && worker.acceptor->is_open()) {
    auto [ec, socket] = co_await worker.acceptor->async_accept(kUseTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || worker.shutting_down) break;
      spdlog::warn("accept failed: {}", ec.message());
      asio::steady_timer pause(worker.io, std::chrono::milliseconds(50));  // e.g. out of file descriptors
      co_await pause.async_wait(kUseTuple);
      continue;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    asio::co_spawn(worker.io, serve_connection(std::move(socket), worker, options, handler), asio::detached);
  }
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  Handler handler;
  std::vector<std::unique_ptr<Worker>> workers;
  std::uint16_t port = 0;
};

Server::Server(ServerOptions options, Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
}

Server::~Server() = default;

std::optional<std::string> Server::bind() {
  auto& o = impl_->options;
  beast::error_code ec;
  auto address = asio::ip::make_address(o.host, ec);
  if (ec) return "cannot parse listen address '" + o.host + "': " + ec.message();
  std::uint16_t port = o.port;
  for (int i = 0; i < std::max(1, o.workers); ++i) {
    auto w = std::make_unique<Worker>();
    auto& acc = w->acceptor.emplace(w->io);
    tcp::endpoint ep(address, port);
    acc.open(ep.protocol(), ec);
    if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) {
      int one = 1;
      if (::setsockopt(acc.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
        ec = beast::error_code(errno, boost::system::system_category());
    }
    if (!ec) acc.bind(ep, ec);
    if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return "cannot listen on " + o.host + ":" + std::to_string(port) + ": " + ec.message();
    port = acc.local_endpoint().port();  // with --port 0 the first worker picks, the rest share it
    impl_->workers.push_back(std::move(w));
  }
  impl_->port = port;
  return std::nullopt;
}

std::uint16_t Server::bound_port() const { return impl_->port; }

void Server::run() {
  std::mutex m;
  std::condition_variable cv;
  std::size_t finished = 0;
  auto& first = *impl_->workers.front();
  if (impl_->options.on_start) {
    asio::post(first.io, [&] { impl_->options.on_start(first.io, *first.pool); });
  }
  for (auto& w : impl_->workers) {
    asio::co_spawn(w->io, accept_loop(*w, impl_->options, impl_->handler), asio::detached);
    w->thread = std::thread([&, worker = w.get()] {
      worker->io.run();
      std::lock_guard lock(m);
      ++finished;
      cv.notify_all();
    });
  }

  asio::io_context main_io;
  asio::signal_set signals(main_io, SIGINT, SIGTERM, SIGHUP);
  std::function<void()> wait_signal = [&] {
    signals.async_wait([&](const beast::error_code& ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        if (impl_->options.on_reload) impl_->options.on_reload();
        wait_signal();
        return;
      }
      spdlog::info("signal {}: shutting down", sig);
    });
  };
  wait_signal();
  main_io.run();

  if (impl_->options.on_shutdown) asio::post(first.io, [&] { impl_->options.on_shutdown(); });
  for (auto& w : impl_->workers) asio::post(w->io, [worker = w.get()] { worker->begin_shutdown(); });
  {
    std::unique_lock lock(m);
    bool all = cv.wait_for(lock, impl_->options.shutdown_grace, [&] { return finished == impl_->workers.size(); });
    if (!all) {
      spdlog::warn("shutdown grace period over: closing the remaining connections");
      for (auto& w : impl_->workers) asio::post(w->io, [worker = w.get()] { worker->force_close(); });
      cv.wait_for(lock, std::chrono::seconds(2), [&] { return finished == impl_->workers.size(); });
    }
  }
  for (auto& w : impl_->workers) w->io.stop();
  for (auto& w : impl_->workers) w->thread.join();
}

}  // namespace aisbf::http
