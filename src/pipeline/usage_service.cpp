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

bool usage_recording_enabled(const Config& config) {
  const auto* db = database_section(config);
  const auto* v = db != nullptr ? db->if_contains("record_usage") : nullptr;
  return v == nullptr || !v->is_bool() || v->get_bool();
}

store::UsageRecorderOptions usage_recorder_options(const Config& config) {
  const auto* db = database_section(config);
  store::UsageRecorderOptions o;
  constexpr std::int64_t kMaxQueue = 10'000'000;  // bounded like everything a config sets
  if (auto n = int_field(db, "usage_queue_size"); n && *n > 0) o.queue_size = static_cast<std::size_t>(std::min(*n, kMaxQueue));
  if (auto d = int_field(db, "usage_retention_days"); d && *d > 0) o.retention_days = static_cast<int>(*d);
  // A full batch wakes the writer: with a small queue, at half of it, or the
  // queue would fill (and drop rows) while the writer waits for its interval.
  o.batch_rows = std::clamp<std::size_t>(o.queue_size / 2, 1, o.batch_rows);
  return o;
}

UsageService::UsageService(store::Store& store, DbPool& db, const Config& config)
    : store_(store), db_(db), recorder_(store, usage_recorder_options(config)) {}

}  // namespace aisbf
