#include "store/postgres/postgres_placeholders.hpp"

#include <gtest/gtest.h>

namespace aisbf::store {
namespace {

TEST(PostgresPlaceholders, NumbersEachPlaceholderInOrder) {
  PgStatement s = to_postgres_placeholders("INSERT INTO t (a, b, c) VALUES (?, ?,?)");
  EXPECT_EQ(s.sql, "INSERT INTO t (a, b, c) VALUES ($1, $2,$3)");
  EXPECT_EQ(s.params, 3);
}

TEST(PostgresPlaceholders, LeavesLiteralsIdentifiersAndCommentsAlone) {
  PgStatement s = to_postgres_placeholders(
      "SELECT '?', 'it''s ?', ?, \"odd?\"\"name\", E'\\'?', $$?$$, $q$ '? $q$ -- ?\n"
      " /* ? /* ? */ ? */ , ?");
  EXPECT_EQ(s.sql,
            "SELECT '?', 'it''s ?', $1, \"odd?\"\"name\", E'\\'?', $$?$$, $q$ '? $q$ -- ?\n"
            " /* ? /* ? */ ? */ , $2");
  EXPECT_EQ(s.params, 2);
}

TEST(PostgresPlaceholders, BackslashIsPlainInStandardStrings) {
  // 'a\' ends at the second quote (standard_conforming_strings), so the ? after it counts.
  PgStatement s = to_postgres_placeholders("SELECT 'a\\', ?, name' FROM t");
  EXPECT_EQ(s.sql, "SELECT 'a\\', $1, name' FROM t");
  EXPECT_EQ(s.params, 1);
}

TEST(PostgresPlaceholders, UnterminatedLiteralRunsToTheEnd) {
  PgStatement s = to_postgres_placeholders("SELECT ?, 'open ?");
  EXPECT_EQ(s.sql, "SELECT $1, 'open ?");
  EXPECT_EQ(s.params, 1);
}

TEST(PostgresPlaceholders, DollarInIdentifiersIsNotAQuote) {
  PgStatement s = to_postgres_placeholders("SELECT a$b$, ? FROM t$1$ WHERE x = ?");
  EXPECT_EQ(s.sql, "SELECT a$b$, $1 FROM t$1$ WHERE x = $2");
  EXPECT_EQ(s.params, 2);
}

}  // namespace
}  // namespace aisbf::store
