// aisbf.json's `database` → DatabaseSettings, and open_store's choices.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include "store/database_settings.hpp"
#include "store/store_test_util.hpp"

namespace aisbf::store::testing {
namespace {

namespace json = boost::json;

DatabaseSettingsRead read(std::string_view text, const std::filesystem::path& dir = "/etc/aisbf") {
  json::value v = json::parse(text);
  return read_database_settings(&v.as_object(), dir);
}

TEST(DatabaseSettings, NoSectionIsSqliteInTheConfigDir) {
  DatabaseSettingsRead r = read_database_settings(nullptr, "/srv/aisbf");
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.settings.type, "sqlite");
  EXPECT_EQ(r.settings.sqlite_path, "/srv/aisbf/aisbf.db");
  EXPECT_EQ(read(R"({"sqlite_path": ""})", "/srv/aisbf").settings.sqlite_path, "/srv/aisbf/aisbf.db");
}

TEST(DatabaseSettings, TildeIsHome) {
  const char* home = std::getenv("HOME");
  ASSERT_NE(home, nullptr);
  EXPECT_EQ(read(R"({"sqlite_path": "~/.aisbf/aisbf.db"})").settings.sqlite_path,
            std::string(home) + "/.aisbf/aisbf.db");
  EXPECT_EQ(read(R"({"sqlite_path": "/data/~x.db"})").settings.sqlite_path, "/data/~x.db");
}

TEST(DatabaseSettings, AisbfSampleLoadsCleanly) {
  std::ifstream in(std::string(AISBF_SOURCE_DIR) + "/tests/fixtures/aisbf-0.99.83-config/aisbf.json");
  std::stringstream text;
  text << in.rdbuf();
  json::value v = json::parse(text.str());
  const json::object* section = v.as_object().if_contains("database")->if_object();
  ASSERT_NE(section, nullptr);
  DatabaseSettingsRead r = read_database_settings(section, "/etc/aisbf");
  EXPECT_TRUE(r.errors.empty());
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_EQ(database_type(r.settings.type), Dialect::sqlite);
  EXPECT_EQ(r.settings.mysql_host, "localhost");
  EXPECT_EQ(r.settings.mysql_user, "aisbf");
  EXPECT_EQ(r.settings.mysql_port, 3306);
}

TEST(DatabaseSettings, EveryField) {
  DatabaseSettingsRead r = read(R"({"type": "PostgreSQL", "postgres_host": "db.internal", "postgres_port": 5433,
      "postgres_user": "gw", "postgres_password": "p'w\\d", "postgres_database": "gw db",
      "mysql_host": "m", "mysql_port": 3307, "mysql_user": "mu", "mysql_password": "mp", "mysql_database": "md",
      "usage_retention_days": 90, "statement_timeout_seconds": 7, "accounts_refresh_seconds": 5,
      "_comment": "ignored"})");
  EXPECT_TRUE(r.errors.empty());
  EXPECT_TRUE(r.warnings.empty());
  const DatabaseSettings& s = r.settings;
  EXPECT_EQ(database_type(s.type), Dialect::postgres);
  EXPECT_EQ(s.postgres_port, 5433);
  EXPECT_EQ(s.mysql_port, 3307);
  EXPECT_EQ(s.mysql_database, "md");
  EXPECT_EQ(s.usage_retention_days, 90);
  EXPECT_EQ(s.statement_timeout_seconds, 7);
  EXPECT_EQ(read("{}").settings.statement_timeout_seconds, 30);
  EXPECT_EQ(postgres_conninfo(s), R"(host='db.internal' port=5433 dbname='gw db' user='gw' password='p\'w\\d')");
  DatabaseSettings with_url = s;
  with_url.postgres_url = "postgresql://gw@db/x";
  EXPECT_EQ(postgres_conninfo(with_url), "postgresql://gw@db/x");
}

TEST(DatabaseSettings, WrongTypesAndValuesAreDiagnosedWithPaths) {
  DatabaseSettingsRead r = read(R"({"type": "oracle", "mysql_port": "3306", "postgres_port": 0,
      "sqlite_path": 5, "usage_retention_days": 1.5, "colour": 1})");
  std::vector<std::string> errors;
  for (const auto& d : r.errors) errors.push_back(d.json_path + ": " + d.message);
  EXPECT_EQ(errors, (std::vector<std::string>{
                        R"(database.type: "oracle" is not one of sqlite, postgres (postgresql), mysql (mariadb))",
                        "database.sqlite_path: expected a string, got number",
                        "database.postgres_port: expected an integer from 1 to 65535, got 0",
                        "database.mysql_port: expected an integer from 1 to 65535, got string",
                        "database.usage_retention_days: expected an integer from 0 to 100000, got number",
                    }));
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].json_path, "database.colour");
  EXPECT_EQ(database_type("MariaDB"), Dialect::mysql);
  EXPECT_EQ(database_type("sqlite3"), std::nullopt);
}

TEST(DatabaseSettings, OpenStoreChoosesTheBackend) {
  TempDir dir;
  DatabaseSettings s;
  s.sqlite_path = (dir.path() / "sub" / "aisbf.db").string();
  auto store = open_store(s);
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_EQ(store.value()->backend(), "sqlite");
  auto migrated = store.value()->migrate();
  ASSERT_TRUE(migrated.ok()) << migrated.error().message;
  EXPECT_EQ(store.value()->schema_version().value(), migrated.value());
  EXPECT_TRUE(std::filesystem::exists(s.sqlite_path));

  s.type = "mariadb";
  auto mysql = open_store(s);
  ASSERT_TRUE(mysql.ok());
  EXPECT_EQ(mysql.value()->backend(), "mysql");
  s.type = "postgresql";
  EXPECT_EQ(open_store(s).value()->backend(), "postgres");
  s.type = "oracle";
  auto bad = open_store(s);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, StoreError::Kind::invalid);
}

TEST(MysqlUrl, Parses) {
  auto u = parse_mysql_url("mysql://gw:p%40ss@127.0.0.1:3307/aisbf_test");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->user, "gw");
  EXPECT_EQ(u->password, "p@ss");
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 3307);
  EXPECT_EQ(u->database, "aisbf_test");
  EXPECT_FALSE(parse_mysql_url("postgres://x").has_value());
  EXPECT_FALSE(parse_mysql_url("mysql://h:port/db").has_value());
}

}  // namespace
}  // namespace aisbf::store::testing
