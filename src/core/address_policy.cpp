#include "core/address_policy.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace aisbf {

namespace {

std::uint32_t to_u32(const Ipv4Bytes& a) {
  return (std::uint32_t{a[0]} << 24) | (std::uint32_t{a[1]} << 16) | (std::uint32_t{a[2]} << 8) | a[3];
}

bool in(std::uint32_t addr, std::uint32_t net, int prefix) {
  const std::uint32_t mask = prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
  return (addr & mask) == (net & mask);
}

Ipv4Bytes v4_at(const Ipv6Bytes& a, std::size_t offset) { return {a[offset], a[offset + 1], a[offset + 2], a[offset + 3]}; }

bool zero(const Ipv6Bytes& a, std::size_t from, std::size_t to) {
  return std::all_of(a.begin() + static_cast<std::ptrdiff_t>(from), a.begin() + static_cast<std::ptrdiff_t>(to),
                     [](std::uint8_t b) { return b == 0; });
}

// One part of an inet_aton address: decimal, octal (leading 0) or hex (0x).
std::optional<std::uint64_t> aton_part(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int base = 10;
  if (s.size() > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
    if (s.empty()) return std::uint64_t{0};  // inet_aton takes a bare "0x"
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8;
    s.remove_prefix(1);
  }
  std::uint64_t v = 0;
  for (char c : s) {
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (base == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (base == 16 && c >= 'A' && c <= 'F') d = c - 'A' + 10;
    if (d < 0 || d >= base) return std::nullopt;
    v = v * static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(d);
    if (v > 0xffffffffull) return std::nullopt;
  }
  return v;
}

// inet_aton's forms: a, a.b (b: 24 bits), a.b.c (c: 16 bits), a.b.c.d.
std::optional<Ipv4Bytes> parse_ipv4_aton(std::string_view s) {
  std::uint64_t parts[4];
  std::size_t n = 0;
  while (true) {
    if (n == 4) return std::nullopt;
    auto dot = s.find('.');
    auto part = aton_part(s.substr(0, dot));
    if (!part) return std::nullopt;
    parts[n++] = *part;
    if (dot == std::string_view::npos) break;
    s.remove_prefix(dot + 1);
  }
  for (std::size_t i = 0; i + 1 < n; ++i) {
    if (parts[i] > 0xff) return std::nullopt;
  }
  const int last_bits = 8 * static_cast<int>(5 - n);
  if (last_bits < 32 && parts[n - 1] >> last_bits != 0) return std::nullopt;
  std::uint32_t v = static_cast<std::uint32_t>(parts[n - 1]);
  for (std::size_t i = 0; i + 1 < n; ++i) v |= static_cast<std::uint32_t>(parts[i]) << (24 - 8 * i);
  return Ipv4Bytes{static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
                   static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

std::optional<Ipv6Bytes> parse_ipv6(std::string_view s) {
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  if (auto zone = s.find('%'); zone != std::string_view::npos) s = s.substr(0, zone);
  if (s.empty() || s.size() > 45 || s.find(':') == std::string_view::npos) return std::nullopt;
  const std::string text(s);
  Ipv6Bytes out{};
  if (::inet_pton(AF_INET6, text.c_str(), out.data()) != 1) return std::nullopt;
  return out;
}

bool ascii_iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

const char* address_class_name(AddressClass c) {
  switch (c) {
    case AddressClass::public_address: return "public";
    case AddressClass::loopback: return "loopback";
    case AddressClass::private_net: return "private";
    case AddressClass::link_local: return "link-local";
    case AddressClass::cgnat: return "carrier-grade NAT";
    case AddressClass::multicast: return "multicast";
    case AddressClass::unspecified: return "unspecified";
    case AddressClass::broadcast: return "broadcast";
    case AddressClass::reserved: return "reserved";
  }
  return "?";
}

AddressClass classify_ipv4(const Ipv4Bytes& bytes) {
  const std::uint32_t a = to_u32(bytes);
  if (a == 0xffffffffu) return AddressClass::broadcast;
  if (in(a, 0x00000000u, 8)) return AddressClass::unspecified;
  if (in(a, 0x7f000000u, 8)) return AddressClass::loopback;
  if (in(a, 0x0a000000u, 8) || in(a, 0xac100000u, 12) || in(a, 0xc0a80000u, 16)) return AddressClass::private_net;
  if (in(a, 0xa9fe0000u, 16)) return AddressClass::link_local;
  if (in(a, 0x64400000u, 10)) return AddressClass::cgnat;
  if (in(a, 0xe0000000u, 4)) return AddressClass::multicast;
  // 240/4 (future use), 192.0.0/24 (protocol assignments), 198.18/15
  // (benchmarking), 192.0.2/24, 198.51.100/24, 203.0.113/24 (documentation).
  if (in(a, 0xf0000000u, 4) || in(a, 0xc0000000u, 24) || in(a, 0xc6120000u, 15) || in(a, 0xc0000200u, 24) ||
      in(a, 0xc6336400u, 24) || in(a, 0xcb007100u, 24)) {
    return AddressClass::reserved;
  }
  return AddressClass::public_address;
}

AddressClass classify_ipv6(const Ipv6Bytes& a) {
  if (zero(a, 0, 15)) return a[15] == 1 ? AddressClass::loopback : a[15] == 0 ? AddressClass::unspecified
                                                                                : classify_ipv4(v4_at(a, 12));
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated but still routed by some stacks).
  if (zero(a, 0, 10) && ((a[10] == 0xff && a[11] == 0xff) || (a[10] == 0 && a[11] == 0))) {
    return classify_ipv4(v4_at(a, 12));
  }
  // ::ffff:0:a.b.c.d (SIIT translated).
  if (zero(a, 0, 8) && a[8] == 0xff && a[9] == 0xff && a[10] == 0 && a[11] == 0) return classify_ipv4(v4_at(a, 12));
  if (a[0] == 0xff) return AddressClass::multicast;
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return AddressClass::link_local;
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) return AddressClass::private_net;  // fec0::/10, site-local
  if ((a[0] & 0xfe) == 0xfc) return AddressClass::private_net;                  // fc00::/7
  // NAT64: 64:ff9b::/96 embeds the IPv4 target; 64:ff9b:1::/48 is for local use.
  if (a[0] == 0 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b) {
    if (zero(a, 4, 12)) return classify_ipv4(v4_at(a, 12));
    if (a[4] == 0 && a[5] == 1) return AddressClass::private_net;
  }
  if (a[0] == 0x20 && a[1] == 0x02) return classify_ipv4(v4_at(a, 2));  // 6to4: 2002:AABB:CCDD::
  if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0 && a[3] == 0) {         // Teredo: the client, bits inverted
    Ipv4Bytes client = v4_at(a, 12);
    for (auto& b : client) b = static_cast<std::uint8_t>(~b);
    auto c = classify_ipv4(client);
    return is_public(c) ? classify_ipv4(v4_at(a, 4)) : c;
  }
  if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) return AddressClass::reserved;  // documentation
  if (a[0] == 0x01 && zero(a, 1, 8)) return AddressClass::reserved;                                  // 100::/64 discard
  return AddressClass::public_address;
}

std::optional<std::variant<Ipv4Bytes, Ipv6Bytes>> parse_ip_literal(std::string_view host) {
  if (auto v6 = parse_ipv6(host)) return *v6;
  if (auto v4 = parse_ipv4_aton(host)) return *v4;
  return std::nullopt;
}

std::optional<AddressClass> classify_host_literal(std::string_view host) {
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);  // "localhost." is the same name
  if (ascii_iequals(host, "localhost")) return AddressClass::loopback;
  if (host.size() > 10 && ascii_iequals(host.substr(host.size() - 10), ".localhost")) return AddressClass::loopback;
  // An onion service may be this gateway's own, which tor forwards to a
  // loopback address (pipeline/app.cpp tor_target).
  if (ascii_iequals(host, "onion") || (host.size() > 6 && ascii_iequals(host.substr(host.size() - 6), ".onion")))
    return AddressClass::loopback;
  auto literal = parse_ip_literal(host);
  if (!literal) return std::nullopt;
  if (const auto* v4 = std::get_if<Ipv4Bytes>(&*literal)) return classify_ipv4(*v4);
  return classify_ipv6(std::get<Ipv6Bytes>(*literal));
}

}  // namespace aisbf
