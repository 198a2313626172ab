#include "pipeline/image_urls.hpp"

#include <vector>

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "pipeline/content_ids.hpp"
#include "pipeline/gateway_state.hpp"
#include "routing/user_config.hpp"

namespace aisbf {

namespace {

bool proxied_scheme(std::string_view url) { return url.starts_with("https://") || url.starts_with("http://"); }

GatewayError refused(std::string message) {
  auto e = make_error(ErrorKind::upstream_protocol, std::move(message) + ": refused by the content proxy");
  e.code = "content_url_refused";
  return e;
}

}  // namespace

Expected<std::string> rewrite_image_urls(std::string answer, const RequestContext& ctx,
                                         const ProviderConfig& provider) {
  if (!ctx.config || !ctx.config->media.proxy_urls || ctx.state == nullptr || !ctx.state->content_ids)
    return std::move(answer);
  // A b64_json answer (megabytes) is not parsed for a key it cannot hold.
  if (answer.find("\"url\"") == std::string::npos) return std::move(answer);
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(answer, ec);
  if (ec || !doc.is_object()) return std::move(answer);
  auto* data = doc.get_object().if_contains("data");
  if (data == nullptr || !data->is_array()) return std::move(answer);
  std::vector<boost::json::string*> urls;
  for (auto& item : data->get_array()) {
    auto* obj = item.if_object();
    auto* url = obj != nullptr ? obj->if_contains("url") : nullptr;
    if (url == nullptr || !url->is_string() || !proxied_scheme(url->get_string())) continue;
    if (urls.size() == kMaxContentUrlsPerAnswer) {
      return refused(fmt::format("the answer of provider '{}' holds more than {} image URLs", provider.id,
                                 kMaxContentUrlsPerAnswer));
    }
    if (url->get_string().size() > kMaxContentUrlBytes) {
      return refused(fmt::format("the answer of provider '{}' holds an image URL of {} bytes (at most {})", provider.id,
                                 url->get_string().size(), kMaxContentUrlBytes));
    }
    urls.push_back(&url->get_string());
  }
  if (urls.empty()) return std::move(answer);
  // The provider as the request resolved it: a user's view, or the global config.
  const bool from_view = ctx.user_view && ctx.config.get() == &ctx.user_view->config();
  const std::string provider_user = from_view ? ctx.user_view->username : std::string();
  const MediaConfig& media = ctx.config->media;
  const ContentLimits limits = content_limits(media.proxy_max_entries);
  const std::string owner = content_owner(ctx.principal);
  const auto now = ContentIds::Clock::now();
  for (auto* url : urls) {
    ContentEntry entry{std::string(*url), owner, provider.id, provider_user, now + media.proxy_ttl};
    *url = std::string(kContentProxyPrefix) + ctx.state->content_ids->add(std::move(entry), limits, now);
  }
  return boost::json::serialize(doc);
}

}  // namespace aisbf
