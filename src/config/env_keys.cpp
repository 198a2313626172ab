#include "config/env_keys.hpp"

namespace aisbf {

namespace {

bool is_name_char(char c, bool first) {
  const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
  return alpha || (!first && c >= '0' && c <= '9');
}

}  // namespace

std::optional<std::string_view> env_key_reference(std::string_view value) {
  constexpr std::size_t kMaxName = 128;
  if (!value.starts_with(kEnvKeyPrefix)) return std::nullopt;
  const auto name = value.substr(kEnvKeyPrefix.size());
  if (name.empty() || name.size() > kMaxName) return std::nullopt;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!is_name_char(name[i], i == 0)) return std::nullopt;
  }
  return name;
}

bool env_key_name_allowed(std::string_view name) { return name.ends_with("_KEY") || name.ends_with("_TOKEN"); }

}  // namespace aisbf
