#include "http/redis_client.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <mutex>
#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

namespace aisbf::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kKeptWriteCapacity = 1u << 20;  // a write buffer larger than this is released once written

// One call: the replies it waits for, and the timer it sleeps on (its
// deadline; cancelled when the replies or a failure arrive).
struct Slot {
  Slot(const asio::any_io_executor& ex, std::size_t n) : timer(ex), expected(n) {}
  asio::steady_timer timer;
  std::size_t expected;
  std::vector<resp::Reply> replies;
  std::optional<GatewayError> error;
  bool done = false;

  void finish() {
    done = true;
    timer.cancel();
  }
};

// One connection. A new one is made for every attempt, so the completion
// handlers of a dropped one only ever see their own (dead) connection.
struct Conn {
  Conn(const asio::any_io_executor& ex, const resp::Limits& limits)
      : socket(ex), resolver(ex), connect_timer(ex), parser(limits) {}
  tcp::socket socket;
  tcp::resolver resolver;
  asio::steady_timer connect_timer;
  resp::Parser parser;
  std::string out;        // commands not yet written
  std::string in_flight;  // the write under way
  std::deque<std::shared_ptr<Slot>> pending;
  std::vector<const char*> handshake;  // AUTH / SELECT replies still due, in order
  std::size_t handshake_done = 0;
  bool open = false;   // TCP connected: writes may go
  bool ready = false;  // AUTH and SELECT succeeded
  bool dead = false;
  bool reading = false;
  bool writing = false;
};

std::string ms_text(std::chrono::milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

}  // namespace

struct RedisClient::State : std::enable_shared_from_this<State> {
  asio::any_io_executor ex;
  RedisOptions options;
  std::string address;
  std::shared_ptr<Conn> conn;
  unsigned failures = 0;          // failed attempts (or drops) since the last open connection
  Clock::time_point retry_at{};   // no new attempt before
  std::string last_error;         // why Redis is down
  bool closed = false;

  State(asio::any_io_executor e, RedisOptions o)
      : ex(std::move(e)), options(std::move(o)), address(options.host + ":" + std::to_string(options.port)) {}

  GatewayError error(ErrorKind kind, std::string message) const {
    // Redis does not echo passwords, but an error must never carry one.
    if (!options.password.empty()) {
      // From past each mask: a password of stars would otherwise find the mask.
      constexpr std::string_view kMask = "***";
      for (auto at = message.find(options.password); at != std::string::npos;
           at = message.find(options.password, at + kMask.size())) {
        message.replace(at, options.password.size(), kMask);
      }
    }
    return make_error(kind, "redis " + address + ": " + message);
  }

  GatewayError down_error() const { return error(ErrorKind::unavailable, "unavailable (" + last_error + ")"); }

  Expected<std::shared_ptr<Slot>> submit(std::span<const RedisCommand> commands);
  void start_connect();
  void on_connected(const std::shared_ptr<Conn>& c, const boost::system::error_code& ec);
  void established(const std::shared_ptr<Conn>& c);
  void kick(const std::shared_ptr<Conn>& c);
  void start_write(const std::shared_ptr<Conn>& c);
  void start_read(const std::shared_ptr<Conn>& c);
  void dispatch(const std::shared_ptr<Conn>& c);
  void fail(const std::shared_ptr<Conn>& c, const std::string& why, bool counts = true);
  void timed_out(const std::shared_ptr<Slot>& slot);
};

namespace {

// True when the server has closed an idle connection (or sent something
// nobody asked for): it is replaced before a call is written on it.
bool idle_connection_gone(tcp::socket& socket) {
  char byte;
  const ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n >= 0) return true;
  return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
}

}  // namespace

