// Driver-level details of the SQLite driver that the conformance suite
// does not see: file modes, pragmas, placeholders, error kinds.
#include <sys/stat.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "store/store_test_util.hpp"

namespace aisbf::store::testing {
namespace {

std::unique_ptr<SqlConnection> open(const std::filesystem::path& path) {
  auto conn = sqlite_connector(path.string())();
  EXPECT_TRUE(conn.ok()) << (conn.ok() ? "" : conn.error().message);
  return conn.ok() ? std::move(conn.value()) : nullptr;
}

std::string single_text(SqlConnection& conn, std::string_view sql, std::span<const SqlValue> params = {}) {
  std::string out = "<no row>";
  auto r = conn.query(sql, params, [&](const SqlRow& row) {
    out = row.text(0);
    return false;
  });
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return out;
}

unsigned mode_of(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 0777;
}

TEST(SqliteDriver, CreatesFileAndParentsPrivately) {
  TempDir dir;
  const auto path = dir.path() / "a" / "b" / "aisbf.db";
  auto conn = open(path);
  ASSERT_NE(conn, nullptr);
  EXPECT_EQ(mode_of(path), 0600u);
  EXPECT_EQ(mode_of(dir.path() / "a"), 0700u);
  EXPECT_EQ(mode_of(dir.path() / "a" / "b"), 0700u);
  ASSERT_TRUE(conn->exec("CREATE TABLE t (x INTEGER)").ok());
  ASSERT_TRUE(conn->exec("INSERT INTO t VALUES (1)").ok());
  EXPECT_EQ(mode_of(dir.path() / "a" / "b" / "aisbf.db-wal"), 0600u);
}

TEST(SqliteDriver, Pragmas) {
  TempDir dir;
  auto conn = open(dir.path() / "aisbf.db");
  ASSERT_NE(conn, nullptr);
  EXPECT_EQ(single_text(*conn, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(single_text(*conn, "PRAGMA busy_timeout"), "5000");
  EXPECT_EQ(single_text(*conn, "PRAGMA synchronous"), "1");  // NORMAL
  EXPECT_EQ(single_text(*conn, "PRAGMA foreign_keys"), "1");
}

TEST(SqliteDriver, QuestionMarkInALiteralIsNotAPlaceholder) {
  TempDir dir;
  auto conn = open(dir.path() / "aisbf.db");
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(conn->exec("CREATE TABLE t (a TEXT, b TEXT)").ok());
  const SqlValue p[] = {std::string("bound")};
  auto r = conn->exec("INSERT INTO t (a, b) VALUES ('what?', ?)", p);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value(), 1);
  EXPECT_EQ(single_text(*conn, "SELECT a || '|' || b FROM t"), "what?|bound");
  const SqlValue wrong[] = {std::string("x"), std::string("y")};
  auto mismatch = conn->exec("INSERT INTO t (a, b) VALUES ('?', ?)", wrong);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().kind, StoreError::Kind::internal);
}

TEST(SqliteDriver, ValueTypesRoundTrip) {
  TempDir dir;
  auto conn = open(dir.path() / "aisbf.db");
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(conn->exec("CREATE TABLE t (i BIGINT, d DOUBLE PRECISION, s TEXT, n TEXT)").ok());
  const SqlValue p[] = {std::int64_t{1} << 53, 0.25, std::string("a\0b", 3), std::monostate{}};
  ASSERT_TRUE(conn->exec("INSERT INTO t VALUES (?, ?, ?, ?)", p).ok());
  int rows = 0;
  ASSERT_TRUE(conn->query("SELECT i, d, s, n FROM t", {},
                          [&](const SqlRow& r) {
                            ++rows;
                            EXPECT_EQ(r.integer(0), std::int64_t{1} << 53);
                            EXPECT_EQ(r.real(1), 0.25);
                            EXPECT_EQ(r.text(2), std::string("a\0b", 3));
                            EXPECT_TRUE(r.is_null(3));
                            return true;
                          })
                  .ok());
  EXPECT_EQ(rows, 1);
}

TEST(SqliteDriver, ErrorKindsWithoutBoundValues) {
  TempDir dir;
  auto conn = open(dir.path() / "aisbf.db");
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(conn->exec("CREATE TABLE t (k TEXT PRIMARY KEY, u TEXT UNIQUE, nn TEXT NOT NULL)").ok());
  const SqlValue first[] = {std::string("secret-key-1"), std::string("secret-u"), std::string("x")};
  ASSERT_TRUE(conn->exec("INSERT INTO t VALUES (?, ?, ?)", first).ok());
  auto pk = conn->exec("INSERT INTO t VALUES (?, ?, ?)", first);
  ASSERT_FALSE(pk.ok());
  EXPECT_EQ(pk.error().kind, StoreError::Kind::conflict);
  EXPECT_EQ(pk.error().message.find("secret"), std::string::npos) << pk.error().message;
  const SqlValue unique[] = {std::string("secret-key-2"), std::string("secret-u"), std::string("x")};
  auto uq = conn->exec("INSERT INTO t VALUES (?, ?, ?)", unique);
  ASSERT_FALSE(uq.ok());
  EXPECT_EQ(uq.error().kind, StoreError::Kind::conflict);
  const SqlValue null_nn[] = {std::string("k3"), std::string("u3"), std::monostate{}};
  auto nn = conn->exec("INSERT INTO t VALUES (?, ?, ?)", null_nn);
  ASSERT_FALSE(nn.ok());
  EXPECT_EQ(nn.error().kind, StoreError::Kind::invalid);
  auto syntax = conn->exec("SELEC 1");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.error().kind, StoreError::Kind::internal);
}

TEST(SqliteDriver, UnopenableFileIsUnavailable) {
  TempDir dir;
  { std::ofstream(dir.path() / "plain-file") << "x"; }
  // A path through a regular file: ENOTDIR even for root.
  auto conn = sqlite_connector((dir.path() / "plain-file" / "aisbf.db").string())();
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.error().kind, StoreError::Kind::unavailable);
}

