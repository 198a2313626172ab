// The PostgreSQL driver against a real server: runs when
// AISBF_TEST_POSTGRES_URL is set (ctest's store.conformance_postgres starts
// one with tests/db/with_server.sh), skips otherwise.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "store/driver_test_support.hpp"
#include "store/sql_driver.hpp"

namespace aisbf::store {
namespace {

using driver_test::env;
using Kind = StoreError::Kind;
using Values = std::vector<SqlValue>;

std::vector<std::vector<SqlValue>> rows_of(SqlConnection& c, std::string_view sql, std::vector<SqlValue> params = {}) {
  std::vector<std::vector<SqlValue>> out;
  auto r = c.query(sql, params, [&](const SqlRow& row) {
    out.emplace_back(row.columns.begin(), row.columns.end());
    return true;
  });
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return out;
}

std::int64_t count(SqlConnection& c, std::string_view table) {
  std::int64_t n = -1;
  auto r = c.query("SELECT COUNT(*) FROM " + std::string(table), {}, [&](const SqlRow& row) {
    n = row.integer(0);
    return true;
  });
  EXPECT_TRUE(r.ok());
  return n;
}

class PostgresDriver : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = env("AISBF_TEST_POSTGRES_URL").value_or("");
    if (url_.empty()) GTEST_SKIP() << "AISBF_TEST_POSTGRES_URL is not set (tests/db/with_server.sh sets it)";
    auto c = postgres_connector(url_)();
    ASSERT_TRUE(c.ok()) << c.error().message;
    conn_ = std::move(c.value());
    ASSERT_EQ(conn_->dialect(), Dialect::postgres);
  }
  std::string url_;
  std::unique_ptr<SqlConnection> conn_;
};

TEST_F(PostgresDriver, RoundTripsEveryValueKind) {
  ASSERT_TRUE(
      conn_->exec_script("CREATE TEMP TABLE v (id BIGINT PRIMARY KEY, i BIGINT, d DOUBLE PRECISION, s TEXT);"
                         "CREATE TEMP TABLE w (x INT);"));
  std::string controls;
  for (int c = 1; c < 128; ++c) controls += static_cast<char>(c);  // quotes, backslashes, ? and control bytes
  const std::string big(1 << 20, 'x');
  const std::vector<std::vector<SqlValue>> cases = {
      {std::int64_t{1}, std::monostate{}, std::monostate{}, std::monostate{}},
      {std::int64_t{2}, std::numeric_limits<std::int64_t>::min(), 0.1, std::string("zß水🍌")},
      {std::int64_t{3}, std::numeric_limits<std::int64_t>::max(), -1e300, controls},
      {std::int64_t{4}, std::int64_t{0}, 5e-324, big},
      {std::int64_t{5}, std::int64_t{-1}, 1.0 / 3, std::string()},
  };
  for (const auto& c : cases) {
    auto n = conn_->exec("INSERT INTO v (id, i, d, s) VALUES (?, ?, ?, ?)", c);
    ASSERT_TRUE(n.ok()) << n.error().message;
    EXPECT_EQ(n.value(), 1);
  }
  for (const auto& c : cases) {
    auto rows = rows_of(*conn_, "SELECT id, i, d, s FROM v WHERE id = ?", {c[0]});
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0], c) << "row " << std::get<std::int64_t>(c[0]);
  }
  // Numbers come back typed, so SqlRow reads them without parsing.
  auto typed = rows_of(*conn_, "SELECT ?::INT, ?, ?, TRUE, 2.5::REAL", {std::int64_t{7}, std::int64_t{-8}, 2.25});
  ASSERT_EQ(typed.size(), 1u);
  EXPECT_EQ(typed[0], (Values{std::int64_t{7}, std::int64_t{-8}, 2.25, std::int64_t{1}, 2.5}));
  // Text parameters take the type the context asks for.
  EXPECT_TRUE(conn_->exec("INSERT INTO w (x) VALUES (?)", Values{std::string("42")}).ok());
  EXPECT_EQ(rows_of(*conn_, "SELECT x FROM w")[0][0], SqlValue{std::int64_t{42}});
}

TEST_F(PostgresDriver, RefusesTextWithNulInsteadOfTruncating) {
  auto r = conn_->exec("SELECT ?", Values{std::string("a\0b", 3)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::invalid);
  EXPECT_TRUE(conn_->healthy());
}

TEST_F(PostgresDriver, QuestionMarkInLiteralsIsNotAPlaceholder) {
  auto rows =
      rows_of(*conn_, "SELECT '?' AS \"what?\", ?, 'it''s ?', ? -- and ?\n", {std::string("a"), std::int64_t{2}});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (Values{std::string("?"), std::string("a"), std::string("it's ?"), std::int64_t{2}}));
  // A count that does not match the placeholders is refused before the server sees it.
  auto wrong = conn_->exec("SELECT '?', ?", {});
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().kind, Kind::internal);
  EXPECT_TRUE(conn_->healthy());
}

TEST_F(PostgresDriver, UniqueViolationIsConflictWithoutTheValue) {
  ASSERT_TRUE(conn_->exec_script("CREATE TEMP TABLE u (k TEXT PRIMARY KEY)"));
  std::vector<SqlValue> key{std::string("secret-key-value")};
  ASSERT_TRUE(conn_->exec("INSERT INTO u (k) VALUES (?)", key).ok());
  auto again = conn_->exec("INSERT INTO u (k) VALUES (?)", key);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, Kind::conflict);
  EXPECT_EQ(again.error().message.find("secret-key-value"), std::string::npos) << again.error().message;
  // A value the type refuses: the server's message would quote it.
  auto bad = conn_->exec("SELECT ?::BIGINT", Values{std::string("secret-not-a-number")});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, Kind::internal);
  EXPECT_EQ(bad.error().message.find("secret-not-a-number"), std::string::npos) << bad.error().message;
  EXPECT_TRUE(conn_->healthy());
  EXPECT_EQ(count(*conn_, "u"), 1);
}

