// The Redis client against a real redis-server: the one tests/db/with_server.sh
// started (AISBF_TEST_REDIS_URL; ctest's redis.client), and scratch servers
// of the tests' own (tests/db/server.sh) where one is killed, hung or
// restarted. Skipped without AISBF_TEST_REDIS_URL.
#include "http/redis_client.hpp"

#include <signal.h>

#include <array>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/this_coro.hpp>
#include <gtest/gtest.h>

#include "http/redis_test_support.hpp"

namespace aisbf::http {
namespace {

namespace asio = boost::asio;
using namespace redis_test;
using resp::Type;

class RedisClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto o = test_server_options();
    if (!o) GTEST_SKIP() << kNoServer;
    options_ = *o;
    prefix_ = "aisbf:test:" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + ":";
  }

  // One command. Callers pass words that outlive the call, and no
  // temporary with a destructor in the co_await's full-expression (GCC 12).
  template <class... Word>
  static asio::awaitable<Expected<resp::Reply>> call(RedisClient& redis, const Word&... words) {
    const std::array<std::string_view, sizeof...(Word)> list{std::string_view(words)...};
    const RedisCommand command(list);
    co_return co_await redis.command(command);
  }

  RedisOptions options_;
  std::string prefix_;
};

TEST_F(RedisClientTest, RoundTripsEveryReplyType) {
  EXPECT_TRUE(run_io([&](asio::io_context& io) -> asio::awaitable<void> {
    RedisClient redis(io.get_executor(), options_);
    const std::string key = prefix_ + "k";
    const std::string value("a\r\nb\0c", 6);
    auto set = co_await call(redis, "SET", key, value);
    EXPECT_TRUE(set && set->type == Type::simple && set->str == "OK");
    EXPECT_TRUE(redis.connected());
    auto got = co_await call(redis, "GET", key);
    EXPECT_TRUE(got && got->type == Type::bulk && got->str == value);
    const std::string absent = key + ":none";
    auto missing = co_await call(redis, "GET", absent);
    EXPECT_TRUE(missing && missing->is_nil());
    auto del = co_await call(redis, "DEL", key);
    EXPECT_TRUE(del && del->type == Type::integer && del->integer == 1);
    // An error reply is a value, and the connection goes on.
    auto wrong = co_await call(redis, "NOSUCHCOMMAND", "x");
    EXPECT_TRUE(wrong && wrong->is_error());
    auto list = co_await call(redis, "RPUSH", key, "a", "b");
    EXPECT_TRUE(list && list->integer == 2);
    auto range = co_await call(redis, "LRANGE", key, "0", "-1");
    EXPECT_TRUE(range && range->type == Type::array && range->elements.size() == 2 && range->elements[1].str == "b");
    (void)co_await call(redis, "DEL", key);
    EXPECT_TRUE(redis.connected());
  }));
}

TEST_F(RedisClientTest, HundredConcurrentCallsShareOneConnectionInOrder) {
  EXPECT_TRUE(run_io([&](asio::io_context& io) -> asio::awaitable<void> {
    RedisClient redis(io.get_executor(), options_);
    auto before = co_await call(redis, "CLIENT", "ID");
    EXPECT_TRUE(before && before->type == Type::integer);
    int answered = 0, right = 0;
    for (int i = 0; i < 100; ++i) {
      asio::co_spawn(
          io,
          [&, i]() -> asio::awaitable<void> {
            const std::string text = "echo-" + std::to_string(i);
            auto r = co_await call(redis, "ECHO", text);
            ++answered;
            if (r && r->str == text) ++right;
          },
          asio::detached);
    }
    // A pipeline of its own among them, answered in its order.
    std::vector<std::string> texts;
    for (int i = 0; i < 50; ++i) texts.push_back(std::to_string(i));
    std::vector<std::array<std::string_view, 2>> words;
    for (const auto& t : texts) words.push_back({"ECHO", t});
    std::vector<RedisCommand> commands(words.begin(), words.end());
    const std::span<const RedisCommand> batch(commands);
    auto replies = co_await redis.pipeline(batch);
    EXPECT_TRUE(replies && replies->size() == 50);
    for (std::size_t i = 0; replies && i < replies->size(); ++i) EXPECT_EQ((*replies)[i].str, texts[i]);
    while (answered < 100) co_await sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(right, 100);
    auto after = co_await call(redis, "CLIENT", "ID");
    EXPECT_TRUE(after && before && after->integer == before->integer) << "one connection for every call";
  }));
}