Expected<std::shared_ptr<Slot>> RedisClient::State::submit(std::span<const RedisCommand> commands) {
  if (closed) return error(ErrorKind::unavailable, "client closed");
  if (!conn) {
    if (failures > 0) {
      // Down: fail at once; past the backoff, try again in the background.
      if (Clock::now() >= retry_at) start_connect();
      return down_error();
    }
    start_connect();
  } else if (failures > 0) {
    return down_error();  // a new attempt is under way, not yet open
  } else if (conn->ready && conn->pending.empty() && !conn->reading && idle_connection_gone(conn->socket)) {
    fail(conn, "connection closed while idle", false);
    start_connect();
  }
  auto c = conn;
  if (c->pending.size() >= options.max_pending) {
    return error(ErrorKind::unavailable, std::to_string(options.max_pending) + " calls already in flight");
  }
  for (const RedisCommand& command : commands) resp::append_command(c->out, command);
  auto slot = std::make_shared<Slot>(ex, commands.size());
  c->pending.push_back(slot);
  kick(c);
  return slot;
}

void RedisClient::State::start_connect() {
  auto c = std::make_shared<Conn>(ex, options.limits);
  conn = c;
  if (!options.password.empty()) {
    std::vector<std::string_view> auth{"AUTH"};
    if (!options.username.empty()) auth.push_back(options.username);
    auth.push_back(options.password);
    resp::append_command(c->out, auth);
    c->handshake.push_back("AUTH");
  }
  const std::string db = std::to_string(options.db);
  if (options.db != 0) {
    const std::string_view select[] = {"SELECT", db};
    resp::append_command(c->out, select);
    c->handshake.push_back("SELECT");
  }
  c->connect_timer.expires_after(options.connect_timeout);
  c->connect_timer.async_wait([self = shared_from_this(), c](const boost::system::error_code& ec) {
    if (!ec && !c->ready) self->fail(c, "not connected within " + ms_text(self->options.connect_timeout));
  });
  boost::system::error_code parse_ec;
  const auto ip = asio::ip::make_address(options.host, parse_ec);
  if (!parse_ec) {
    c->socket.async_connect({ip, options.port}, [self = shared_from_this(), c](const boost::system::error_code& ec) {
      self->on_connected(c, ec);
    });
    return;
  }
  // A name: Asio's resolver cannot be cancelled while getaddrinfo runs, but
  // the connect timer fails the attempt (and its calls) on time regardless.
  c->resolver.async_resolve(
      options.host, std::to_string(options.port),
      [self = shared_from_this(), c](const boost::system::error_code& ec, const tcp::resolver::results_type& results) {
        if (c->dead) return;
        if (ec) {
          self->fail(c, "cannot resolve: " + ec.message());
          return;
        }
        asio::async_connect(c->socket, results, [self, c](const boost::system::error_code& ec2, const tcp::endpoint&) {
          self->on_connected(c, ec2);
        });
      });
}

void RedisClient::State::on_connected(const std::shared_ptr<Conn>& c, const boost::system::error_code& ec) {
  if (c->dead) return;
  if (ec) {
    fail(c, "cannot connect: " + ec.message());
    return;
  }
  boost::system::error_code ignored;
  c->socket.set_option(tcp::no_delay(true), ignored);
  c->open = true;
  if (c->handshake.empty()) established(c);
  kick(c);
}

void RedisClient::State::established(const std::shared_ptr<Conn>& c) {
  c->ready = true;
  c->connect_timer.cancel();
  if (failures > 0) spdlog::info("redis {}: connected again", address);
  failures = 0;
  last_error.clear();
}

void RedisClient::State::kick(const std::shared_ptr<Conn>& c) {
  if (c->dead || !c->open) return;
  if (!c->writing && !c->out.empty()) start_write(c);
  // Read only while replies are due: an idle connection holds no operation.
  if (!c->reading && (c->handshake_done < c->handshake.size() || !c->pending.empty())) start_read(c);
}

