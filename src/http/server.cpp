#include "http/server.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <condition_variable>
#include <csignal>
#include <mutex>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "http/client_tls.hpp"
#include "http/session.hpp"
#include "http/tls_context.hpp"

namespace aisbf::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

Worker::Worker(ServerShared& s) : shared(s) {
  if (auto ec = configure_client_tls(tls)) spdlog::warn("cannot load the system certificate store: {}", ec.message());
  pool = std::make_unique<UpstreamPool>(io, tls);
}

// After the grace period: close every client connection, busy or not, so
// that each session unwinds (its disconnect watch cancels the upstream).
void Worker::force_close() {
  for (auto* s : sessions) {
    beast::error_code ignored;
    s->socket->close(ignored);
  }
}

void Worker::begin_shutdown() {
  shutting_down = true;
  pool->close_idle();
  wake_acceptors();
  beast::error_code ignored;
  if (acceptor) acceptor->close(ignored);
  if (plain_acceptor) plain_acceptor->close(ignored);
  for (auto* s : sessions) {
    if (s->idle) s->socket->cancel(ignored);
  }
}

void Worker::wake_acceptors() {
  slot_freed.cancel();
  plain_slot_freed.cancel();
}

namespace {

// Sleeps on the listener's own timer until a connection slot may be free.
// False at shutdown.
asio::awaitable<bool> wait_for_slot(Worker& worker, asio::steady_timer& slot_freed) {
  slot_freed.expires_at(asio::steady_timer::time_point::max());
  co_await slot_freed.async_wait(kUseTuple);
  co_return !worker.shutting_down;
}

// Accepts while the process has connection slots; at max_connections it
// stops, and new connections wait in the listen backlog. A failed accept
// (out of file descriptors: EMFILE, ENFILE) pauses the loop briefly; the
// connection stays queued and is tried again.
asio::awaitable<void> accept_loop(Worker& worker, Listener listener) {
  auto& gate = *worker.shared.connections;
  auto& acceptor = listener == Listener::main ? worker.acceptor : worker.plain_acceptor;
  auto& slot_freed = listener == Listener::main ? worker.slot_freed : worker.plain_slot_freed;
  auto last_warning = std::chrono::steady_clock::time_point{};
  while (acceptor && acceptor->is_open()) {
    while (gate.full()) {
      if (!co_await wait_for_slot(worker, slot_freed)) co_return;
    }
    auto [ec, socket] = co_await acceptor->async_accept(kUseTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || worker.shutting_down) break;
      auto now = std::chrono::steady_clock::now();
      if (now - last_warning > std::chrono::seconds(10)) {
        spdlog::warn("accept failed: {} (retrying)", ec.message());
        last_warning = now;
      }
      asio::steady_timer pause(worker.io, std::chrono::milliseconds(50));
      co_await pause.async_wait(kUseTuple);
      continue;
    }
    // Another worker may have taken the last slot meanwhile: this
    // connection then waits, accepted but unread, for the next free one.
    while (!gate.try_acquire()) {
      if (!co_await wait_for_slot(worker, slot_freed)) co_return;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    asio::co_spawn(worker.io, serve_connection(std::move(socket), worker, listener), asio::detached);
  }
}

// Each open client connection takes a descriptor, and each request in
// flight may hold an upstream connection: ask for that many (up to the hard
// limit) and warn when there cannot be; past the limit accepts and
// upstream connects fail (and are retried or answered), nothing crashes.
void raise_fd_limit(std::uint64_t max_connections, std::uint64_t max_inflight) {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  const auto want = static_cast<rlim_t>(std::min<std::uint64_t>(max_connections, 1u << 30) +
                                        std::min<std::uint64_t>(max_inflight, 1u << 30) + 64);
  if (rl.rlim_cur < want && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = std::min(want, rl.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &rl);
    ::getrlimit(RLIMIT_NOFILE, &rl);
  }
  if (rl.rlim_cur < want) {
    spdlog::warn("the open file limit ({}) is below what server.max_connections and max_inflight_requests "
                 "may need ({}): past it, connections wait and upstream calls can fail",
                 static_cast<std::uint64_t>(rl.rlim_cur), static_cast<std::uint64_t>(want));
  }
}

// Opens `acceptor` on `ep` with SO_REUSEPORT (every worker listens on the port).
void listen_on(tcp::acceptor& acceptor, const tcp::endpoint& ep, beast::error_code& ec) {
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) {
    int one = 1;
    if (::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
      ec = beast::error_code(errno, boost::system::system_category());
  }
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
}

// Looks for changed certificate files every check interval, on the signal
// thread (file reads stay off the workers).
void check_certificates(asio::steady_timer& timer, TlsContextSource& tls) {
  timer.expires_after(tls.check_interval());
  timer.async_wait([&timer, &tls](const beast::error_code& ec) {
    if (ec) return;
    tls.refresh(false);
    check_certificates(timer, tls);
  });
}

}  // namespace

