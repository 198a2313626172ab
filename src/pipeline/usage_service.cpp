#include "pipeline/usage_service.hpp"

#include <cstdlib>

#include <spdlog/spdlog.h>

namespace aisbf {

namespace {

const boost::json::object* database_section(const Config& config) {
  const auto* db = config.aisbf.if_contains("database");
  return db != nullptr && db->is_object() ? &db->get_object() : nullptr;
}

std::optional<std::int64_t> int_field(const boost::json::object* o, std::string_view key) {
  if (o == nullptr) return std::nullopt;
  const auto* v = o->if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  return std::nullopt;
}

std::string string_field(const boost::json::object* o, std::string_view key, std::string fallback) {
  if (o == nullptr) return fallback;
  const auto* v = o->if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : fallback;
}

}  // namespace

store::UsageRecorderOptions usage_recorder_options(const Config& config) {
  const auto* db = database_section(config);
  store::UsageRecorderOptions o;
  if (auto n = int_field(db, "usage_queue_size"); n && *n > 0) o.queue_size = static_cast<std::size_t>(*n);
  if (auto d = int_field(db, "usage_retention_days"); d && *d > 0) o.retention_days = static_cast<int>(*d);
  return o;
}

store::DatabaseSettings database_settings(const Config& config) {
  const auto* db = database_section(config);
  store::DatabaseSettings s;
  s.type = string_field(db, "type", s.type);
  std::string path = string_field(db, "sqlite_path", "");
  if (path.rfind("~/", 0) == 0) {
    const char* home = std::getenv("HOME");
    path = std::string(home != nullptr ? home : "") + path.substr(1);
  }
  if (!path.empty() && path.front() != '/') path = (config.dir / path).string();
  s.sqlite_path = path.empty() ? (config.dir / "aisbf.db").string() : path;
  s.postgres_url = string_field(db, "postgres_url", "");
  s.postgres_host = string_field(db, "postgres_host", s.postgres_host);
  s.postgres_user = string_field(db, "postgres_user", "");
  s.postgres_password = string_field(db, "postgres_password", "");
  s.postgres_database = string_field(db, "postgres_database", s.postgres_database);
  s.postgres_port = static_cast<int>(int_field(db, "postgres_port").value_or(s.postgres_port));
  s.mysql_host = string_field(db, "mysql_host", s.mysql_host);
  s.mysql_user = string_field(db, "mysql_user", "");
  s.mysql_password = string_field(db, "mysql_password", "");
  s.mysql_database = string_field(db, "mysql_database", s.mysql_database);
  s.mysql_port = static_cast<int>(int_field(db, "mysql_port").value_or(s.mysql_port));
  s.usage_retention_days = static_cast<int>(int_field(db, "usage_retention_days").value_or(0));
  return s;
}

std::unique_ptr<store::Store> open_usage_store(const Config& config) {
  auto opened = store::open_store(database_settings(config));
  if (!opened) {
    spdlog::warn("usage accounting is off: the database did not open ({})",
                 store::usage_store_error_name(opened.error().kind));
    return nullptr;
  }
  auto store = std::move(opened).value();
  if (auto migrated = store->migrate(); !migrated) {
    spdlog::warn("usage accounting is off: the database could not be migrated ({})",
                 store::usage_store_error_name(migrated.error().kind));
    return nullptr;
  }
  return store;
}

UsageService::UsageService(store::Store& store, DbPool& db, const Config& config)
    : store_(store), db_(db), recorder_(store, usage_recorder_options(config)) {}

}  // namespace aisbf
