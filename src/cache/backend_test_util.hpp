// The response-cache backends the conformance suite runs against, by name:
// sqlite and file always, mysql when the test scripts started a MariaDB and
// exported AISBF_TEST_MYSQL_URL. Another backend joins the suite by adding
// a line to available_backends() and to open_backend() (and, when its
// stored form can be damaged from outside, to damage_entry()). Test code
// only; header-only so that nothing of it links into aisbf.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "cache/backend.hpp"
#include "cache/backend_options.hpp"
#include "cache/file_backend.hpp"
#include "cache/mysql_backend.hpp"
#include "cache/sqlite_backend.hpp"
#include "store/store_test_util.hpp"

namespace aisbf::cache::testing {

using store::testing::TempDir;

inline std::vector<std::string> available_backends() {
  std::vector<std::string> out = {"sqlite", "file"};
  if (!store::testing::env("AISBF_TEST_MYSQL_URL").empty()) out.push_back("mysql");
  return out;
}

inline MysqlOptions test_mysql_options() {
  std::optional<store::testing::MysqlUrl> url =
      store::testing::parse_mysql_url(store::testing::env("AISBF_TEST_MYSQL_URL"));
  if (!url) ADD_FAILURE() << "AISBF_TEST_MYSQL_URL is not mysql://user:pass@host:port/db";
  store::testing::MysqlUrl u = url.value_or(store::testing::MysqlUrl{});
  return MysqlOptions{u.host, u.port, u.user, u.password, u.database};
}

// A connection to the SQL database behind backend `kind` (sqlite, mysql)
// in `dir`, for tests that reach past the backend.
inline std::unique_ptr<store::SqlConnection> raw_connection(const std::string& kind, const TempDir& dir) {
  store::SqlConnector connector;
  if (kind == "sqlite") {
    connector = store::sqlite_connector((dir.path() / "cache.db").string());
  } else {
    MysqlOptions o = test_mysql_options();
    connector = store::mysql_connector(o.host, o.port, o.user, o.password, o.database);
  }
  auto conn = connector();
  if (!conn) {
    ADD_FAILURE() << kind << ": " << conn.error().message;
    return nullptr;
  }
  return std::move(conn.value());
}

// Backend `kind` over the storage in `dir` (a shared database for mysql):
// opening it twice on the same dir gives the same entries.
inline std::unique_ptr<Backend> open_backend(const std::string& kind, const TempDir& dir, BackendLimits limits) {
  if (kind == "sqlite") return make_sqlite_backend((dir.path() / "cache.db").string(), limits);
  if (kind == "file") return make_file_backend((dir.path() / "entries").string(), limits);
  if (kind == "mysql") return make_mysql_backend(test_mysql_options(), limits);
  ADD_FAILURE() << "no backend " << kind;
  return nullptr;
}

// Starts `kind` empty: the servers' tables go (the tests run one at a time).
inline void wipe_backend(const std::string& kind, const TempDir& dir) {
  if (kind != "mysql") return;  // a fresh temp dir is empty already
  auto conn = raw_connection(kind, dir);
  if (!conn) return;
  for (const char* table : {"aisbf_response_cache", "aisbf_response_cache_state"}) {
    auto r = conn->exec(std::string("DROP TABLE IF EXISTS ") + table);
    EXPECT_TRUE(r.ok()) << table;
  }
}

// A connection that passes each statement to `inner` while `allow(sql)`
// says yes (BEGIN, COMMIT and ROLLBACK by those names); otherwise the
// statement fails as unavailable and the connection is broken from then on,
// as one to a server that went away.
class HookedConnection final : public store::SqlConnection {
 public:
  using Allow = std::function<bool(std::string_view sql)>;
  HookedConnection(std::unique_ptr<store::SqlConnection> inner, Allow allow)
      : inner_(std::move(inner)), allow_(std::move(allow)) {}

  store::Dialect dialect() const override { return inner_->dialect(); }
  store::Result<std::int64_t> exec(std::string_view sql, std::span<const store::SqlValue> params) override {
    if (!pass(sql)) return gone();
    return inner_->exec(sql, params);
  }
  store::Result<store::Done> query(std::string_view sql, std::span<const store::SqlValue> params,
                                   const std::function<bool(const store::SqlRow&)>& row) override {
    if (!pass(sql)) return gone();
    return inner_->query(sql, params, row);
  }
  store::Result<store::Done> exec_script(std::string_view sql) override {
    if (!pass(sql)) return gone();
    return inner_->exec_script(sql);
  }
  store::Result<store::Done> begin() override { return pass("BEGIN") ? inner_->begin() : gone(); }
  store::Result<store::Done> commit() override { return pass("COMMIT") ? inner_->commit() : gone(); }
  store::Result<store::Done> rollback() override { return pass("ROLLBACK") ? inner_->rollback() : gone(); }
  bool healthy() const override { return !broken_ && inner_->healthy(); }

 private:
  bool pass(std::string_view sql) {
    if (!broken_ && !allow_(sql)) broken_ = true;
    return !broken_;
  }
  static store::StoreError gone() { return {store::StoreError::Kind::unavailable, "test: connection lost"}; }

  std::unique_ptr<store::SqlConnection> inner_;
  Allow allow_;
  bool broken_ = false;
};

// `inner`'s connections, each hooked with `allow`.
inline store::SqlConnector hooked_connector(store::SqlConnector inner, HookedConnection::Allow allow) {
  return
      [inner = std::move(inner), allow = std::move(allow)]() -> store::Result<std::unique_ptr<store::SqlConnection>> {
        auto c = inner();
        if (!c) return c.error();
        return std::unique_ptr<store::SqlConnection>(std::make_unique<HookedConnection>(std::move(c.value()), allow));
      };
}

// Ways to spoil a stored entry from outside, as a crash, a disk error or a
// foreign writer could.
enum class Damage {
  wrong_size,  // the recorded length or the bytes after it do not agree
  unreadable,  // the expiry (or the header) is not a number
};

// False when `kind` keeps nothing that can be damaged from outside.
inline bool damage_entry(const std::string& kind, const TempDir& dir, const std::string& key, Damage how) {
  if (kind == "file") {
    const auto path = dir.path() / "entries" / key;
    const std::string text = how == Damage::wrong_size ? "aisbf-cache 1\n9999999999999 1 0 0 0 5\nabc"
                                                       : "aisbf-cache 1\nsoon 1 0 0 0 3\nabc";
    FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) return false;
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
    return true;
  }
  if (kind != "sqlite" && kind != "mysql") return false;
  auto conn = raw_connection(kind, dir);
  if (!conn) return false;
  const store::SqlValue p[] = {key};
  // MariaDB's strict mode refuses text in a BIGINT: a NULL-free stand-in
  // there is a negative size, which no put writes either.
  const char* sql = how == Damage::wrong_size
                        ? "UPDATE aisbf_response_cache SET size_bytes = size_bytes + 1 WHERE cache_key = ?"
                        : (kind == "sqlite" ? "UPDATE aisbf_response_cache SET expires_ms = 'soon' WHERE cache_key = ?"
                                            : "UPDATE aisbf_response_cache SET size_bytes = -1 WHERE cache_key = ?");
  auto r = conn->exec(sql, p);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() && r.value() == 1;
}

}  // namespace aisbf::cache::testing