TEST_F(RedisClientTest, ALargeValueAndAReplyOverTheLimit) {
  EXPECT_TRUE(run_io([&](asio::io_context& io) -> asio::awaitable<void> {
    RedisClient redis(io.get_executor(), options_);
    const std::string key = prefix_ + "big";
    std::string value(6u << 20, 'x');
    for (std::size_t i = 0; i < value.size(); i += 4096) value[i] = static_cast<char>('a' + i % 26);
    auto set = co_await call(redis, "SET", key, value);
    EXPECT_TRUE(set && set->str == "OK");
    auto got = co_await call(redis, "GET", key);
    EXPECT_TRUE(got && got->str == value);

    RedisOptions small = options_;
    small.limits.max_reply_bytes = 1u << 20;
    RedisClient capped(io.get_executor(), small);
    auto refused = co_await call(capped, "GET", key);
    EXPECT_FALSE(refused);
    if (!refused) {
      EXPECT_NE(refused.error().message.find("larger than"), std::string::npos) << refused.error().message;
    }
    (void)co_await call(redis, "DEL", key);
  }));
}

TEST_F(RedisClientTest, SelectsTheConfiguredDatabase) {
  EXPECT_TRUE(run_io([&](asio::io_context& io) -> asio::awaitable<void> {
    RedisOptions three = options_;
    three.db = 3;
    RedisClient in3(io.get_executor(), three);
    RedisClient in0(io.get_executor(), options_);
    const std::string key = prefix_ + "db";
    (void)co_await call(in3, "SET", key, "three");
    auto seen3 = co_await call(in3, "GET", key);
    auto seen0 = co_await call(in0, "GET", key);
    EXPECT_TRUE(seen3 && seen3->str == "three");
    EXPECT_TRUE(seen0 && seen0->is_nil());
    (void)co_await call(in3, "DEL", key);
  }));
}

TEST_F(RedisClientTest, AHostNameIsResolved) {
  // AISBF's default redis_host is "localhost" (the server binds 127.0.0.1;
  // an IPv6 address tried first is refused, then the next one is used).
  EXPECT_TRUE(run_io([&](asio::io_context& io) -> asio::awaitable<void> {
    RedisOptions named = options_;
    named.host = "localhost";
    RedisClient redis(io.get_executor(), named);
    auto r = co_await call(redis, "PING");
    EXPECT_TRUE(r && r->str == "PONG") << (r ? r->str : r.error().message);
    EXPECT_EQ(redis.address(), "localhost:" + std::to_string(options_.port));
  }));
}

TEST_F(RedisClientTest, AWrongPasswordIsAClearErrorWithoutThePassword) {
  EXPECT_TRUE(run_io([&](asio::io_context& io) -> asio::awaitable<void> {
    RedisOptions wrong = options_;
    wrong.password = "not-the-secret-4711";
    RedisClient redis(io.get_executor(), wrong);
    auto first = co_await call(redis, "PING");
    EXPECT_FALSE(first);
    if (!first) {
      EXPECT_NE(first.error().message.find("AUTH refused"), std::string::npos) << first.error().message;
      EXPECT_EQ(first.error().message.find("4711"), std::string::npos) << first.error().message;
    }
    // Then down: at once, the same reason, still no password.
    auto again = co_await call(redis, "PING");
    EXPECT_FALSE(again);
    if (!again) {
      EXPECT_NE(again.error().message.find("unavailable"), std::string::npos) << again.error().message;
      EXPECT_EQ(again.error().message.find("4711"), std::string::npos) << again.error().message;
    }
    EXPECT_FALSE(redis.connected());
    // Without a password, the server says so on each command (a value).
    RedisOptions none = options_;
    none.password.clear();
    RedisClient anonymous(io.get_executor(), none);
    auto noauth = co_await call(anonymous, "GET", "x");
    EXPECT_TRUE(noauth && noauth->is_error() && noauth->str.starts_with("NOAUTH")) << (noauth ? noauth->str : "");
  }));
}

