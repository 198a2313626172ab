// Secrets kept out of logs: request targets (key=… query parameters,
// token-looking path segments), header values by name, and free text
// (Bearer credentials, "api_key": "…" fields, key=… pairs, sk-… keys).
// Pure: text in, text out; what is masked becomes "***".
#pragma once

#include <string>
#include <string_view>

namespace aisbf {

inline constexpr std::string_view kMasked = "***";

// Header names whose values are credentials (case-insensitive); redact_text
// masks the values after them too ("Cookie: …").
bool is_secret_header(std::string_view name);

// A query parameter name that carries a credential: key, apikey, token,
// secret, auth, any name ending in _token, _secret or _key or holding
// "password" (refresh_token, client_secret, x-goog-api-key), and an OAuth
// `code` (case-insensitive; `_`/`-` spellings alike).
bool is_secret_parameter(std::string_view name);

// A path segment that looks like a credential rather than a name (no dot):
// ≥ 24 bytes with letters and digits mixed, or letters only in both cases
// without '-'/'_'; 16–23 bytes of letters and digits mixed in one run (no
// '-'/'_'); or a known key prefix (sk-, sk_, aisbf_, gsk_, AIza, xai-, ghp_)
// with ≥ 16 bytes.
bool looks_like_token(std::string_view segment);

// "/v1/x?key=abc&b=1" → "/v1/x?key=***&b=1"; token-looking path segments → ***.
std::string redact_target(std::string_view target);

// Free text (an upstream's error body, a URL in a message): masks the
// values after "Bearer ", after credential names (is_secret_parameter's
// rule, and is_secret_header's names) in JSON ("name": "v"), Python
// ('name': 'v'), escaped JSON (\"name\":\"v\"), name=value and name: value
// forms, a URL's password and a query's OAuth code=, and words that look
// like provider keys (a known prefix). An unquoted value runs to
// whitespace, a quote, a backslash, & , ; or a closing bracket.
std::string redact_text(std::string_view text);

}  // namespace aisbf