void RedisClient::State::start_write(const std::shared_ptr<Conn>& c) {
  c->writing = true;
  c->in_flight.clear();
  c->in_flight.swap(c->out);
  asio::async_write(c->socket, asio::buffer(c->in_flight),
                    [self = shared_from_this(), c](const boost::system::error_code& ec, std::size_t) {
                      c->writing = false;
                      // A large command (a big cache put) must not pin its room
                      // for the connection's life; every buffer passes through here.
                      if (c->in_flight.capacity() > kKeptWriteCapacity) std::string().swap(c->in_flight);
                      if (c->dead) return;
                      if (ec) {
                        self->fail(c, "cannot write: " + ec.message());
                        return;
                      }
                      self->kick(c);
                    });
}

void RedisClient::State::start_read(const std::shared_ptr<Conn>& c) {
  c->reading = true;
  const auto room = c->parser.prepare(kReadChunk);
  c->socket.async_read_some(asio::buffer(room.data(), room.size()),
                            [self = shared_from_this(), c](const boost::system::error_code& ec, std::size_t n) {
                              c->reading = false;
                              if (c->dead) return;
                              if (ec) {
                                self->fail(c, ec == asio::error::eof ? "connection closed by the server"
                                                                     : "cannot read: " + ec.message());
                                return;
                              }
                              c->parser.commit(n);
                              self->dispatch(c);
                              self->kick(c);
                            });
}

void RedisClient::State::dispatch(const std::shared_ptr<Conn>& c) {
  resp::Reply reply;
  while (!c->dead) {
    const auto status = c->parser.next(reply);
    if (status == resp::Parser::Status::incomplete) return;
    if (status == resp::Parser::Status::error) {
      fail(c, "protocol error: " + c->parser.error_message());
      return;
    }
    if (c->handshake_done < c->handshake.size()) {
      const char* step = c->handshake[c->handshake_done++];
      if (reply.is_error()) {
        fail(c, std::string(step) + " refused: " + reply.str);
        return;
      }
      if (c->handshake_done == c->handshake.size()) established(c);
      continue;
    }
    if (c->pending.empty()) {
      fail(c, "protocol error: a reply nobody asked for");
      return;
    }
    auto slot = c->pending.front();
    slot->replies.push_back(std::move(reply));
    if (slot->replies.size() == slot->expected) {
      c->pending.pop_front();
      slot->finish();  // a call that timed out has gone: its replies are dropped with the slot
    }
  }
}

void RedisClient::State::fail(const std::shared_ptr<Conn>& c, const std::string& why, bool counts) {
  if (c->dead) return;
  c->dead = true;
  boost::system::error_code ignored;
  c->socket.close(ignored);
  c->resolver.cancel();
  c->connect_timer.cancel();
  const auto err = error(ErrorKind::unavailable, why);
  for (const auto& slot : c->pending) {
    if (slot->done) continue;
    slot->error = err;
    slot->finish();
  }
  c->pending.clear();
  if (conn == c) conn.reset();
  if (!counts || closed) return;
  ++failures;
  const int shift = static_cast<int>(std::min(failures - 1, 16u));
  const std::chrono::milliseconds backoff = std::min(options.backoff_min * (1 << shift), options.backoff_max);
  retry_at = Clock::now() + backoff;
  last_error = why;
  if (failures == 1) {
    spdlog::warn("{}; calls fail until it is back (next attempt in {})", err.message, ms_text(backoff));
  } else {
    spdlog::debug("{} (attempt {})", err.message, failures);
  }
}

void RedisClient::State::timed_out(const std::shared_ptr<Slot>& slot) {
  // The reply is overdue on an open connection: presume Redis hung and drop
  // it (its other calls fail now rather than each at its own deadline).
  // While the connection opens, its own deadline decides.
  if (conn && conn->ready && std::find(conn->pending.begin(), conn->pending.end(), slot) != conn->pending.end()) {
    fail(conn, "no reply within " + ms_text(options.command_timeout));
  }
}

RedisClient::RedisClient(asio::any_io_executor executor, RedisOptions options)
    : s_(std::make_shared<State>(std::move(executor), std::move(options))) {}

