// Name resolution under the connect deadline (issue 8, item 13): a real
// name through the cache, and an injected slow resolver that must not hold
// a call past its connect timeout, nor start a second lookup of the name.
#include <chrono>
#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "http/dns_resolver.hpp"
#include "http/endpoint.hpp"
#include "http/upstream_client.hpp"

namespace aisbf::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// Runs `body` to completion on `io` (with whatever it left pending stopped).
template <class F>
void run(asio::io_context& io, F body) {
  bool finished = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await body();
        finished = true;
        io.stop();
      },
      asio::detached);
  io.run_for(20s);  // a bound for a broken test, not a timing assertion
  EXPECT_TRUE(finished);
}

// A lookup that answers `target` only when the test says so.
struct SlowLookup {
  std::optional<DnsResolver::Done> pending;
  int started = 0;
  tcp::endpoint target{asio::ip::make_address("127.0.0.1"), 9};

  DnsResolver::LookupFn fn() {
    return [this](const std::string&, const std::string& port, DnsResolver::Done done) {
      ++started;
      pending = std::move(done);
      (void)port;
    };
  }
  void answer() {
    auto done = std::move(*pending);
    pending.reset();
    done({}, DnsResolver::Results::create(target, "slow.test", std::to_string(target.port())));
  }
};

TEST(DnsResolver, LocalhostIsLookedUpOnceThenServedFromTheCache) {
  asio::io_context io;
  DnsResolver dns(io);
  run(io, [&]() -> asio::awaitable<void> {
    asio::steady_timer wait(io);
    for (int i = 0; i < 3; ++i) {
      auto [ec, results] = co_await dns.resolve("localhost", 80, DnsResolver::Clock::now() + 10s, wait);
      EXPECT_FALSE(ec) << ec.message();
      EXPECT_FALSE(results.empty());
      for (const auto& entry : results) EXPECT_TRUE(entry.endpoint().address().is_loopback());
    }
  });
  EXPECT_EQ(dns.lookups_started(), 1u);
}

TEST(DnsResolver, ASlowLookupTimesOutEveryWaiterAndStillFillsTheCache) {
  asio::io_context io;
  SlowLookup slow;
  DnsResolver dns(io, slow.fn());
  run(io, [&]() -> asio::awaitable<void> {
    asio::steady_timer a(io), b(io);
    auto [ec1, r1] = co_await dns.resolve("slow.test", 443, DnsResolver::Clock::now() + 50ms, a);
    EXPECT_EQ(ec1, asio::error::timed_out);
    // Still in flight: a second caller joins it instead of queueing another.
    auto [ec2, r2] = co_await dns.resolve("slow.test", 443, DnsResolver::Clock::now() + 20ms, b);
    EXPECT_EQ(ec2, asio::error::timed_out);
    EXPECT_EQ(slow.started, 1);
    slow.answer();  // the late answer is kept for the next call
    auto [ec3, r3] = co_await dns.resolve("slow.test", 443, DnsResolver::Clock::now() + 20ms, a);
    EXPECT_FALSE(ec3);
    EXPECT_FALSE(r3.empty());
    if (!r3.empty()) EXPECT_EQ(r3.begin()->endpoint(), slow.target);
  });
  EXPECT_EQ(slow.started, 1);
}

TEST(DnsResolver, AnAnswerWakesTheWaiterBeforeItsDeadline) {
  asio::io_context io;
  SlowLookup slow;
  DnsResolver dns(io, slow.fn());
  run(io, [&]() -> asio::awaitable<void> {
    asio::steady_timer wait(io), later(io);
    later.expires_after(10ms);
    later.async_wait([&](const boost::system::error_code&) { slow.answer(); });
    // A deadline far away: only the answer can end this wait in time for run()'s bound.
    auto [ec, results] = co_await dns.resolve("slow.test", 443, DnsResolver::Clock::now() + 1h, wait);
    EXPECT_FALSE(ec);
    EXPECT_FALSE(results.empty());
  });
}

// An upstream that answers one fixed response per request.
asio::awaitable<void> answer_once(tcp::acceptor& acceptor) {
  auto socket = co_await acceptor.async_accept(asio::use_awaitable);
  asio::streambuf in;
  co_await asio::async_read_until(socket, in, "\r\n\r\n", asio::use_awaitable);
  std::string_view reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  co_await asio::async_write(socket, asio::buffer(reply), asio::use_awaitable);
}

TEST(UpstreamCallDns, TheConnectTimeoutBoundsASlowLookupAndNamesTheProvider) {
  asio::io_context io;
  asio::ssl::context tls(asio::ssl::context::tls_client);
  SlowLookup slow;
  UpstreamPool pool(io, tls, slow.fn());
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  slow.target = acceptor.local_endpoint();
  auto endpoint = parse_endpoint("http://slow.test:" + std::to_string(slow.target.port()) + "/v1");
  ASSERT_TRUE(endpoint);
  Timeouts timeouts;
  timeouts.connect = 100ms;
  OutgoingRequest request;
  request.method = "GET";
  request.target = "/v1/models";
  run(io, [&]() -> asio::awaitable<void> {
    {
      UpstreamCall call(pool, *endpoint, timeouts, "slowdns");
      auto failed = co_await call.start(request);
      if (!failed) {
        ADD_FAILURE() << "the call did not time out";
        co_return;
      }
      EXPECT_EQ(failed->kind, ErrorKind::upstream_timeout);
      EXPECT_EQ(failed->code, "upstream_timeout");
      EXPECT_NE(failed->message.find("provider 'slowdns'"), std::string::npos) << failed->message;
      EXPECT_NE(failed->message.find("name resolution"), std::string::npos) << failed->message;
      EXPECT_EQ(failed->message.find("slow.test"), std::string::npos) << failed->message;
    }
    slow.answer();
    asio::co_spawn(io, answer_once(acceptor), asio::detached);
    UpstreamCall call(pool, *endpoint, timeouts, "slowdns");
    auto failed = co_await call.start(request);
    EXPECT_FALSE(failed.has_value()) << (failed ? failed->message : "");
    EXPECT_EQ(call.status(), 200);
  });
  EXPECT_EQ(slow.started, 1);  // the second call used the late answer from the cache
}

TEST(UpstreamCallDns, ACancelWakesACallWaitingForItsName) {
  asio::io_context io;
  asio::ssl::context tls(asio::ssl::context::tls_client);
  SlowLookup slow;
  UpstreamPool pool(io, tls, slow.fn());
  auto endpoint = parse_endpoint("http://slow.test:9/v1");
  ASSERT_TRUE(endpoint);
  Timeouts timeouts;  // a 10 s connect timeout: only the cancel can end the wait within run()'s bound
  OutgoingRequest request;
  run(io, [&]() -> asio::awaitable<void> {
    UpstreamCall call(pool, *endpoint, timeouts, "slowdns");
    asio::steady_timer later(io);
    later.expires_after(10ms);
    later.async_wait([&](const boost::system::error_code&) { call.cancel(); });
    auto failed = co_await call.start(request);
    EXPECT_TRUE(failed.has_value());
    if (failed) EXPECT_EQ(failed->code, "client_closed");
  });
}

}  // namespace
}  // namespace aisbf::http
