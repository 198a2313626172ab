#include "auth/token_auth.hpp"

#include <cstdint>
#include <string>

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

// The index of the configured token equal to `token`, or -1. Every
// candidate is compared, whichever matches, so timing says nothing of which.
int matching_token(const AuthConfig& auth, std::string_view token) {
  if (token.empty()) return -1;
  int found = -1;
  for (std::size_t i = 0; i < auth.tokens.size(); ++i) {
    const auto& candidate = auth.tokens[i];
    const bool equal = !candidate.empty() && constant_time_equals(token, candidate);
    if (equal && found < 0) found = static_cast<int>(i);
  }
  return found;
}

}  // namespace

std::string_view bearer_token(std::string_view header) {
  if (!iequals_prefix(header, "bearer ")) return {};
  header.remove_prefix(7);
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  while (!header.empty() && (header.back() == ' ' || header.back() == '\t')) header.remove_suffix(1);
  return header;
}

bool token_is_valid(const AuthConfig& auth, std::string_view token) { return matching_token(auth, token) >= 0; }

Authentication authenticate(const AuthConfig& auth, const Credentials& credentials) {
  Authentication out;
  if (!auth.enabled) return out;
  auto token = bearer_token(credentials.authorization);
  if (token.empty()) token = credentials.api_key;
  if (token.empty()) return out;
  const int index = matching_token(auth, token);
  if (index < 0) {
    out.credential = Credential::rejected;
    return out;
  }
  out.credential = Credential::accepted;
  out.token_index = index;
  out.principal = global_token_principal(static_cast<std::size_t>(index));
  return out;
}

Principal global_token_principal(std::size_t index) {
  Principal p;
  p.kind = PrincipalKind::global_token;
  p.role = Role::admin;  // the operator's token: every route
  p.token_id = "auth.tokens[" + std::to_string(index) + "]";
  return p;
}

}  // namespace aisbf::auth
