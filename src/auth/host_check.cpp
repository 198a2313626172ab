#include "auth/host_check.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace aisbf::auth {

namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

bool iends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

bool is_label_char(char c) {
  c = lower(c);
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

// inet_pton wants a NUL-terminated string; host names are short.
template <int Family, std::size_t Size>
bool parse_ip(std::string_view text, std::array<unsigned char, Size>& out) {
  std::array<char, 64> buf{};
  if (text.empty() || text.size() >= buf.size()) return false;
  std::memcpy(buf.data(), text.data(), text.size());
  return inet_pton(Family, buf.data(), out.data()) == 1;
}

// inet_pton's AF_INET form is exactly four decimal parts (no "127.1", no
// hex, no octal), which is what "a real dotted-quad literal" means.
bool is_loopback_ipv4(std::string_view text) {
  std::array<unsigned char, 4> a{};
  return parse_ip<AF_INET>(text, a) && a[0] == 127;
}

bool is_loopback_ipv6(std::string_view text) {
  std::array<unsigned char, 16> a{};
  if (!parse_ip<AF_INET6>(text, a)) return false;
  static constexpr std::array<unsigned char, 16> kLoopback{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  static constexpr std::array<unsigned char, 12> kMappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (a == kLoopback) return true;
  // ::ffff:127.x.y.z, the IPv4 loopback seen through an IPv6 socket.
  return std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), a.begin()) && a[12] == 127;
}

bool is_port(std::string_view s) {
  return !s.empty() && s.size() <= 5 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_allowed_name(std::string_view name, std::span<const std::string> allowed_hosts) {
  if (name.empty()) return false;
  if (is_loopback_name(name)) return true;
  return std::any_of(allowed_hosts.begin(), allowed_hosts.end(), [&](const std::string& h) { return iequals(h, name); });
}

// "scheme://authority" of an Origin header → its authority, or empty.
std::string_view origin_authority(std::string_view origin) {
  auto sep = origin.find("://");
  if (sep == std::string_view::npos) return {};
  auto authority = origin.substr(sep + 3);
  return authority.find('/') == std::string_view::npos ? authority : std::string_view{};
}

}  // namespace

bool is_loopback_name(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') return is_loopback_ipv6(host.substr(1, host.size() - 2));
  if (iequals(host, "localhost")) return true;
  if (iends_with(host, ".localhost")) {
    auto label = host.substr(0, host.size() - 10);
    return !label.empty() && label.front() != '.' && label.back() != '.' &&
           label.find("..") == std::string_view::npos && std::all_of(label.begin(), label.end(), is_label_char);
  }
  return is_loopback_ipv4(host) || is_loopback_ipv6(host);
}

std::string_view host_header_name(std::string_view host_header) {
  if (!host_header.empty() && host_header.front() == '[') {
    auto end = host_header.find(']');
    if (end == std::string_view::npos) return {};
    auto rest = host_header.substr(end + 1);
    if (!rest.empty() && !(rest.front() == ':' && is_port(rest.substr(1)))) return {};
    return host_header.substr(1, end - 1);
  }
  auto colon = host_header.find(':');
  if (colon == std::string_view::npos) return host_header;
  if (!is_port(host_header.substr(colon + 1))) return {};  // also an unbracketed IPv6 address
  return host_header.substr(0, colon);
}

bool is_allowed_loopback_host(std::string_view host_header, std::span<const std::string> allowed_hosts) {
  if (host_header.empty()) return true;
  auto name = host_header_name(host_header);
  // A bracketed name is an IPv6 literal; nothing else may wear brackets.
  if (!host_header.empty() && host_header.front() == '[') return is_loopback_ipv6(name);
  return is_allowed_name(name, allowed_hosts);
}

bool is_same_site_origin(std::string_view origin, std::string_view host_header, const SiteRules& rules) {
  if (origin.empty()) return true;
  auto authority = origin_authority(origin);
  if (authority.empty()) return false;  // "null", or not an origin at all
  if (!host_header.empty() && iequals(authority, host_header)) return true;
  return rules.loopback_listener && is_allowed_loopback_host(authority, rules.allowed_hosts);
}

bool is_listed_origin(std::string_view origin, std::span<const std::string> listed) {
  return std::any_of(listed.begin(), listed.end(), [&](const std::string& o) { return iequals(o, origin); });
}

}  // namespace aisbf::auth
