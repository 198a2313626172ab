// The SQL backend when its database fails under it (SQLite behind a hooked
// connection that plays a server going away): a fast failure, as after a
// restart, is tried again on a new connection only, never on another idle
// one; a slow one, as from a hung server, is not tried again, and calls
// then fail at once without a connect or a statement.
#include "cache/sql_backend.hpp"

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "cache/backend_test_util.hpp"

namespace aisbf::cache::testing {
namespace {

using namespace std::chrono_literals;

// Connections to one SQLite file; a "restart" breaks every connection
// opened before it, on its next statement.
class Server {
 public:
  std::unique_ptr<Backend> backend(std::chrono::milliseconds slow_failure) {
    auto inner = store::sqlite_connector((dir_.path() / "cache.db").string());
    auto connector = [this, inner]() -> store::Result<std::unique_ptr<store::SqlConnection>> {
      ++connects;
      auto c = inner();
      if (!c) return c.error();
      const int born = generation_;
      return std::unique_ptr<store::SqlConnection>(
          std::make_unique<HookedConnection>(std::move(c.value()), [this, born](std::string_view) {
            ++statements;
            if (auto f = std::exchange(during_next_statement, nullptr)) f();
            return born == generation_;
          }));
    };
    return make_sql_backend(store::Dialect::sqlite, connector, BackendLimits{}, SqlBackendTuning{slow_failure});
  }
  void restart() { ++generation_; }

  int connects = 0;
  int statements = 0;
  std::function<void()> during_next_statement;  // once

 private:
  TempDir dir_;
  int generation_ = 0;
};

const std::string kKey(64, 'a');

TEST(SqlCacheBackend, AFastFailureIsTriedOnceOnANewConnectionNotAnIdleOne) {
  Server server;
  auto b = server.backend(1h);  // every failure counts as fast
  ASSERT_TRUE(b->put(kKey, EntryLabels{}, "v", Clock::now() + 1h).value());
  // A call while another holds the idle connection: a second one opens,
  // and both are idle afterwards.
  server.during_next_statement = [&b] { ASSERT_TRUE(b->stats().has_value()); };
  ASSERT_TRUE(b->stats().has_value());
  ASSERT_EQ(server.connects, 2);
  server.restart();
  const int statements = server.statements;
  auto got = b->get(kKey, Clock::now());
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(got.value(), "v");
  EXPECT_EQ(server.connects, 3);
  EXPECT_EQ(server.statements, statements + 2);  // the failed one, then the read
  // The other old connection went with the first: the next call reuses
  // the new one.
  ASSERT_TRUE(b->stats().has_value());
  EXPECT_EQ(server.connects, 3);
}

TEST(SqlCacheBackend, ASlowFailureIsNotTriedAgainAndPausesCalls) {
  Server server;
  auto b = server.backend(0ms);  // every failure counts as slow
  ASSERT_TRUE(b->put(kKey, EntryLabels{}, "v", Clock::now() + 1h).value());
  server.restart();
  const int statements = server.statements;
  const int connects = server.connects;
  auto got = b->get(kKey, Clock::now());
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().kind, ErrorKind::unavailable);
  EXPECT_EQ(server.statements, statements + 1);
  EXPECT_EQ(server.connects, connects);
  auto again = b->put(kKey, EntryLabels{}, "w", Clock::now() + 1h);
  ASSERT_FALSE(again.has_value());
  EXPECT_NE(again.error().message.find("not trying again yet"), std::string::npos) << again.error().message;
  EXPECT_EQ(server.statements, statements + 1);
  EXPECT_EQ(server.connects, connects);
}

}  // namespace
}  // namespace aisbf::cache::testing
