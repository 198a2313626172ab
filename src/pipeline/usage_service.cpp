#include "pipeline/usage_service.hpp"

#include <algorithm>
#include <optional>
#include <string_view>

#include <spdlog/spdlog.h>

#include "store/database_settings.hpp"

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

}  // namespace

store::UsageRecorderOptions usage_recorder_options(const Config& config) {
  const auto* db = database_section(config);
  store::UsageRecorderOptions o;
  constexpr std::int64_t kMaxQueue = 10'000'000;  // bounded like everything a config sets
  if (auto n = int_field(db, "usage_queue_size"); n && *n > 0) o.queue_size = static_cast<std::size_t>(std::min(*n, kMaxQueue));
  if (auto d = int_field(db, "usage_retention_days"); d && *d > 0) o.retention_days = static_cast<int>(*d);
  return o;
}

std::unique_ptr<store::Store> open_usage_store(const Config& config) {
  auto read = store::read_database_settings(database_section(config), config.dir);
  if (!read.errors.empty()) {
    spdlog::warn("usage accounting is off: {}: {}", read.errors.front().json_path, read.errors.front().message);
    return nullptr;
  }
  auto opened = store::open_store(read.settings);
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
