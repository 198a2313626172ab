// The content proxy's half on an answer: an images answer's `data[].url`
// (OpenAI's images/generations, edits and variations shape) rewritten to
// `/api/proxy/{id}` when aisbf.json `media.proxy_urls` is on, each URL kept
// server-side (content_ids.hpp) for the caller's namespace and the provider
// whose answer held it. pipeline/content_proxy.hpp serves the ids.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

// The path a content id is served at.
inline constexpr std::string_view kContentProxyPrefix = "/api/proxy/";

// The answer with every http(s) `data[].url` replaced; nullopt when the
// answer stays as it came: the proxy is off, the answer holds no such URL,
// or it is not a JSON object (relay it unchanged). Other fields are kept.
std::optional<std::string> rewrite_image_urls(std::string_view answer, const RequestContext& ctx,
                                              const ProviderConfig& provider);

}  // namespace aisbf
