// aisbf.json `responses` (our addition, issue 14): checked at load, read by
// responses_store_config(). A TTL of at least a second (tests use a tiny
// one) and at most ten years; at least one row.
#include "config/load_internal.hpp"
#include "config/responses_store.hpp"
#include "config/schema.hpp"

namespace aisbf {

namespace {

constexpr double kMaxTtlSeconds = 10.0 * 365 * 24 * 3600;
constexpr double kMaxStored = 1e12;

}  // namespace

ResponsesStoreConfig responses_store_config(const Config& config) {
  ResponsesStoreConfig out;
  const auto* section = config.aisbf.if_contains("responses");
  if (section == nullptr || !section->is_object()) return out;
  const auto& object = section->get_object();
  if (const auto* ttl = object.if_contains("store_ttl_seconds"); ttl != nullptr && ttl->is_int64()) {
    const auto v = ttl->get_int64();
    if (v >= 1 && static_cast<double>(v) <= kMaxTtlSeconds) out.ttl = std::chrono::seconds(v);
  }
  if (const auto* max = object.if_contains("max_stored"); max != nullptr && max->is_int64()) {
    const auto v = max->get_int64();
    if (v >= 1 && static_cast<double>(v) <= kMaxStored) out.max_stored = static_cast<std::uint64_t>(v);
  }
  return out;
}

namespace config_detail {

void check_responses_store(const json::object& aisbf_root, DiagSink& sink) {
  const json::object* section = get_object(aisbf_root, "responses");
  if (section == nullptr) return;
  const std::string path = "responses";
  check_fields(*section, path, responses_store_schema(), sink);
  check_range(*section, "store_ttl_seconds", path, Range{1, false, kMaxTtlSeconds}, sink);
  check_range(*section, "max_stored", path, Range{1, false, kMaxStored}, sink);
}

}  // namespace config_detail
}  // namespace aisbf