TEST_F(RedisClientTest, NothingListeningFailsWithoutWaitingForTheDeadline) {
  EXPECT_TRUE(run_io([&](asio::io_context& io) -> asio::awaitable<void> {
    RedisOptions o = options_;
    o.port = static_cast<std::uint16_t>(closed_port());
    RedisClient redis(io.get_executor(), o);
    auto r = co_await call(redis, "PING");
    EXPECT_FALSE(r);
    if (!r) {
      EXPECT_EQ(r.error().kind, ErrorKind::unavailable);
      EXPECT_NE(r.error().message.find("cannot connect"), std::string::npos) << r.error().message;
    }
  }));
}

TEST_F(RedisClientTest, TooManyCallsInFlightFailAtOnce) {
  EXPECT_TRUE(run_io([&](asio::io_context& io) -> asio::awaitable<void> {
    RedisOptions o = options_;
    o.max_pending = 5;
    RedisClient redis(io.get_executor(), o);
    (void)co_await call(redis, "PING");  // open
    int ok = 0, refused = 0, done = 0;
    for (int i = 0; i < 12; ++i) {
      asio::co_spawn(
          io,
          [&]() -> asio::awaitable<void> {
            auto r = co_await call(redis, "PING");
            if (r) ++ok;
            else if (r.error().message.find("already in flight") != std::string::npos) ++refused;
            ++done;
          },
          asio::detached);
    }
    while (done < 12) co_await sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(ok, 5);
    EXPECT_EQ(refused, 7);
  }));
}

TEST_F(RedisClientTest, AConnectionClosedWhileIdleIsReplacedBeforeTheNextCall) {
  EXPECT_TRUE(run_io([&](asio::io_context& io) -> asio::awaitable<void> {
    RedisClient redis(io.get_executor(), options_);
    RedisClient killer(io.get_executor(), options_);
    auto id = co_await call(redis, "CLIENT", "ID");
    EXPECT_TRUE(id && id->type == Type::integer);
    if (!id) co_return;
    const std::string text = std::to_string(id->integer);
    auto killed = co_await call(killer, "CLIENT", "KILL", "ID", text);
    EXPECT_TRUE(killed && killed->integer == 1);
    auto next = co_await call(redis, "CLIENT", "ID");
    EXPECT_TRUE(next && next->type == Type::integer && next->integer != id->integer)
        << (next ? "" : next.error().message);
  }));
}

TEST_F(RedisClientTest, DestroyingTheClientEndsItsCalls) {
  EXPECT_TRUE(run_io([&](asio::io_context& io) -> asio::awaitable<void> {
    auto redis = std::make_unique<RedisClient>(io.get_executor(), options_);
    std::optional<Expected<resp::Reply>> blocked;
    const std::string key = prefix_ + "never";
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { blocked.emplace(co_await call(*redis, "BLPOP", key, "0")); },
        asio::detached);
    co_await sleep_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(blocked);
    redis.reset();
    while (!blocked) co_await sleep_for(std::chrono::milliseconds(5));
    EXPECT_FALSE(*blocked);
    if (!*blocked) {
      EXPECT_NE(blocked->error().message.find("client closed"), std::string::npos);
    }
  }));
}

