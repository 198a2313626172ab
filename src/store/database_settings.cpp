#include "store/database_settings.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include <fmt/format.h>

namespace aisbf::store {

namespace {

namespace json = boost::json;

const char* kind_name(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string:
      return "string";
    case json::kind::bool_:
      return "boolean";
    case json::kind::null:
      return "null";
    case json::kind::array:
      return "array";
    case json::kind::object:
      return "object";
    default:
      return "number";
  }
}

class Reader {
 public:
  Reader(const json::object& section, DatabaseSettingsRead& out) : section_(section), out_(out) {}

  // A string field; null or absent keeps the default.
  void text(std::string_view key, std::string& field) {
    const json::value* v = section_.if_contains(key);
    if (v == nullptr || v->is_null()) return;
    if (const json::string* s = v->if_string()) {
      field.assign(s->data(), s->size());
      return;
    }
    error(key, fmt::format("expected a string, got {}", kind_name(*v)));
  }

  void integer(std::string_view key, int min, int max, int& field) {
    const json::value* v = section_.if_contains(key);
    if (v == nullptr || v->is_null()) return;
    std::optional<std::int64_t> n;
    if (const auto* i = v->if_int64()) n = *i;
    if (const auto* u = v->if_uint64())
      n = *u <= 0x7fffffffffffffffULL ? std::optional<std::int64_t>(*u) : std::nullopt;
    if (const auto* d = v->if_double(); d != nullptr && *d == static_cast<double>(static_cast<std::int64_t>(*d))) {
      n = static_cast<std::int64_t>(*d);
    }
    if (n && *n >= min && *n <= max) {
      field = static_cast<int>(*n);
      return;
    }
    error(key, fmt::format("expected an integer from {} to {}, got {}", min, max,
                           n ? std::to_string(*n) : std::string(kind_name(*v))));
  }

  void error(std::string_view key, std::string message) {
    out_.errors.push_back({fmt::format("database.{}", key), std::move(message)});
  }

 private:
  const json::object& section_;
  DatabaseSettingsRead& out_;
};

constexpr std::string_view kKnownKeys[] = {
    "type",           "sqlite_path",       "mysql_host",        "mysql_port",           "mysql_user",
    "mysql_password", "mysql_database",    "postgres_url",      "postgres_host",        "postgres_port",
    "postgres_user",  "postgres_password", "postgres_database", "usage_retention_days",
    "usage_queue_size", "record_usage",  // read by pipeline/usage_service.cpp
    "accounts_refresh_seconds",          // read by pipeline/accounts.cpp
    "statement_timeout_seconds",
};

std::string expand_home(const std::string& path) {
  if (path.empty() || path[0] != '~' || (path.size() > 1 && path[1] != '/')) return path;
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : "") + path.substr(1);
}

}  // namespace

std::optional<Dialect> database_type(std::string_view type) {
  std::string lower;
  for (char c : type) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "sqlite") return Dialect::sqlite;
  if (lower == "postgres" || lower == "postgresql") return Dialect::postgres;
  if (lower == "mysql" || lower == "mariadb") return Dialect::mysql;
  return std::nullopt;
}

DatabaseSettingsRead read_database_settings(const boost::json::object* section,
                                            const std::filesystem::path& config_dir) {
  DatabaseSettingsRead out;
  DatabaseSettings& s = out.settings;
  if (section != nullptr) {
    Reader r(*section, out);
    r.text("type", s.type);
    if (!database_type(s.type)) {
      r.error("type", fmt::format("\"{}\" is not one of sqlite, postgres (postgresql), mysql (mariadb)", s.type));
    }
    r.text("sqlite_path", s.sqlite_path);
    r.text("postgres_url", s.postgres_url);
    r.text("postgres_host", s.postgres_host);
    r.integer("postgres_port", 1, 65535, s.postgres_port);
    r.text("postgres_user", s.postgres_user);
    r.text("postgres_password", s.postgres_password);
    r.text("postgres_database", s.postgres_database);
    r.text("mysql_host", s.mysql_host);
    r.integer("mysql_port", 1, 65535, s.mysql_port);
    r.text("mysql_user", s.mysql_user);
    r.text("mysql_password", s.mysql_password);
    r.text("mysql_database", s.mysql_database);
    r.integer("usage_retention_days", 0, 100000, s.usage_retention_days);
    r.integer("statement_timeout_seconds", 1, 3600, s.statement_timeout_seconds);
    for (const auto& [key, value] : *section) {
      if (key.starts_with("_")) continue;
      if (std::find(std::begin(kKnownKeys), std::end(kKnownKeys), key) == std::end(kKnownKeys)) {
        out.warnings.push_back({fmt::format("database.{}", std::string_view(key)), "unknown key (ignored)"});
      }
    }
  }
  s.sqlite_path = s.sqlite_path.empty() ? (config_dir / "aisbf.db").string() : expand_home(s.sqlite_path);
  return out;
}

}  // namespace aisbf::store