TEST(SqliteDriver, TransactionsRollBack) {
  TempDir dir;
  auto conn = open(dir.path() / "aisbf.db");
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(conn->exec("CREATE TABLE t (x INTEGER)").ok());
  ASSERT_TRUE(conn->begin().ok());
  ASSERT_TRUE(conn->exec("INSERT INTO t VALUES (1)").ok());
  ASSERT_TRUE(conn->rollback().ok());
  EXPECT_EQ(single_text(*conn, "SELECT COUNT(*) FROM t"), "0");
  ASSERT_TRUE(conn->begin().ok());
  ASSERT_TRUE(conn->exec("INSERT INTO t VALUES (1)").ok());
  ASSERT_TRUE(conn->commit().ok());
  EXPECT_EQ(single_text(*conn, "SELECT COUNT(*) FROM t"), "1");
}

TEST(SqliteDriver, WritersWaitForEachOther) {
  TempDir dir;
  auto a = open(dir.path() / "aisbf.db");
  auto b = open(dir.path() / "aisbf.db");
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->exec("CREATE TABLE t (x INTEGER)").ok());
  ASSERT_TRUE(a->begin().ok());
  ASSERT_TRUE(a->exec("INSERT INTO t VALUES (1)").ok());
  // b's BEGIN IMMEDIATE waits on the busy timeout; a commits meanwhile.
  std::thread committer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_TRUE(a->commit().ok());
  });
  auto begun = b->begin();
  committer.join();
  ASSERT_TRUE(begun.ok()) << begun.error().message;
  ASSERT_TRUE(b->exec("INSERT INTO t VALUES (2)").ok());
  ASSERT_TRUE(b->commit().ok());
  EXPECT_EQ(single_text(*b, "SELECT COUNT(*) FROM t"), "2");
}

}  // namespace
}  // namespace aisbf::store::testing
