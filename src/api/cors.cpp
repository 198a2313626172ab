#include "api/cors.hpp"

#include <string>

namespace aisbf::api {

namespace {

// What the SDKs send besides the key and the body: the Anthropic SDK's
// version, beta and browser-access headers; tracing.
constexpr std::string_view kDefaultAllowHeaders =
    "Authorization, Content-Type, X-Api-Key, Anthropic-Version, Anthropic-Beta, "
    "Anthropic-Dangerous-Direct-Browser-Access, X-Request-Id, Traceparent, Tracestate";
// What a page may read of an answer.
constexpr std::string_view kExposeHeaders =
    "X-Request-Id, Retry-After, X-Aisbf-Target, X-Aisbf-Attempts, X-Aisbf-Cache, X-Aisbf-Autoselected, "
    "X-Aisbf-Condensed, X-Aisbf-Dropped-Tools";
constexpr std::size_t kMaxRequestHeaders = 2048;

bool is_token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

// "a, b-c,d": names of token characters separated by commas and spaces.
bool is_header_list(std::string_view list) {
  if (list.empty() || list.size() > kMaxRequestHeaders) return false;
  bool any = false;
  for (const char c : list) {
    if (c == ',' || c == ' ' || c == '\t') continue;
    if (!is_token_char(c)) return false;
    any = true;
  }
  return any;
}

}  // namespace

bool cors_route(const RouteSpec& spec) {
  // Gateway-token routes that belong to the dashboard's session side, not
  // to the model API: who is signed in, the admin's provider presets.
  if (spec.name == "auth_me" || spec.name == "provider_presets") return false;
  return spec.policy == auth::AuthPolicy::gateway_token;
}

HeaderList preflight_headers(std::string_view origin, std::string_view method, std::string_view request_headers) {
  return {{"Access-Control-Allow-Origin", std::string(origin)},
          {"Access-Control-Allow-Methods", std::string(method)},
          {"Access-Control-Allow-Headers",
           std::string(is_header_list(request_headers) ? request_headers : kDefaultAllowHeaders)},
          {"Access-Control-Max-Age", "600"},
          {"Vary", "Origin"}};
}

HeaderList cors_response_headers(std::string_view origin) {
  return {{"Access-Control-Allow-Origin", std::string(origin)},
          {"Access-Control-Expose-Headers", std::string(kExposeHeaders)},
          {"Vary", "Origin"}};
}

}  // namespace aisbf::api
