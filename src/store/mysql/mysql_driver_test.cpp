// The MariaDB driver against a real server: runs when AISBF_TEST_MYSQL_URL
// is set (ctest's store.conformance_mysql starts one with
// tests/db/with_server.sh), skips otherwise. The error mapping is tested
// without a server.
#include <gtest/gtest.h>

#include <errmsg.h>
#include <mysqld_error.h>

#include <chrono>
#include <limits>
#include <thread>

#include "store/driver_test_support.hpp"
#include "store/mysql/mysql_errors.hpp"
#include "store/sql_driver.hpp"

namespace aisbf::store {
namespace {

using driver_test::env;
using Kind = StoreError::Kind;
using Values = std::vector<SqlValue>;

std::vector<Values> rows_of(SqlConnection& c, std::string_view sql, Values params = {}) {
  std::vector<Values> out;
  auto r = c.query(sql, params, [&](const SqlRow& row) {
    out.emplace_back(row.columns.begin(), row.columns.end());
    return true;
  });
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return out;
}

std::int64_t count(SqlConnection& c, std::string_view table) {
  auto rows = rows_of(c, "SELECT COUNT(*) FROM " + std::string(table));
  return rows.size() == 1 ? SqlRow{rows[0]}.integer(0) : -1;
}

SqlConnector connector_for(const std::string& url) {
  auto u = driver_test::parse_db_url(url);
  if (!u) return [] { return Result<std::unique_ptr<SqlConnection>>(StoreError{Kind::internal, "bad test URL"}); };
  return mysql_connector(u->host, u->port, u->user, u->password, u->database);
}

TEST(MySQLDriverErrors, MapsKindsAndMasksQuotedValues) {
  StoreError dup = map_mysql_error(ER_DUP_ENTRY, "23000", "Duplicate entry 'alice' for key 'PRIMARY'");
  EXPECT_EQ(dup.kind, Kind::conflict);
  EXPECT_EQ(dup.message.find("alice"), std::string::npos) << dup.message;
  StoreError bad = map_mysql_error(ER_TRUNCATED_WRONG_VALUE_FOR_FIELD, "HY000",
                                   "Incorrect integer value: 'secret' for column `aisbf`.`t`.`n` at row 1");
  EXPECT_EQ(bad.kind, Kind::internal);
  EXPECT_EQ(bad.message.find("secret"), std::string::npos) << bad.message;
  for (unsigned code : std::initializer_list<unsigned>{CR_CONNECTION_ERROR, CR_CONN_HOST_ERROR, CR_SERVER_GONE_ERROR,
                                                       CR_SERVER_LOST, ER_SERVER_SHUTDOWN, ER_CONNECTION_KILLED}) {
    EXPECT_EQ(map_mysql_error(code, "HY000", "gone").kind, Kind::unavailable) << code;
    EXPECT_TRUE(mysql_connection_lost(code)) << code;
  }
  EXPECT_EQ(map_mysql_error(ER_STATEMENT_TIMEOUT, "70100", "timeout").kind, Kind::unavailable);
  EXPECT_FALSE(mysql_connection_lost(ER_STATEMENT_TIMEOUT));
  StoreError syntax = map_mysql_error(ER_PARSE_ERROR, "42000", "You have an error near 'SELEC 1'");
  EXPECT_EQ(syntax.kind, Kind::internal);
  EXPECT_NE(syntax.message.find("SELEC 1"), std::string::npos);  // SQL text, not values: kept for the log
  EXPECT_FALSE(mysql_connection_lost(ER_PARSE_ERROR));
}

class MySQLDriver : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = env("AISBF_TEST_MYSQL_URL").value_or("");
    if (url_.empty()) GTEST_SKIP() << "AISBF_TEST_MYSQL_URL is not set (tests/db/with_server.sh sets it)";
    auto c = connector_for(url_)();
    ASSERT_TRUE(c.ok()) << c.error().message;
    conn_ = std::move(c.value());
    ASSERT_EQ(conn_->dialect(), Dialect::mysql);
  }
  std::string url_;
  std::unique_ptr<SqlConnection> conn_;
};

