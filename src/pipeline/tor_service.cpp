#include "pipeline/tor_service.hpp"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <mutex>
#include <optional>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/log_text.hpp"
#include "http/deadline.hpp"
#include "ops/onion_key.hpp"
#include "ops/tor_control.hpp"

namespace aisbf {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using ops::TorState;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::milliseconds kRemoveTimeout{2'000};

struct TorService::Impl : std::enable_shared_from_this<TorService::Impl> {
  TorServiceOptions options;
  mutable std::mutex mutex;
  // Under mutex: the state; the io once started; refused or withdrawn (and
  // why): no later change of the coroutine's moves the phase off "error".
  TorState state;
  asio::io_context* io = nullptr;
  bool started = false;
  bool withdrawn = false;
  std::string withdrawn_why;
  // A persistent service's key: read at construction, kept once tor made
  // it (io thread after start).
  std::optional<std::string> key;
  std::string key_error;
  // Set while the coroutine runs (io thread only): what stop() cancels.
  bool stopping = false;
  tcp::socket* socket = nullptr;
  tcp::resolver* resolver = nullptr;
  asio::steady_timer* backoff = nullptr;

  explicit Impl(TorServiceOptions o) : options(std::move(o)) {}

  std::string control() const { return fmt::format("{}:{}", options.config.control_host, options.config.control_port); }
  void update(const std::function<void(TorState&)>& change) {
    std::lock_guard lock(mutex);
    change(state);
    if (withdrawn) {
      state.phase = TorState::Phase::error;
      state.last_error = withdrawn_why;
      state.onion_address.clear();
    }
  }
  // On the io's thread.
  void stop() {
    stopping = true;
    boost::system::error_code ignored;
    if (socket != nullptr) socket->cancel(ignored);
    if (resolver != nullptr) resolver->cancel();
    if (backoff != nullptr) backoff->cancel();
  }
};

namespace {

// One control connection's reads and writes, each under a time limit.
class ControlLink {
 public:
  ControlLink(tcp::socket& socket, std::chrono::milliseconds timeout)
      : socket_(socket), timeout_(timeout), deadline_(socket.get_executor(), [&socket] {
          boost::system::error_code ignored;
          socket.cancel(ignored);
        }) {}

  asio::awaitable<std::string> send(std::string_view command) {
    deadline_.expire_after(timeout_);
    auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(command.data(), command.size()), kUseTuple);
    deadline_.disarm();
    co_return ec ? io_error("write", ec) : std::string();
  }

  // The next reply; `wait_forever`: no time limit (the idle wait).
  asio::awaitable<ops::TorOutcome<ops::Reply>> read(bool wait_forever = false) {
    if (wait_forever)
      deadline_.disarm();
    else
      deadline_.expire_after(timeout_);
    while (true) {
      if (auto reply = parser_.pop()) {
        deadline_.disarm();
        co_return ops::TorOutcome<ops::Reply>{std::move(reply), {}};
      }
      auto [ec, n] = co_await socket_.async_read_some(asio::buffer(buffer_), kUseTuple);
      if (ec) {
        deadline_.disarm();
        co_return ops::TorOutcome<ops::Reply>{std::nullopt, io_error("read", ec)};
      }
      if (!parser_.feed(std::string_view(buffer_.data(), n))) {
        deadline_.disarm();
        co_return ops::TorOutcome<ops::Reply>{std::nullopt, "tor's reply is malformed: " + parser_.error()};
      }
    }
  }

  // A command and its reply.
  asio::awaitable<ops::TorOutcome<ops::Reply>> ask(std::string_view command) {
    if (auto error = co_await send(command); !error.empty()) co_return ops::TorOutcome<ops::Reply>{std::nullopt, error};
    co_return co_await read();
  }

  std::string io_error(std::string_view what, const boost::system::error_code& ec) const {
    if (deadline_.expired()) return fmt::format("tor did not answer within {} s", timeout_.count() / 1000.0);
    if (ec == asio::error::eof) return "tor closed the control connection";
    return fmt::format("control connection {}: {}", what, ec.message());
  }

