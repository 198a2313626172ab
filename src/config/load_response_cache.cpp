// aisbf.json `response_cache` (issue 12): AISBF's section as its default
// file writes it, plus ours (`max_memory_bytes`, `cache_nondeterministic`,
// `file_dir`). A file without the section has no cache; a section without
// `enabled` is on, as in AISBF. `feature_controls.response_cache.mode`
// "disabled" (AISBF's switch) turns it off as well.
#include <algorithm>
#include <cctype>

#include "config/load_internal.hpp"
#include "config/schema.hpp"

namespace aisbf::config_detail {

namespace {

// AISBF's names, in any case; `mariadb` is `mysql` (cache::backend_kind
// reads them the same way).
constexpr std::string_view kBackends[] = {"memory", "redis", "sqlite", "mysql", "mariadb", "file"};

bool known_backend(std::string_view name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return std::find(std::begin(kBackends), std::end(kBackends), lower) != std::end(kBackends);
}

void read_string(const json::object& section, std::string_view key, std::string& out) {
  if (auto v = get_string(section, key)) out = *v;
}

void read_port(const json::object& section, std::string_view key, const std::string& path, DiagSink& sink, int& out) {
  if (check_range(section, key, path, Range{1, false, 65535.0}, sink)) {
    if (auto v = get_int(section, key)) out = static_cast<int>(*v);
  }
}

bool disabled_by_feature_controls(const json::object& aisbf_root) {
  const json::object* controls = get_object(aisbf_root, "feature_controls");
  const json::object* control = controls != nullptr ? get_object(*controls, "response_cache") : nullptr;
  if (control == nullptr) return false;
  auto mode = get_string(*control, "mode");
  return mode && *mode == "disabled";
}

}  // namespace

void load_response_cache(const json::object& aisbf_root, DiagSink& sink, ResponseCacheConfig& out) {
  const json::object* section = get_object(aisbf_root, "response_cache");
  if (section == nullptr) return;
  const std::string path = "response_cache";
  check_fields(*section, path, response_cache_schema(), sink);
  out.enabled = get_bool(*section, "enabled").value_or(true) && !disabled_by_feature_controls(aisbf_root);
  if (auto backend = get_string(*section, "backend")) {
    if (known_backend(*backend)) {
      out.backend = *backend;
    } else {
      sink.error(key_path(path, "backend"),
                 "unknown backend " + json_quoted(*backend) + "; expected memory, redis, sqlite, mysql (mariadb) or file");
    }
  }
  // An entry kept 0 seconds is never served; more than 30 days is a mistake.
  if (check_range(*section, "ttl", path, Range{0, true, 30.0 * 86400.0}, sink)) {
    if (auto v = get_number(*section, "ttl")) out.ttl = *v;
  }
  // `max_memory_cache` is AISBF's name, `max_size` the issue's; the first wins.
  for (std::string_view key : {"max_memory_cache", "max_size"}) {
    if (section->contains(key) && check_range(*section, key, path, Range{1, false, 100'000'000.0}, sink)) {
      if (auto v = get_int(*section, key)) {
        out.max_entries = static_cast<std::uint64_t>(*v);
        break;
      }
    }
  }
  if (check_range(*section, "max_memory_bytes", path, Range{1024, false, 1e12}, sink)) {
    if (auto v = get_int(*section, "max_memory_bytes")) out.max_memory_bytes = static_cast<std::uint64_t>(*v);
  }
  if (auto v = get_bool(*section, "cache_nondeterministic")) out.cache_nondeterministic = *v;
  read_string(*section, "redis_host", out.redis_host);
  read_port(*section, "redis_port", path, sink, out.redis_port);
  if (check_range(*section, "redis_db", path, Range{0, false, 1'000'000.0}, sink)) {
    if (auto v = get_int(*section, "redis_db")) out.redis_db = static_cast<int>(*v);
  }
  read_string(*section, "redis_password", out.redis_password);
  read_string(*section, "redis_key_prefix", out.redis_key_prefix);
  read_string(*section, "sqlite_path", out.sqlite_path);
  read_string(*section, "mysql_host", out.mysql_host);
  read_port(*section, "mysql_port", path, sink, out.mysql_port);
  read_string(*section, "mysql_user", out.mysql_user);
  read_string(*section, "mysql_password", out.mysql_password);
  read_string(*section, "mysql_database", out.mysql_database);
  read_string(*section, "file_dir", out.file_dir);
}

namespace {

bool turned_on(const json::object& raw) {
  const json::value* v = raw.if_contains("enable_response_cache");
  return v != nullptr && v->is_bool() && v->get_bool();
}

}  // namespace

void note_response_cache_use(Config& config) {
  bool used = config.response_cache.enabled;
  for (const auto& p : config.providers) {
    used = used || turned_on(p.raw);
    for (const auto& m : p.models) used = used || turned_on(m.raw);
  }
  for (const auto& r : config.rotations) {
    used = used || turned_on(r.raw);
    for (const auto& rp : r.providers) {
      for (const auto& m : rp.models) used = used || turned_on(m.raw);
    }
  }
  for (const auto& a : config.autoselects) used = used || turned_on(a.raw);
  config.response_cache.used = used;
}

}  // namespace aisbf::config_detail