RedisClient::~RedisClient() {
  s_->closed = true;
  if (s_->conn) s_->fail(s_->conn, "client closed", false);
}

bool RedisClient::connected() const { return s_->conn && s_->conn->ready; }
const RedisOptions& RedisClient::options() const { return s_->options; }
std::string_view RedisClient::address() const { return s_->address; }

asio::awaitable<Expected<std::vector<resp::Reply>>> RedisClient::pipeline(std::span<const RedisCommand> commands) {
  // Only `s` after the wait: the client may be gone by then (its destructor
  // fails every slot first, so the wait never outlives it unanswered).
  std::shared_ptr<State> s = s_;
  if (commands.empty()) co_return std::vector<resp::Reply>{};
  auto submitted = s->submit(commands);
  if (!submitted) co_return submitted.take_error();
  std::shared_ptr<Slot> slot = std::move(submitted.value());
  if (!slot->done) {
    slot->timer.expires_after(s->options.command_timeout);
    const auto [ec] = co_await slot->timer.async_wait(kUseTuple);
    if (!slot->done && ec == asio::error::operation_aborted && Clock::now() < slot->timer.expiry()) {
      // The caller was cancelled (its coroutine's cancellation aborted the
      // wait), not Redis late: the slot stays queued so the replies still
      // pair up in order (this call's are dropped with it when they come).
      co_return s->error(ErrorKind::unavailable, "call cancelled");
    }
  }
  if (!slot->done) {
    s->timed_out(slot);
    co_return s->error(ErrorKind::upstream_timeout, "no reply within " + ms_text(s->options.command_timeout));
  }
  if (slot->error) co_return std::move(*slot->error);
  co_return std::move(slot->replies);
}

asio::awaitable<Expected<resp::Reply>> RedisClient::command(RedisCommand command) {
  const RedisCommand one[] = {command};
  const std::span<const RedisCommand> list(one);
  auto replies = co_await pipeline(list);
  if (!replies) co_return replies.take_error();
  co_return std::move(replies.value().front());
}

// ------------------------------------------------------------ per context

namespace {

// The clients of one execution context, most recently asked for first,
// released when it shuts down (while its scheduler still runs: a socket
// never outlives its reactor). Only the last kKeptClients option sets are
// kept: each configuration reload with other Redis options makes a new
// client, and the oldest is let go (it lives on while a call holds it).
class RedisService : public asio::execution_context::service {
 public:
  static inline asio::execution_context::id id;
  static constexpr std::size_t kKeptClients = 4;

  explicit RedisService(asio::execution_context& ctx) : asio::execution_context::service(ctx) {}

  std::shared_ptr<RedisClient> get(const asio::any_io_executor& executor, const RedisOptions& options) {
    std::shared_ptr<RedisClient> dropped;  // released after the lock
    std::lock_guard lock(mutex_);
    auto it = std::find_if(clients_.begin(), clients_.end(), [&](const auto& c) { return c->options() == options; });
    if (it != clients_.end()) {
      std::rotate(clients_.begin(), it, it + 1);
      return clients_.front();
    }
    clients_.insert(clients_.begin(), std::make_shared<RedisClient>(executor, options));
    if (clients_.size() > kKeptClients) {
      dropped = std::move(clients_.back());
      clients_.pop_back();
    }
    return clients_.front();
  }

 private:
  void shutdown() override {
    std::vector<std::shared_ptr<RedisClient>> gone;
    {
      std::lock_guard lock(mutex_);
      gone.swap(clients_);
    }
  }

  std::mutex mutex_;  // the context's thread only, in the gateway; cheap insurance elsewhere
  std::vector<std::shared_ptr<RedisClient>> clients_;
};

}  // namespace

std::shared_ptr<RedisClient> redis_client_for(const asio::any_io_executor& executor, const RedisOptions& options) {
  auto& ctx = asio::query(executor, asio::execution::context);
  return asio::use_service<RedisService>(ctx).get(executor, options);
}

}  // namespace aisbf::http
