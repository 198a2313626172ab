// The content proxy's half on an answer: an images answer's `data[].url`
// (OpenAI's images/generations, edits and variations shape) rewritten to
// `/api/proxy/{id}` when aisbf.json `media.proxy_urls` is on, each URL kept
// server-side (content_ids.hpp) for the caller's namespace and the provider
// whose answer held it (by id, and the user whose view holds it when the
// request is served from a user's view). pipeline/content_proxy.hpp serves
// the ids.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "core/expected.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

// The path a content id is served at.
inline constexpr std::string_view kContentProxyPrefix = "/api/proxy/";

// The answer with every http(s) `data[].url` replaced (other fields kept),
// or as it came: the proxy is off, the answer holds no such URL, or it is
// not a JSON object. Refused (502 `content_url_refused`, nothing kept): an
// answer with more than kMaxContentUrlsPerAnswer such URLs, or one longer
// than kMaxContentUrlBytes (the map's memory is bounded by them).
Expected<std::string> rewrite_image_urls(std::string answer, const RequestContext& ctx, const ProviderConfig& provider);

}  // namespace aisbf
