#include "pipeline/image_urls.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "pipeline/content_ids.hpp"
#include "pipeline/gateway_state.hpp"

namespace aisbf {

namespace {

bool proxied_scheme(std::string_view url) { return url.starts_with("https://") || url.starts_with("http://"); }

}  // namespace

std::optional<std::string> rewrite_image_urls(std::string_view answer, const RequestContext& ctx,
                                              const ProviderConfig& provider) {
  if (!ctx.config || !ctx.config->media.proxy_urls || ctx.state == nullptr || !ctx.state->content_ids) {
    return std::nullopt;
  }
  // A b64_json answer (megabytes) is not parsed for a key it cannot hold.
  if (answer.find("\"url\"") == std::string_view::npos) return std::nullopt;
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(answer, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  auto* data = doc.get_object().if_contains("data");
  if (data == nullptr || !data->is_array()) return std::nullopt;
  const MediaConfig& media = ctx.config->media;
  const auto now = ContentIds::Clock::now();
  bool changed = false;
  for (auto& item : data->get_array()) {
    auto* obj = item.if_object();
    auto* url = obj != nullptr ? obj->if_contains("url") : nullptr;
    if (url == nullptr || !url->is_string() || !proxied_scheme(url->get_string())) continue;
    ContentEntry entry{std::string(url->get_string()),
                       content_owner(ctx.principal),
                       provider.id,
                       provider.endpoint,
                       provider.public_addresses_only,
                       provider.proxy,
                       now + media.proxy_ttl};
    const std::string id = ctx.state->content_ids->add(std::move(entry), media.proxy_max_entries, now);
    *url = std::string(kContentProxyPrefix) + id;
    changed = true;
  }
  if (!changed) return std::nullopt;
  return boost::json::serialize(doc);
}

}  // namespace aisbf