TEST_F(PostgresDriver, TransactionsCommitAndRollBack) {
  ASSERT_TRUE(conn_->exec_script("CREATE TEMP TABLE t (k INT PRIMARY KEY, v INT); INSERT INTO t VALUES (1, 0);"));
  ASSERT_TRUE(conn_->begin());
  ASSERT_TRUE(conn_->exec("INSERT INTO t (k, v) VALUES (?, ?)", Values{std::int64_t{2}, std::int64_t{0}}).ok());
  ASSERT_TRUE(conn_->rollback());
  EXPECT_EQ(count(*conn_, "t"), 1);

  ASSERT_TRUE(conn_->begin());
  ASSERT_TRUE(conn_->exec("INSERT INTO t (k, v) VALUES (?, ?)", Values{std::int64_t{3}, std::int64_t{0}}).ok());
  ASSERT_TRUE(conn_->commit());
  EXPECT_EQ(count(*conn_, "t"), 2);

  // exec counts the rows matched, changed values or not.
  auto n = conn_->exec("UPDATE t SET v = 0", {});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n.value(), 2);

  // A failed statement poisons the transaction: COMMIT must not report success.
  ASSERT_TRUE(conn_->begin());
  ASSERT_TRUE(conn_->exec("INSERT INTO t (k, v) VALUES (4, 0)", {}).ok());
  EXPECT_EQ(conn_->exec("INSERT INTO t (k, v) VALUES (1, 0)", {}).error().kind, Kind::conflict);
  EXPECT_FALSE(conn_->commit());
  EXPECT_EQ(count(*conn_, "t"), 2);
  EXPECT_TRUE(conn_->healthy());
}

TEST_F(PostgresDriver, StopsReadingWhenTheCallbackSaysSo) {
  int seen = 0;
  auto r = conn_->query("SELECT g FROM generate_series(1, 5000) AS g", {}, [&](const SqlRow& row) {
    EXPECT_EQ(row.integer(0), ++seen);
    return seen < 3;
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(seen, 3);
  EXPECT_EQ(rows_of(*conn_, "SELECT 1").size(), 1u);  // the connection is ready for the next statement
}

TEST_F(PostgresDriver, ScriptStopsAtItsFirstError) {
  auto r = conn_->exec_script(
      "CREATE TEMP TABLE s1 (a INT); INSERT INTO s1 VALUES (1); SELEC 2; INSERT INTO s1 VALUES (3);");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::internal);
  EXPECT_NE(r.error().message.find("42601"), std::string::npos) << r.error().message;  // syntax error
}

TEST_F(PostgresDriver, StatementTimeoutIsUnavailableButTheConnectionLives) {
  ASSERT_TRUE(conn_->exec_script("SET statement_timeout = 100"));
  auto r = conn_->exec("SELECT pg_sleep(10)", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::unavailable);
  EXPECT_NE(r.error().message.find("57014"), std::string::npos) << r.error().message;
  EXPECT_TRUE(conn_->healthy());
  EXPECT_EQ(rows_of(*conn_, "SHOW statement_timeout").size(), 1u);
}

TEST_F(PostgresDriver, TheDefaultStatementTimeoutIsSet) {
  auto rows = rows_of(*conn_, "SHOW statement_timeout");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], SqlValue{std::string("30s")});
}

TEST_F(PostgresDriver, TerminatedSessionIsUnavailableAndUnhealthy) {
  auto pid = rows_of(*conn_, "SELECT pg_backend_pid()");
  ASSERT_EQ(pid.size(), 1u);
  auto other = postgres_connector(url_)();
  ASSERT_TRUE(other.ok());
  // The two-argument form waits (up to 5 s) until the backend has exited.
  auto killed = rows_of(*other.value(), "SELECT pg_terminate_backend(?::INT, 5000)", {pid[0][0]});
  ASSERT_EQ(killed.size(), 1u);
  ASSERT_EQ(killed[0][0], SqlValue{std::int64_t{1}});
  auto r = conn_->exec("SELECT 1", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::unavailable);
  EXPECT_FALSE(conn_->healthy());
}

TEST_F(PostgresDriver, ClosedPortIsUnavailable) {
  int port = driver_test::closed_port();
  ASSERT_NE(port, 0);
  auto c = postgres_connector("postgresql://aisbf:secret-password@127.0.0.1:" + std::to_string(port) +
                              "/aisbf?connect_timeout=2")();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, Kind::unavailable);
  EXPECT_EQ(c.error().message.find("secret-password"), std::string::npos) << c.error().message;
  auto garbled = postgres_connector("postgresql://aisbf:secret-password@127.0.0.1:notaport/aisbf")();
  ASSERT_FALSE(garbled.ok());
  EXPECT_EQ(garbled.error().message.find("secret-password"), std::string::npos) << garbled.error().message;
}

TEST_F(PostgresDriver, StoppedServerIsUnavailableAndUnhealthy) {
  driver_test::ScratchServer server("postgres");
  ASSERT_FALSE(server.url().empty()) << "tests/db/server.sh did not start a scratch server";
  auto c = postgres_connector(server.url() + "?connect_timeout=2")();
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_TRUE(c.value()->exec("SELECT 1", {}).ok());
  server.stop();
  auto r = c.value()->exec("SELECT 1", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::unavailable);
  EXPECT_FALSE(c.value()->healthy());
  auto again = postgres_connector(server.url() + "?connect_timeout=2")();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, Kind::unavailable);
}

}  // namespace
}  // namespace aisbf::store
