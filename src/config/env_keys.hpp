// `"api_key": "env:OPENAI_API_KEY"`: a provider key kept in the environment
// and named in providers.json, so the file never holds it in clear (the
// first start writes such references for the keys it finds). Resolved at
// load; every writer keeps the reference (it is no secret: the masking of
// API answers leaves it readable, and a reference sent back is stored as
// sent).
#pragma once

#include <optional>
#include <string_view>

namespace aisbf {

inline constexpr std::string_view kEnvKeyPrefix = "env:";

// NAME when `value` is "env:NAME" with NAME a variable name ([A-Za-z_]
// then [A-Za-z0-9_], at most 128 characters); nullopt otherwise.
std::optional<std::string_view> env_key_reference(std::string_view value);

// Whether a reference may read variable NAME: only a key's name (ending in
// "_KEY" or "_TOKEN", as OPENAI_API_KEY does), so that a reference cannot
// send the server's other variables (paths, passwords, …) upstream.
bool env_key_name_allowed(std::string_view name);

}  // namespace aisbf
