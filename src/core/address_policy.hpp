// Which addresses a user's provider may reach (SSRF defence): loopback,
// link-local, private, CGNAT, multicast, unspecified, broadcast and reserved
// addresses are "not public", in every spelling a resolver accepts: IPv4 in
// inet_aton's forms (2130706433, 0177.0.0.1, 0x7f.1, 127.1), IPv6 with or
// without brackets, IPv4-mapped and -compatible IPv6 (::ffff:127.0.0.1),
// and the 6to4, NAT64 and Teredo forms that embed an IPv4 address.
// Pure: bytes and text in, a class out.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>

namespace aisbf {

enum class AddressClass : std::uint8_t {
  public_address,
  loopback,     // 127/8, ::1, localhost
  private_net,  // RFC 1918, fc00::/7, fec0::/10, 64:ff9b:1::/48
  link_local,   // 169.254/16 (cloud metadata), fe80::/10
  cgnat,        // 100.64/10
  multicast,    // 224/4, ff00::/8
  unspecified,  // 0/8, ::
  broadcast,    // 255.255.255.255
  reserved,     // 240/4, 192.0.0/24, 198.18/15 and other special-purpose ranges
};

const char* address_class_name(AddressClass c);
inline bool is_public(AddressClass c) { return c == AddressClass::public_address; }

using Ipv4Bytes = std::array<std::uint8_t, 4>;
using Ipv6Bytes = std::array<std::uint8_t, 16>;

AddressClass classify_ipv4(const Ipv4Bytes& a);
AddressClass classify_ipv6(const Ipv6Bytes& a);

// An IP literal as getaddrinfo would read it: IPv4 in any inet_aton form,
// or IPv6 (brackets and a %zone allowed). nullopt for anything else.
std::optional<std::variant<Ipv4Bytes, Ipv6Bytes>> parse_ip_literal(std::string_view host);

// The class of a URL's host when it can be told without DNS: an IP literal,
// or `localhost` / `*.localhost` (RFC 6761: always loopback), or `*.onion`
// (counted as loopback: it may be this gateway's own onion service). nullopt: a
// name that must be resolved.
std::optional<AddressClass> classify_host_literal(std::string_view host);

}  // namespace aisbf
