// A Redis client on Asio: one connection, commands pipelined over it in
// order, RESP2 (http/resp.hpp). General on purpose: the response cache uses
// it now; shared rate limits, health and pub/sub across instances later.
//
// - One client per io_context, used from that io_context's thread only (the
//   gateway runs one io_context per worker thread): redis_client_for()
//   finds or makes it. Not thread-safe.
// - The connection is opened on the first call, with AUTH (`password`,
//   optionally `username`) and SELECT (`db`) sent first. Calls made while it
//   opens are queued (at most `max_pending`) and written once it is open.
// - Every call has a deadline (`command_timeout`, from the call until its
//   reply); the opening has its own (`connect_timeout`: resolve, TCP
//   connect, AUTH and SELECT). A reply that misses its deadline drops the
//   connection: Redis is presumed hung.
// - A call whose coroutine is cancelled (a cancellation slot, a parallel
//   group) returns at once with "call cancelled"; the connection and the
//   other calls on it go on (its reply is dropped when it comes).
// - When the connection fails or drops, the calls in flight fail at once
//   and Redis is "down": until a new connection is open, every call fails
//   at once with the last error (no queue grows, nothing hangs). A call
//   made after the backoff (`backoff_min`, doubling to `backoff_max`)
//   starts a new attempt in the background and still fails; the calls after
//   a successful attempt go through.
// - An idle connection holds no pending operation, so an io_context whose
//   work is done can still return from run() (graceful shutdown), and a
//   connection the server closed while idle is noticed (a non-blocking
//   peek) and replaced before the next call is written on it.
// - Errors are values (Expected); a Redis error reply (`-ERR …`) is a reply
//   of type error, not a failure. Messages name host:port, never the
//   password; nothing here throws.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "core/expected.hpp"
#include "http/resp.hpp"

namespace aisbf::http {

struct RedisOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  std::string username;  // ACL user for AUTH; empty: the default user
  std::string password;  // empty: no AUTH
  int db = 0;            // SELECT when not 0
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{1000};
  std::chrono::milliseconds backoff_min{100};
  std::chrono::milliseconds backoff_max{2000};
  std::size_t max_pending = 4096;  // calls queued or awaiting a reply on the connection
  resp::Limits limits;             // what one reply may hold

  bool operator==(const RedisOptions&) const = default;
};

// One command's words (command name first). The views must stay valid
// until the call completes; name them before the co_await (GCC 12).
using RedisCommand = std::span<const std::string_view>;

class RedisClient {
 public:
  RedisClient(boost::asio::any_io_executor executor, RedisOptions options);
  ~RedisClient();  // fails the calls in flight and closes the connection
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // One command and its reply.
  boost::asio::awaitable<Expected<resp::Reply>> command(RedisCommand command);
  // Several commands written together; their replies in the same order, all
  // or none (one round trip). MULTI/EXEC go through here like any command.
  boost::asio::awaitable<Expected<std::vector<resp::Reply>>> pipeline(std::span<const RedisCommand> commands);

  bool connected() const;  // a connection is open and its AUTH/SELECT succeeded
  const RedisOptions& options() const;
  std::string_view address() const;  // host:port, for messages

 private:
  struct State;
  std::shared_ptr<State> s_;
};

// The client for `options` on the execution context of `executor` (the
// calling coroutine's: co_await boost::asio::this_coro::executor), made on
// first use and released with that context. Hold it for the whole call.
// The context keeps the clients of the last 4 option sets asked for (an
// older configuration's client goes once the calls holding it end).
std::shared_ptr<RedisClient> redis_client_for(const boost::asio::any_io_executor& executor, const RedisOptions& options);

}  // namespace aisbf::http