TEST_F(MySQLDriver, RoundTripsEveryValueKind) {
  ASSERT_TRUE(
      conn_->exec_script("CREATE TEMPORARY TABLE v (id BIGINT PRIMARY KEY, i BIGINT, d DOUBLE, s LONGTEXT);\n"
                         "CREATE TEMPORARY TABLE w (x INT);\n"));
  std::string controls;
  for (int c = 0; c < 128; ++c) controls += static_cast<char>(c);  // NUL, quotes, backslashes, ?
  const std::string big(1 << 20, 'x');
  const std::vector<Values> cases = {
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
  // Integers and doubles come back typed; DECIMAL (what SUM gives) as exact text.
  auto typed = rows_of(*conn_, "SELECT CAST(? AS SIGNED), 7, ?, SUM(i) FROM v WHERE id = 5", {std::string("-8"), 2.25});
  ASSERT_EQ(typed.size(), 1u);
  EXPECT_EQ(typed[0], (Values{std::int64_t{-8}, std::int64_t{7}, 2.25, std::string("-1")}));
  EXPECT_TRUE(conn_->exec("INSERT INTO w (x) VALUES (?)", Values{std::string("42")}).ok());
  EXPECT_EQ(rows_of(*conn_, "SELECT x FROM w")[0][0], SqlValue{std::int64_t{42}});
}

TEST_F(MySQLDriver, QuestionMarkInLiteralsIsNotAPlaceholder) {
  auto rows =
      rows_of(*conn_, "SELECT '?' AS \"what?\", ?, 'it''s ?', ? -- and ?\n", {std::string("a"), std::int64_t{2}});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (Values{std::string("?"), std::string("a"), std::string("it's ?"), std::int64_t{2}}));
  auto wrong = conn_->exec("SELECT '?', ?", {});
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().kind, Kind::internal);
  EXPECT_TRUE(conn_->healthy());
}

TEST_F(MySQLDriver, UniqueViolationIsConflictWithoutTheValue) {
  ASSERT_TRUE(conn_->exec_script("CREATE TEMPORARY TABLE u (k VARCHAR(64) PRIMARY KEY, n INT)"));
  ASSERT_TRUE(conn_->exec("INSERT INTO u (k) VALUES (?)", Values{std::string("secret-key-value")}).ok());
  auto again = conn_->exec("INSERT INTO u (k) VALUES (?)", Values{std::string("secret-key-value")});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, Kind::conflict);
  EXPECT_EQ(again.error().message.find("secret-key-value"), std::string::npos) << again.error().message;
  // Strict mode refuses a value the column cannot hold, and the message does not quote it.
  auto bad = conn_->exec("INSERT INTO u (k, n) VALUES ('b', ?)", Values{std::string("secret-not-a-number")});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, Kind::internal);
  EXPECT_EQ(bad.error().message.find("secret-not-a-number"), std::string::npos) << bad.error().message;
  EXPECT_TRUE(conn_->healthy());
  EXPECT_EQ(count(*conn_, "u"), 1);
}

TEST_F(MySQLDriver, TransactionsCommitAndRollBack) {
  ASSERT_TRUE(conn_->exec_script(
      "CREATE TEMPORARY TABLE t (k INT PRIMARY KEY, v INT) ENGINE=InnoDB; INSERT INTO t VALUES (1, 0);"));
  ASSERT_TRUE(conn_->begin());
  ASSERT_TRUE(conn_->exec("INSERT INTO t (k, v) VALUES (?, ?)", Values{std::int64_t{2}, std::int64_t{0}}).ok());
  ASSERT_TRUE(conn_->rollback());
  EXPECT_EQ(count(*conn_, "t"), 1);

  ASSERT_TRUE(conn_->begin());
  ASSERT_TRUE(conn_->exec("INSERT INTO t (k, v) VALUES (?, ?)", Values{std::int64_t{3}, std::int64_t{0}}).ok());
  ASSERT_TRUE(conn_->commit());
  EXPECT_EQ(count(*conn_, "t"), 2);

  // exec counts the rows matched (CLIENT_FOUND_ROWS), changed values or not.
  auto n = conn_->exec("UPDATE t SET v = 0", {});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n.value(), 2);
}

TEST_F(MySQLDriver, StopsReadingWhenTheCallbackSaysSo) {
  int seen = 0;
  auto r = conn_->query("SELECT seq FROM seq_1_to_5000", {}, [&](const SqlRow& row) {
    EXPECT_EQ(row.integer(0), ++seen);
    return seen < 3;
  });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(seen, 3);
  EXPECT_EQ(rows_of(*conn_, "SELECT 1").size(), 1u);  // the connection is ready for the next statement
}