TEST_F(RedisClientTest, ACancelledCallLeavesTheConnectionAndTheOtherCalls) {
  EXPECT_TRUE(run_io([&](asio::io_context& io) -> asio::awaitable<void> {
    RedisClient redis(io.get_executor(), options_);
    auto before = co_await call(redis, "CLIENT", "ID");
    EXPECT_TRUE(before && before->type == Type::integer);
    // A call Redis answers in 1 s (nil), its coroutine cancellable, then
    // calls queued behind it on the same connection.
    const std::string key = prefix_ + "never";
    asio::cancellation_signal cancel;
    std::optional<Expected<resp::Reply>> cancelled;
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { cancelled.emplace(co_await call(redis, "BLPOP", key, "1")); },
        asio::bind_cancellation_slot(cancel.slot(), asio::detached));
    int answered = 0, right = 0;
    for (int i = 0; i < 5; ++i) {
      asio::co_spawn(
          io,
          [&, i]() -> asio::awaitable<void> {
            const std::string text = "after-" + std::to_string(i);
            auto r = co_await call(redis, "ECHO", text);
            ++answered;
            if (r && r->str == text) ++right;
          },
          asio::detached);
    }
    co_await sleep_for(std::chrono::milliseconds(20));
    EXPECT_FALSE(cancelled);
    cancel.emit(asio::cancellation_type::all);
    while (!cancelled) co_await sleep_for(std::chrono::milliseconds(5));
    EXPECT_FALSE(*cancelled);
    if (!*cancelled) {
      EXPECT_NE(cancelled->error().message.find("call cancelled"), std::string::npos) << cancelled->error().message;
    }
    while (answered < 5) co_await sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(right, 5) << "the calls behind the cancelled one";
    auto after = co_await call(redis, "CLIENT", "ID");
    EXPECT_TRUE(after && before && after->integer == before->integer) << "the same connection";
  }));
}

TEST_F(RedisClientTest, OneClientPerContextAndOptions) {
  asio::io_context a, b;
  RedisOptions other = options_;
  other.db = 2;
  auto a1 = redis_client_for(a.get_executor(), options_);
  EXPECT_EQ(a1, redis_client_for(a.get_executor(), options_));
  EXPECT_NE(a1, redis_client_for(b.get_executor(), options_));
  EXPECT_NE(a1, redis_client_for(a.get_executor(), other));
  // Used, then the context is destroyed with an open idle connection.
  EXPECT_TRUE(run_io([&](asio::io_context&) -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    auto mine = redis_client_for(executor, options_);
    auto r = co_await call(*mine, "PING");
    EXPECT_TRUE(r && r->str == "PONG");
  }));
}

TEST_F(RedisClientTest, AContextKeepsTheClientsOfTheLastFewOptionSets) {
  // Configuration reloads with other options: the context does not gather
  // a client (and its connection) per reload.
  asio::io_context io;
  std::weak_ptr<RedisClient> first = redis_client_for(io.get_executor(), options_);
  auto held = redis_client_for(io.get_executor(), options_);
  for (int db = 1; db <= 4; ++db) {
    RedisOptions reload = options_;
    reload.db = db;
    (void)redis_client_for(io.get_executor(), reload);
  }
  EXPECT_FALSE(first.expired()) << "a caller still holds it";
  EXPECT_NE(redis_client_for(io.get_executor(), options_), held) << "let go by the context: a new one";
  held.reset();
  EXPECT_TRUE(first.expired());
  // The most recently asked for stay.
  RedisOptions recent = options_;
  recent.db = 4;
  std::weak_ptr<RedisClient> kept = redis_client_for(io.get_executor(), recent);
  EXPECT_FALSE(kept.expired());
}

// ------------------------------------------------- a fake server, no Redis

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// Accepts one connection on 127.0.0.1 and answers whatever it is sent with
// `answer` (nothing when empty), then keeps the connection open.
class FakeServer {
 public:
  FakeServer(asio::io_context& io, std::string answer) : acceptor_(io, {asio::ip::make_address("127.0.0.1"), 0}) {
    asio::co_spawn(io, serve(std::move(answer)), asio::detached);
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  void close() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    if (socket_) socket_->close(ignored);
  }

 private:
  asio::awaitable<void> serve(std::string answer) {
    auto [ec, socket] = co_await acceptor_.async_accept(kTuple);
    if (ec) co_return;
    socket_ = std::make_unique<asio::ip::tcp::socket>(std::move(socket));
    char buf[512];
    auto [rec, n] = co_await socket_->async_read_some(asio::buffer(buf), kTuple);
    if (rec || answer.empty()) co_return;
    (void)co_await asio::async_write(*socket_, asio::buffer(answer), kTuple);
  }

