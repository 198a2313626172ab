// TEMPORARY (branch wt-admincfg): mask_secret / is_masked as secret_box.hpp
// declares them, until wt-auth's secret_box.cpp is merged; delete this file
// then (the symbols would clash).
#include <string>
#include <string_view>

#include "auth/secret_box.hpp"

namespace aisbf::auth {

namespace {
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // U+2026
}

std::string mask_secret(std::string_view secret) {
  if (secret.empty() || is_masked(secret)) return std::string(secret);
  if (secret.size() < 12) return std::string(kEllipsis);
  return std::string(secret.substr(0, 3)) + std::string(kEllipsis) + std::string(secret.substr(secret.size() - 4));
}

bool is_masked(std::string_view value) {
  if (value == kEllipsis) return true;
  return value.size() == 3 + kEllipsis.size() + 4 && value.substr(3, kEllipsis.size()) == kEllipsis;
}

}  // namespace aisbf::auth
