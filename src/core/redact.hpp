// Secrets kept out of logs: request targets (key=… query parameters,
// token-looking path segments), header values by name, and free text
// (Bearer credentials, "api_key": "…" fields, key=… pairs, sk-… keys).
// Pure: text in, text out; what is masked becomes "***".
#pragma once

#include <string>
#include <string_view>

namespace aisbf {

inline constexpr std::string_view kMasked = "***";

// Header names whose values are credentials (case-insensitive).
bool is_secret_header(std::string_view name);

// A query parameter name that carries a credential: key, api_key, apikey,
// token, access_token, password, secret, … (case-insensitive; `x-…` and
// `_`/`-` spellings too).
bool is_secret_parameter(std::string_view name);

// A path segment that looks like a credential rather than a name: long
// (≥ 24 bytes) with letters and digits mixed and no dot, or a known key
// prefix (sk-, sk_, aisbf_, gsk_, AIza, xai-, ghp_) with ≥ 16 bytes.
bool looks_like_token(std::string_view segment);

// "/v1/x?key=abc&b=1" → "/v1/x?key=***&b=1"; token-looking path segments → ***.
std::string redact_target(std::string_view target);

// Free text (an upstream's error body, a URL in a message): masks the
// values after "Bearer ", "api_key"/"apikey"/"x-api-key"/"authorization"/
// "password"/"token"/"secret" JSON fields and key=value pairs, and words
// that look like provider keys (looks_like_token with a known prefix).
std::string redact_text(std::string_view text);

}  // namespace aisbf
