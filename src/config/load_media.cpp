// aisbf.json `media` (our addition): the content proxy's switch and bounds
// (pipeline/content_proxy.hpp, docs/config.md "Content proxy").
#include "config/load_internal.hpp"
#include "config/schema.hpp"

namespace aisbf::config_detail {

void load_media(const json::object& media, DiagSink& sink, MediaConfig& out) {
  const std::string path = "media";
  check_fields(media, path, media_schema(), sink);
  if (auto on = get_bool(media, "proxy_urls")) out.proxy_urls = *on;
  // A week at most: an id is a capability, not a permanent link.
  if (check_range(media, "proxy_ttl", path, Range{0, true, 7 * 86400.0}, sink)) {
    if (auto s = get_number(media, "proxy_ttl")) out.proxy_ttl = seconds_to_ms(*s);
  }
  if (check_range(media, "proxy_max_bytes", path, Range{1, false, 1e12}, sink)) {
    if (auto n = get_int(media, "proxy_max_bytes")) out.proxy_max_bytes = static_cast<std::uint64_t>(*n);
  }
  if (check_range(media, "proxy_max_entries", path, Range{1, false, 10'000'000.0}, sink)) {
    if (auto n = get_int(media, "proxy_max_entries")) out.proxy_max_entries = static_cast<std::uint64_t>(*n);
  }
}

}  // namespace aisbf::config_detail
