#include "auth/token_auth.hpp"

#include <cstdint>

namespace aisbf::auth {

namespace {

bool iequals_prefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char a = s[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (a != prefix[i]) return false;
  }
  return true;
}

// Constant time in the length of `expected`: every byte is compared.
bool constant_time_equals(std::string_view given, std::string_view expected) {
  std::uint8_t diff = given.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    auto g = i < given.size() ? static_cast<std::uint8_t>(given[i]) : std::uint8_t{0};
    diff |= static_cast<std::uint8_t>(g ^ static_cast<std::uint8_t>(expected[i]));
  }
  return diff == 0;
}

}  // namespace

std::string_view bearer_token(std::string_view header) {
  if (!iequals_prefix(header, "bearer ")) return {};
  header.remove_prefix(7);
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  while (!header.empty() && (header.back() == ' ' || header.back() == '\t')) header.remove_suffix(1);
  return header;
}

bool token_is_valid(const AuthConfig& auth, std::string_view token) {
  if (token.empty()) return false;
  bool found = false;
  for (const auto& candidate : auth.tokens) {
    found |= !candidate.empty() && constant_time_equals(token, candidate);
  }
  return found;
}

}  // namespace aisbf::auth