struct Server::Impl {
  ServerShared shared;
  std::vector<std::unique_ptr<Worker>> workers;
  std::uint16_t port = 0;
  std::uint16_t plain_port = 0;
  asio::io_context main_io{1};  // signals; stop() ends its run
};

Server::Server(ServerOptions options, Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->shared.connections = std::make_unique<ConnectionGate>(options.max_connections);
  impl_->shared.options = std::move(options);
  impl_->shared.handler = std::move(handler);
}

Server::~Server() = default;

std::optional<std::string> Server::bind() {
  auto& o = impl_->shared.options;
  beast::error_code ec;
  auto address = asio::ip::make_address(o.host, ec);
  if (ec) return "cannot parse listen address '" + o.host + "': " + ec.message();
  raise_fd_limit(o.max_connections, o.max_inflight_requests);
  std::uint16_t port = o.port;
  std::uint16_t plain_port = o.plain_port.value_or(0);
  for (int i = 0; i < std::max(1, o.workers); ++i) {
    auto w = std::make_unique<Worker>(impl_->shared);
    auto& acc = w->acceptor.emplace(w->io);
    listen_on(acc, tcp::endpoint(address, port), ec);
    if (ec) return "cannot listen on " + o.host + ":" + std::to_string(port) + ": " + ec.message();
    port = acc.local_endpoint().port();  // with --port 0 the first worker picks, the rest share it
    if (o.plain_port) {
      auto& plain = w->plain_acceptor.emplace(w->io);
      listen_on(plain, tcp::endpoint(address, plain_port), ec);
      if (ec)
        return "cannot listen on " + o.host + ":" + std::to_string(plain_port) + " (server.http_port): " + ec.message();
      plain_port = plain.local_endpoint().port();
    }
    impl_->shared.workers.push_back(w.get());
    impl_->workers.push_back(std::move(w));
  }
  impl_->port = port;
  impl_->plain_port = o.plain_port ? plain_port : 0;
  return std::nullopt;
}

std::uint16_t Server::bound_port() const { return impl_->port; }
std::uint16_t Server::bound_plain_port() const { return impl_->plain_port; }

std::uint64_t Server::open_connections() const { return impl_->shared.connections->open(); }

std::vector<std::pair<int, std::uint64_t>> Server::server_answers() const {
  std::vector<std::pair<int, std::uint64_t>> out;
  for (std::size_t i = 0; i < kServerAnswerStatuses.size(); ++i)
    out.emplace_back(kServerAnswerStatuses[i], impl_->shared.server_answers[i].load(std::memory_order_relaxed));
  return out;
}

void Server::stop() { impl_->main_io.stop(); }

void Server::run() {
  std::mutex m;
  std::condition_variable cv;
  std::size_t finished = 0;
  const auto& options = impl_->shared.options;
  auto& first = *impl_->workers.front();
  if (options.on_start) {
    asio::post(first.io, [&] { options.on_start(first.io, *first.pool); });
  }
  for (auto& w : impl_->workers) {
    asio::co_spawn(w->io, accept_loop(*w, Listener::main), asio::detached);
    if (w->plain_acceptor) asio::co_spawn(w->io, accept_loop(*w, Listener::plain), asio::detached);
    w->thread = std::thread([&, worker = w.get()] {
      worker->io.run();
      std::lock_guard lock(m);
      ++finished;
      cv.notify_all();
    });
  }

  auto& main_io = impl_->main_io;
  asio::signal_set signals(main_io, SIGINT, SIGTERM, SIGHUP);
  asio::steady_timer certificates(main_io);
  std::function<void()> wait_signal = [&] {
    signals.async_wait([&](const beast::error_code& ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        if (options.on_reload) options.on_reload();
        if (options.tls) options.tls->refresh(true);
        wait_signal();
        return;
      }
      spdlog::info("signal {}: shutting down", sig);
      certificates.cancel();  // main_io.run() returns once nothing is left
    });
  };
  wait_signal();
  if (options.tls) check_certificates(certificates, *options.tls);
  main_io.run();

  impl_->shared.stopping = true;
  if (options.on_shutdown) asio::post(first.io, [&] { options.on_shutdown(); });
  for (auto& w : impl_->workers) asio::post(w->io, [worker = w.get()] { worker->begin_shutdown(); });
  {
    std::unique_lock lock(m);
    bool all = cv.wait_for(lock, options.shutdown_grace, [&] { return finished == impl_->workers.size(); });
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