TEST_F(MySQLDriver, ScriptRunsEveryStatementAndStopsAtAnError) {
  ASSERT_TRUE(
      conn_->exec_script("CREATE TEMPORARY TABLE s1 (a INT); INSERT INTO s1 VALUES (1); INSERT INTO s1 VALUES (2);\n"));
  EXPECT_EQ(count(*conn_, "s1"), 2);
  auto r = conn_->exec_script("INSERT INTO s1 VALUES (3); SELEC 2; INSERT INTO s1 VALUES (4);");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::internal);
  EXPECT_EQ(count(*conn_, "s1"), 3);
  // Outside scripts, one statement per call.
  EXPECT_FALSE(conn_->exec("SELECT 1; SELECT 2", {}).ok());
  EXPECT_TRUE(conn_->healthy());
}

TEST_F(MySQLDriver, SessionIsUtf8mb4AnsiQuotesAndStrict) {
  auto rows = rows_of(*conn_,
                      "SELECT @@character_set_client, @@character_set_results, "
                      "@@sql_mode LIKE '%ANSI_QUOTES%', @@sql_mode LIKE '%STRICT_ALL_TABLES%', "
                      "@@autocommit, @@max_statement_time");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (Values{std::string("utf8mb4"), std::string("utf8mb4"), std::int64_t{1}, std::int64_t{1},
                             std::int64_t{1}, 30.0}));
}

TEST_F(MySQLDriver, StatementTimeoutIsUnavailableButTheConnectionLives) {
  ASSERT_TRUE(conn_->exec_script("SET SESSION max_statement_time = 0.1"));
  // SLEEP() returns 1 when interrupted; a statement over a big table fails instead.
  auto r = conn_->exec("SELECT SUM(a.seq * b.seq) FROM seq_1_to_100000 AS a JOIN seq_1_to_100000 AS b", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::unavailable) << r.error().message;
  auto q = conn_->query("SELECT SUM(a.seq * b.seq) FROM seq_1_to_100000 AS a JOIN seq_1_to_100000 AS b", {},
                        [](const SqlRow&) { return true; });
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.error().kind, Kind::unavailable) << q.error().message;
  EXPECT_TRUE(conn_->healthy());
  EXPECT_EQ(rows_of(*conn_, "SELECT 1").size(), 1u);
}

TEST_F(MySQLDriver, KilledSessionIsUnavailableAndUnhealthy) {
  auto id = rows_of(*conn_, "SELECT CONNECTION_ID()");
  ASSERT_EQ(id.size(), 1u);
  auto other = connector_for(url_)();
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(other.value()->exec_script("KILL CONNECTION " + std::to_string(SqlRow{id[0]}.integer(0))));
  // KILL returns before the session is gone; wait (bounded) until it is.
  for (int i = 0; i < 100 && count(*other.value(), "information_schema.PROCESSLIST WHERE ID = " +
                                                       std::to_string(SqlRow{id[0]}.integer(0))) != 0;
       ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto r = conn_->exec("SELECT 1", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::unavailable) << r.error().message;
  EXPECT_FALSE(conn_->healthy());
}

TEST_F(MySQLDriver, ClosedPortIsUnavailable) {
  int port = driver_test::closed_port();
  ASSERT_NE(port, 0);
  auto c = mysql_connector("127.0.0.1", port, "aisbf", "secret-password", "aisbf")();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, Kind::unavailable);
  EXPECT_EQ(c.error().message.find("secret-password"), std::string::npos) << c.error().message;
  auto u = driver_test::parse_db_url(url_);
  ASSERT_TRUE(u);
  auto denied = mysql_connector(u->host, u->port, u->user, "secret-wrong-password", u->database)();
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().kind, Kind::unavailable);
  EXPECT_EQ(denied.error().message.find("secret-wrong-password"), std::string::npos) << denied.error().message;
}

TEST_F(MySQLDriver, StoppedServerIsUnavailableAndUnhealthy) {
  driver_test::ScratchServer server("mariadb");
  ASSERT_FALSE(server.url().empty()) << "tests/db/server.sh did not start a scratch server";
  auto c = connector_for(server.url())();
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_TRUE(c.value()->exec("SELECT 1", {}).ok());
  server.stop();
  auto r = c.value()->exec("SELECT 1", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::unavailable) << r.error().message;
  EXPECT_FALSE(c.value()->healthy());
  auto again = connector_for(server.url())();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, Kind::unavailable);
}

}  // namespace
}  // namespace aisbf::store