 private:
  tcp::socket& socket_;
  std::chrono::milliseconds timeout_;
  http::Deadline deadline_;
  ops::ReplyParser parser_;
  std::array<char, 4096> buffer_{};
};

// tor's cookie file, named by whatever answered PROTOCOLINFO: opened
// without following a symlink and without blocking (a FIFO would hang the
// worker), read only when it is a regular file of exactly the cookie's size.
std::optional<std::vector<std::uint8_t>> read_cookie(const std::string& path, std::string& error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    error = fmt::format("tor's cookie file {} cannot be read: {} (is aisbf in tor's group?)", log_text(path),
                        std::strerror(errno));
    return std::nullopt;
  }
  struct Close {
    int fd;
    ~Close() { ::close(fd); }
  } close_fd{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != static_cast<off_t>(ops::kCookieSize)) {
    error = fmt::format("tor's cookie file {} is not a regular file of {} bytes", log_text(path), ops::kCookieSize);
    return std::nullopt;
  }
  std::vector<std::uint8_t> cookie(ops::kCookieSize);
  if (::read(fd, cookie.data(), cookie.size()) != static_cast<ssize_t>(cookie.size())) {
    error = fmt::format("tor's cookie file {} could not be read whole", log_text(path));
    return std::nullopt;
  }
  return cookie;
}

// PROTOCOLINFO, then whichever AUTHENTICATE tor and the config allow.
asio::awaitable<std::string> authenticate(ControlLink& link, TorService::Impl& s) {
  auto info_reply = co_await link.ask(ops::kProtocolInfoCommand);
  if (!info_reply) co_return info_reply.error;
  auto info = ops::parse_protocolinfo(*info_reply.value);
  if (!info) co_return info.error;
  s.update([&](TorState& st) { st.tor_version = info.value->version; });
  const auto& password = s.options.config.control_password;
  auto method = ops::choose_auth(*info.value, !password.empty());
  if (!method) co_return method.error;
  std::string command;
  std::string error;
  switch (*method.value) {
    case ops::AuthMethod::none:
      command = ops::authenticate_none();
      break;
    case ops::AuthMethod::password:
      command = ops::authenticate_password(password);
      break;
    case ops::AuthMethod::cookie:  // choose_auth never picks it (SAFECOOKIE only)
      co_return "COOKIE authentication is not used";
    case ops::AuthMethod::safecookie: {
      auto cookie = read_cookie(info.value->cookie_file, error);
      if (!cookie) co_return error;
      std::array<std::uint8_t, ops::kNonceSize> nonce{};
      if (RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1) co_return "no random bytes for SAFECOOKIE";
      auto challenge = co_await link.ask(ops::authchallenge_command(nonce));
      if (!challenge) co_return challenge.error;
      auto answer = ops::safecookie_authenticate(*challenge.value, *cookie, nonce);
      if (!answer) co_return answer.error;
      command = std::move(*answer.value);
      break;
    }
  }
  auto reply = co_await link.ask(command);
  if (!reply) co_return reply.error;
  if (!reply.value->ok()) {
    co_return fmt::format("tor refused the authentication: {}{}", log_text(reply.value->message()),
                          *method.value == ops::AuthMethod::password ? " (check tor.control_password)" : "");
  }
  co_return std::string();
}

struct Published {
  std::string service_id;
  std::string error;
};

// ADD_ONION with the stored key (persistent) or a new one.
asio::awaitable<Published> publish(ControlLink& link, TorService::Impl& s) {
  const auto& config = s.options.config;
  ops::OnionRequest request{.virtual_port = config.hidden_service_port, .target = s.options.target};
  const bool persistent = !config.hidden_service_dir.empty();
  if (persistent) {
    if (!s.key_error.empty()) co_return Published{{}, s.key_error};
    request.discard_key = false;
    if (s.key) request.key = *s.key;
  }
  auto reply = co_await link.ask(ops::add_onion_command(request));
  if (!reply) co_return Published{{}, reply.error};
  auto service = ops::parse_add_onion(*reply.value);
  if (!service) co_return Published{{}, log_text(service.error)};
  if (persistent && request.key.starts_with("NEW:")) {
    if (service.value->private_key.empty()) co_return Published{service.value->service_id, "tor sent no key to keep"};
    s.key = service.value->private_key;  // a reconnect asks for the same address
    auto save = [impl = s.shared_from_this(), key = service.value->private_key] {
      if (auto error = ops::save_onion_key(ops::expand_home(impl->options.config.hidden_service_dir), key)) {
        // Serving on, but the next start gets another address: say so.
        spdlog::error("TOR: the onion key could not be saved ({}); the address will change at the next start", *error);
        impl->update([&](TorState& st) { st.last_error = "the onion key could not be saved: " + *error; });
      }
    };
    if (s.options.run_blocking)
      s.options.run_blocking(std::move(save));
    else
      save();
  }
  co_return Published{service.value->service_id, {}};
}

asio::awaitable<std::string> connect(tcp::socket& socket, TorService::Impl& s) {
  const auto& config = s.options.config;
  tcp::resolver resolver(socket.get_executor());
  s.resolver = &resolver;
  struct Clear {
    TorService::Impl& s;
    ~Clear() { s.resolver = nullptr; }
  } clear{s};
  http::Deadline deadline(socket.get_executor(), [&socket, &resolver] {
    resolver.cancel();
    boost::system::error_code ignored;
    socket.close(ignored);
  });
  deadline.expire_after(s.options.io_timeout);
  auto [rec, results] =
      co_await resolver.async_resolve(config.control_host, std::to_string(config.control_port), kUseTuple);
  if (s.stopping) co_return "stopped";
  if (deadline.expired()) co_return fmt::format("tor.control_host {} did not resolve in time", config.control_host);
  if (rec) co_return fmt::format("cannot resolve tor.control_host {}: {}", config.control_host, rec.message());
  // The next address only while the time and the service last (a closed
  // socket would otherwise be reopened for it).
  auto [cec, endpoint] = co_await asio::async_connect(
      socket, results,
      [&](const boost::system::error_code&, const tcp::endpoint&) { return !deadline.expired() && !s.stopping; },
      kUseTuple);
  if (s.stopping) co_return "stopped";
  if (deadline.expired()) co_return fmt::format("tor's control port {} did not answer", s.control());
  if (cec) {
    co_return fmt::format("cannot connect to tor's control port {}: {} (is tor running with ControlPort {}?)",
                          s.control(), cec.message(), config.control_port);
  }
  co_return std::string();
}

// One control connection, from connect to its end. Returns why it ended
// ("" when aisbf stopped it) and whether the service was published.
asio::awaitable<std::pair<std::string, bool>> session(std::shared_ptr<TorService::Impl> s) {
  tcp::socket socket(co_await asio::this_coro::executor);
  s->socket = &socket;
  struct Clear {
    TorService::Impl& s;
    ~Clear() { s.socket = nullptr; }
  } clear{*s};
  s->update([](TorState& st) {
    st.phase = TorState::Phase::starting;
    ++st.connects;
  });
  if (auto error = co_await connect(socket, *s); !error.empty()) co_return std::pair{error, false};
  ControlLink link(socket, s->options.io_timeout);
  if (auto error = co_await authenticate(link, *s); !error.empty()) co_return std::pair{error, false};
  if (s->stopping) co_return std::pair{std::string(), false};
  auto published = co_await publish(link, *s);
  if (!published.error.empty()) co_return std::pair{published.error, false};
  const std::string host = published.service_id + ".onion";
  spdlog::info("TOR hidden service: {} → port {} ({})", host, s->options.config.hidden_service_port,
               s->options.config.hidden_service_dir.empty() ? "ephemeral" : "persistent");
  if (!s->stopping) {
    // With on_address, running once the caller confirm()s it accepts the name.
    s->update([&](TorState& st) {
      if (!s->options.on_address) st.phase = TorState::Phase::running;
      st.onion_address = host;
    });
    if (s->options.on_address) s->options.on_address(host);
  }
  // Idle until tor goes away or aisbf stops (tor sends nothing unasked).
  std::string ended;
  while (!s->stopping) {
    auto reply = co_await link.read(true);
    if (!reply) {
      ended = reply.error;
      break;
    }
  }
  s->update([](TorState& st) { st.onion_address.clear(); });
  if (s->stopping) {
    ControlLink closing(socket, kRemoveTimeout);
    auto removed = co_await closing.ask(ops::del_onion_command(published.service_id));
    if (removed && removed.value->ok())
      spdlog::info("TOR hidden service {} removed", host);
    else
      spdlog::warn("TOR: DEL_ONION {}: {}", host, removed ? log_text(removed.value->message()) : removed.error);
    co_return std::pair{std::string(), true};
  }
  co_return std::pair{ended.empty() ? "tor closed the control connection" : ended, true};
}

asio::awaitable<void> run(std::shared_ptr<TorService::Impl> s) {
  auto backoff = std::chrono::milliseconds(1'000);
  std::string last_logged;
  while (!s->stopping) {
    auto [error, published] = co_await session(s);
    if (s->stopping) break;
    if (published) backoff = std::chrono::milliseconds(1'000);
    // Once per distinct error: a tor that stays away does not fill the log.
    if (error != last_logged) {
      spdlog::error("TOR: {}; serving without the hidden service, retrying with backoff", error);
      last_logged = error;
    } else {
      spdlog::debug("TOR: {} (again)", error);
    }
    s->update([&](TorState& st) {
      st.phase = TorState::Phase::error;
      st.last_error = error;
    });
    asio::steady_timer timer(co_await asio::this_coro::executor, backoff);
    s->backoff = &timer;
    co_await timer.async_wait(kUseTuple);
    s->backoff = nullptr;
    backoff = std::min(backoff * 2, s->options.max_backoff);
  }
  s->update([](TorState& st) { st.onion_address.clear(); });
}

}  // namespace

TorService::TorService(TorServiceOptions options) : impl_(std::make_shared<Impl>(std::move(options))) {
  impl_->state.virtual_port = impl_->options.config.hidden_service_port;
  impl_->state.target = impl_->options.target;
  impl_->state.persistent = !impl_->options.config.hidden_service_dir.empty();
  if (impl_->state.persistent) {  // before serving: a small file, read once
    auto stored = ops::load_onion_key(ops::expand_home(impl_->options.config.hidden_service_dir));
    if (!stored.warning.empty()) spdlog::warn("TOR: {}", stored.warning);
    impl_->key = std::move(stored.key);
    impl_->key_error = std::move(stored.error);
  }
}

TorService::~TorService() = default;

void TorService::start(asio::io_context& io) {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->withdrawn) return;
    impl_->io = &io;
    impl_->started = true;
  }
  impl_->update([](TorState& st) { st.phase = TorState::Phase::starting; });
  asio::co_spawn(io, run(impl_), [](std::exception_ptr e) {
    if (e) spdlog::error("TOR: the control connection stopped by an exception");
  });
}

void TorService::stop() { impl_->stop(); }

void TorService::refuse(std::string reason) { withdraw(std::move(reason)); }

void TorService::withdraw(std::string reason) {
  asio::io_context* io = nullptr;
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->withdrawn) return;
    impl_->withdrawn = true;
    impl_->withdrawn_why = reason;
    impl_->state.phase = TorState::Phase::error;
    impl_->state.last_error = reason;
    impl_->state.onion_address.clear();
    io = impl_->io;
  }
  spdlog::error("TOR: {}", reason);
  if (io != nullptr) asio::post(*io, [impl = impl_] { impl->stop(); });
}

void TorService::confirm(const std::string& onion_host) {
  std::lock_guard lock(impl_->mutex);
  if (!impl_->withdrawn && impl_->state.phase == TorState::Phase::starting && impl_->state.onion_address == onion_host)
    impl_->state.phase = TorState::Phase::running;
}

bool TorService::active() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->started && !impl_->withdrawn;
}

ops::TorState TorService::state() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->state;
}

}  // namespace aisbf