  asio::ip::tcp::acceptor acceptor_;
  std::unique_ptr<asio::ip::tcp::socket> socket_;
};

RedisOptions fake_options(std::uint16_t port) {
  RedisOptions o;
  o.port = port;
  o.command_timeout = std::chrono::milliseconds(300);
  o.connect_timeout = std::chrono::milliseconds(300);
  return o;
}

TEST(RedisClientFake, ANonRedisAnswerIsAProtocolError) {
  for (const char* answer : {"HTTP/1.1 400 Bad Request\r\n\r\n", "$99999999999\r\n", "*-2\r\n", ":1\r\n:2\r\n"}) {
    EXPECT_TRUE(run_io([&](asio::io_context& io) -> asio::awaitable<void> {
      FakeServer server(io, answer);
      RedisClient redis(io.get_executor(), fake_options(server.port()));
      const std::array<std::string_view, 1> ping{"PING"};
      const RedisCommand command(ping);
      auto r = co_await redis.command(command);
      // Two integers for one PING: the first is its reply, the second nobody's.
      if (std::string_view(answer) == ":1\r\n:2\r\n") {
        EXPECT_TRUE(r && r->integer == 1) << answer;
      } else {
        EXPECT_FALSE(r) << answer;
        if (!r) {
          EXPECT_NE(r.error().message.find("protocol error"), std::string::npos) << r.error().message;
        }
      }
      server.close();
    })) << answer;
  }
}

TEST(RedisClientFake, APasswordOfStarsIsScrubbedToo) {
  // The mask is stars: scrubbing resumes past each mask, or it never ends.
  for (const char* password : {"*", "**", "***", "a*"}) {
    EXPECT_TRUE(run_io([&](asio::io_context& io) -> asio::awaitable<void> {
      const std::string refusal = std::string("-WRONGPASS * is ") + password + " here\r\n";
      FakeServer server(io, refusal);
      RedisOptions o = fake_options(server.port());
      o.password = password;
      RedisClient redis(io.get_executor(), o);
      const std::array<std::string_view, 1> ping{"PING"};
      const RedisCommand command(ping);
      auto r = co_await redis.command(command);
      EXPECT_FALSE(r) << password;
      if (!r) {
        EXPECT_NE(r.error().message.find("AUTH refused: WRONGPASS"), std::string::npos) << r.error().message;
        if (std::string_view(password) == "a*") {
          EXPECT_EQ(r.error().message.find("a*"), std::string::npos) << r.error().message;
        }
      }
      server.close();
    })) << password;
  }
}

TEST(RedisClientFake, ASilentServerCostsTheDeadlineThenFailsFast) {
  EXPECT_TRUE(run_io([&](asio::io_context& io) -> asio::awaitable<void> {
    FakeServer server(io, "");
    RedisOptions o = fake_options(server.port());
    o.password = "hunter2-secret";  // AUTH never answered: the connect deadline
    RedisClient redis(io.get_executor(), o);
    const std::array<std::string_view, 1> ping{"PING"};
    const RedisCommand command(ping);
    auto first = co_await redis.command(command);
    EXPECT_FALSE(first);
    if (!first) {
      EXPECT_EQ(first.error().message.find("hunter2"), std::string::npos) << first.error().message;
    }
    auto second = co_await redis.command(command);
    EXPECT_FALSE(second);
    if (!second) {
      EXPECT_EQ(second.error().kind, ErrorKind::unavailable) << second.error().message;
      EXPECT_NE(second.error().message.find("not connected within 300 ms"), std::string::npos)
          << second.error().message;
    }
    server.close();
  }));
}

// --------------------------------------------- servers killed, hung, restarted

