// What the store tests share: the backends to run against (SQLite always;
// PostgreSQL and MariaDB when the test scripts started them and exported
// AISBF_TEST_POSTGRES_URL / AISBF_TEST_MYSQL_URL), a fresh empty database
// per test, and a few record builders.
#pragma once

#include <stdlib.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "store/sql_driver.hpp"

namespace aisbf::store::testing {

// Header-only: a .cpp here would be compiled into aisbf_logic.

// mysql://user:pass@host:port/db (user, pass and db percent-decoded).
struct MysqlUrl {
  std::string host = "127.0.0.1", user, password, database;
  int port = 3306;
};

inline std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

inline std::optional<MysqlUrl> parse_mysql_url(std::string_view url) {
  constexpr std::string_view scheme = "mysql://";
  if (!url.starts_with(scheme)) return std::nullopt;
  url.remove_prefix(scheme.size());
  MysqlUrl out;
  const std::size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  if (slash != std::string_view::npos) out.database = percent_decode(url.substr(slash + 1));
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority.remove_prefix(at + 1);
    const std::size_t colon = userinfo.find(':');
    out.user = percent_decode(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) out.password = percent_decode(userinfo.substr(colon + 1));
  }
  if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    try {
      out.port = std::stoi(std::string(authority.substr(colon + 1)));
    } catch (...) {
      return std::nullopt;
    }
    authority = authority.substr(0, colon);
  }
  if (!authority.empty()) out.host = std::string(authority);
  return out;
}

inline std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

// "sqlite", plus "postgres" and "mysql" when their URLs are set.
inline std::vector<std::string> available_backends() {
  std::vector<std::string> out = {"sqlite"};
  if (!env("AISBF_TEST_POSTGRES_URL").empty()) out.push_back("postgres");
  if (!env("AISBF_TEST_MYSQL_URL").empty()) out.push_back("mysql");
  return out;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "aisbf-store-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline constexpr const char* kAllTables[] = {"api_tokens", "sessions",     "config_docs",         "usage_rows",
                                             "usage_hourly", "usage_daily", "description_vectors", "stored_responses", "meta",
                                             "users",      "schema_migrations"};

struct TestDatabase {
  Dialect dialect = Dialect::sqlite;
  SqlConnector connector;
};

// A connector to an empty database of `backend`: a new file for SQLite;
// every aisbf table dropped for the servers (the tests run one at a time).
inline TestDatabase open_empty_database(const std::string& backend, const TempDir& dir) {
  TestDatabase db;
  if (backend == "sqlite") {
    db.connector = sqlite_connector((dir.path() / "aisbf.db").string());
    return db;
  }
  if (backend == "postgres") {
    db.dialect = Dialect::postgres;
    db.connector = postgres_connector(env("AISBF_TEST_POSTGRES_URL"));
  } else {
    db.dialect = Dialect::mysql;
    std::optional<MysqlUrl> url = parse_mysql_url(env("AISBF_TEST_MYSQL_URL"));
    if (!url) ADD_FAILURE() << "AISBF_TEST_MYSQL_URL is not mysql://user:pass@host:port/db";
    MysqlUrl u = url.value_or(MysqlUrl{});
    db.connector = mysql_connector(u.host, u.port, u.user, u.password, u.database);
  }
  auto conn = db.connector();
  if (!conn) {
    ADD_FAILURE() << backend << ": " << conn.error().message;
    return db;
  }
  for (const char* table : kAllTables) {
    auto r = conn.value()->exec(std::string("DROP TABLE IF EXISTS ") + table);
    EXPECT_TRUE(r.ok()) << table << ": " << (r.ok() ? "" : r.error().message);
  }
  return db;
}

// Tests in StoreConformance get a fresh migrated store per test.
class StoreConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = open_empty_database(GetParam(), dir_);
    store_ = make_sql_store(db_.dialect, db_.connector);
    auto migrated = store_->migrate();
    ASSERT_TRUE(migrated.ok()) << migrated.error().message;
  }

  TempDir dir_;
  TestDatabase db_;
  std::unique_ptr<Store> store_;
};

inline User make_user(std::string name, UserRole role = UserRole::user) {
  User u;
  u.username = std::move(name);
  u.role = role;
  u.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
  u.quotas_json = "{}";
  u.created_ms = 1'700'000'000'000;
  return u;
}

inline ApiToken make_token(std::string id, std::string username, std::string hash) {
  ApiToken t;
  t.id = std::move(id);
  t.username = std::move(username);
  t.token_hash = std::move(hash);
  t.description = "test";
  t.quotas_json = "{}";
  t.created_ms = 1'700'000'000'000;
  return t;
}

}  // namespace aisbf::store::testing
