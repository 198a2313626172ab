// Helpers for the Redis client and Redis cache store tests (test code only):
// options from a tests/db/server.sh URL, and a coroutine run to its end on
// a fresh io_context.
#pragma once

#include <chrono>
#include <exception>
#include <functional>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include "http/redis_client.hpp"
#include "store/driver_test_support.hpp"

namespace aisbf::http::redis_test {

using store::driver_test::closed_port;
using store::driver_test::env;
using store::driver_test::ScratchServer;

// redis://:<password>@127.0.0.1:<port>/<db>, as tests/db/server.sh prints it.
inline std::optional<RedisOptions> options_from_url(const std::string& url) {
  auto parsed = store::driver_test::parse_db_url(url);
  if (!parsed) return std::nullopt;
  RedisOptions o;
  o.host = parsed->host;
  o.port = static_cast<std::uint16_t>(parsed->port);
  o.password = parsed->password;
  o.db = std::atoi(parsed->database.c_str());
  return o;
}

// The server of AISBF_TEST_REDIS_URL (tests/db/with_server.sh redis), with
// deadlines long enough for a slow sanitized run; nullopt without one.
inline std::optional<RedisOptions> test_server_options() {
  const auto url = env("AISBF_TEST_REDIS_URL");
  if (!url) return std::nullopt;
  auto o = options_from_url(*url);
  if (!o) {
    ADD_FAILURE() << "cannot read AISBF_TEST_REDIS_URL";
    return std::nullopt;
  }
  o->command_timeout = std::chrono::seconds(30);
  o->connect_timeout = std::chrono::seconds(30);
  return o;
}

inline constexpr const char* kNoServer = "AISBF_TEST_REDIS_URL is not set (tests/db/with_server.sh redis sets it)";

// Runs `body` on a fresh io_context until it has no work left. True if it
// ran out of work (the clients hold nothing while idle) rather than being
// stopped by the backstop.
inline bool run_io(const std::function<boost::asio::awaitable<void>(boost::asio::io_context&)>& body) {
  boost::asio::io_context io;
  boost::asio::co_spawn(io, body(io), [](std::exception_ptr e) { EXPECT_FALSE(e) << "the test body threw"; });
  io.run_for(std::chrono::seconds(90));
  return io.stopped();
}

inline boost::asio::awaitable<void> sleep_for(std::chrono::milliseconds ms) {
  boost::asio::steady_timer t(co_await boost::asio::this_coro::executor, ms);
  co_await t.async_wait(boost::asio::use_awaitable);
}

}  // namespace aisbf::http::redis_test