class RedisClientOutage : public RedisClientTest {
 protected:
  void SetUp() override {
    RedisClientTest::SetUp();
    if (IsSkipped()) return;
    server_ = std::make_unique<ScratchServer>("redis");
    ASSERT_FALSE(server_->url().empty()) << "tests/db/server.sh did not start a scratch redis";
    auto o = options_from_url(server_->url());
    ASSERT_TRUE(o);
    options_ = *o;
    options_.command_timeout = std::chrono::seconds(30);
    options_.connect_timeout = std::chrono::seconds(30);
    options_.backoff_min = std::chrono::milliseconds(10);
    options_.backoff_max = std::chrono::milliseconds(40);
  }

  // Calls PING until it succeeds: how many failed first (a backstop ends it).
  static asio::awaitable<int> until_back(RedisClient& redis) {
    for (int failed = 0; failed < 2000; ++failed) {
      auto r = co_await call(redis, "PING");
      if (r && r->str == "PONG") co_return failed;
      co_await sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "redis did not come back";
    co_return -1;
  }

  int server_pid() const {
    std::ifstream in(server_->dir() + "/redis.pid");
    int pid = 0;
    in >> pid;
    return pid;
  }

  std::unique_ptr<ScratchServer> server_;
};

TEST_F(RedisClientOutage, KilledMidCallThenFailsFastThenRecovers) {
  EXPECT_TRUE(run_io([&](asio::io_context& io) -> asio::awaitable<void> {
    RedisClient redis(io.get_executor(), options_);
    auto set = co_await call(redis, "SET", "k", "v");
    EXPECT_TRUE(set && set->str == "OK");
    // A call in flight when the server dies fails then, not at its deadline.
    std::optional<Expected<resp::Reply>> blocked;
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { blocked.emplace(co_await call(redis, "BLPOP", "list", "0")); },
        asio::detached);
    co_await sleep_for(std::chrono::milliseconds(50));
    server_->down();
    while (!blocked) co_await sleep_for(std::chrono::milliseconds(5));
    EXPECT_FALSE(*blocked);
    if (!*blocked) {
      EXPECT_EQ(blocked->error().kind, ErrorKind::unavailable);
      EXPECT_EQ(blocked->error().message.find("no reply within"), std::string::npos) << blocked->error().message;
    }
    // Down: calls fail without waiting.
    for (int i = 0; i < 20; ++i) {
      auto r = co_await call(redis, "PING");
      EXPECT_FALSE(r);
      if (!r) {
        EXPECT_EQ(r.error().kind, ErrorKind::unavailable) << r.error().message;
      }
    }
    EXPECT_FALSE(redis.connected());
    server_->up();
    const int failed = co_await until_back(redis);
    EXPECT_GE(failed, 0);
    EXPECT_TRUE(redis.connected());
    auto get = co_await call(redis, "GET", "k");
    EXPECT_TRUE(get && get->is_nil()) << "the restarted server keeps nothing";
  }));
}

TEST_F(RedisClientOutage, AHungServerCostsOneDeadlineThenCallsFailFast) {
  options_.command_timeout = std::chrono::milliseconds(200);
  options_.connect_timeout = std::chrono::milliseconds(200);
  EXPECT_TRUE(run_io([&](asio::io_context& io) -> asio::awaitable<void> {
    RedisClient redis(io.get_executor(), options_);
    auto ping = co_await call(redis, "PING");
    EXPECT_TRUE(ping && ping->str == "PONG");
    const int pid = server_pid();
    EXPECT_GT(pid, 0);
    if (pid <= 0) co_return;
    ::kill(pid, SIGSTOP);
    auto late = co_await call(redis, "PING");
    EXPECT_FALSE(late);
    if (!late) {
      EXPECT_EQ(late.error().kind, ErrorKind::upstream_timeout);
      EXPECT_NE(late.error().message.find("no reply within 200 ms"), std::string::npos) << late.error().message;
    }
    auto fast = co_await call(redis, "PING");
    EXPECT_FALSE(fast);
    if (!fast) {
      EXPECT_EQ(fast.error().kind, ErrorKind::unavailable) << fast.error().message;
    }
    ::kill(pid, SIGCONT);
    const int failed = co_await until_back(redis);
    EXPECT_GE(failed, 0);
  }));
}

}  // namespace
}  // namespace aisbf::http
