#include "ops/https_redirect.hpp"

#include <algorithm>
#include <cctype>

namespace aisbf::ops {

namespace {

bool host_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.'; }
bool ipv6_char(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.'; }

// The host part of a Host header ("name", "name:port", "[v6]", "[v6]:port"),
// empty when it is anything else.
std::string_view host_part(std::string_view header) {
  if (!header.empty() && header.front() == '[') {
    const auto close = header.find(']');
    if (close == std::string_view::npos || close < 2) return {};
    const auto inner = header.substr(1, close - 1);
    if (!std::all_of(inner.begin(), inner.end(), ipv6_char)) return {};
    const auto rest = header.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return {};
    return header.substr(0, close + 1);
  }
  const auto host = header.substr(0, header.find(':'));
  if (host.empty() || host.size() > 253 || !std::all_of(host.begin(), host.end(), host_char)) return {};
  return host;
}

bool allowed(std::string_view host, const std::vector<std::string>& allowed_hosts) {
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  return std::any_of(allowed_hosts.begin(), allowed_hosts.end(), [host](const std::string& name) {
    return name.size() == host.size() && std::equal(name.begin(), name.end(), host.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
           });
  });
}

}  // namespace

bool served_over_plain_http(std::string_view target) {
  return target.size() > kAcmeChallengePrefix.size() &&
         target.substr(0, kAcmeChallengePrefix.size()) == kAcmeChallengePrefix;
}

std::string https_location(std::string_view host_header, std::string_view target, std::uint16_t https_port,
                           std::string_view fallback_host, const std::vector<std::string>& allowed_hosts) {
  std::string_view host = host_part(host_header);
  std::string bracketed;
  if (!host.empty() && !allowed(host, allowed_hosts)) host = {};
  if (host.empty()) {
    host = fallback_host;
    if (host.find(':') != std::string_view::npos && host.front() != '[') {
      bracketed = "[" + std::string(host) + "]";
      host = bracketed;
    }
  }
  std::string location = "https://";
  location.append(host);
  if (https_port != 443) location.append(":").append(std::to_string(https_port));
  const bool origin_form = !target.empty() && target.front() == '/' && (target.size() < 2 || target[1] != '/');
  location.append(origin_form ? target : std::string_view("/"));
  return location;
}

}  // namespace aisbf::ops
