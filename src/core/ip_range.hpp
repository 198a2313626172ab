// IP addresses and CIDR ranges ("127.0.0.1", "10.0.0.0/8", "::1",
// "fd00::/8") for lists of trusted peers (server.trusted_proxies). IPv4 is
// held as IPv4-mapped IPv6, so that a range written in either family
// matches a peer in the other's mapped spelling (::ffff:127.0.0.1).
// Pure: text in, a range or a yes/no out.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace aisbf {

struct IpRange {
  std::array<std::uint8_t, 16> bytes{};  // host bits zero
  int prefix_bits = 128;                 // of the 128
};

// An address (a /32 or /128) or address/prefix. The error says what is
// wrong: not an address, a prefix out of range, or host bits set (a range
// written "10.0.0.1/8" is a slip: 10.0.0.0/8 or 10.0.0.1 was meant).
struct IpRangeParse {
  std::optional<IpRange> range;
  std::string error;
};
IpRangeParse parse_ip_range(std::string_view text);

// `address` (a peer's address as text) lies in `range`; false when it is
// not an address.
bool in_range(const IpRange& range, std::string_view address);
bool in_any_range(std::span<const IpRange> ranges, std::string_view address);

// The client's address behind trusted reverse proxies: `peer` when it is
// not in `trusted` or sends no X-Forwarded-For; else X-Forwarded-For read
// from the right (each proxy appends the address it saw), the first entry
// not in `trusted`. Entries to its left came from the client and are not
// believed. An entry that is not an address ends the walk at the last
// trusted hop (a proxy's slip, not a client's choice).
std::string forwarded_client(std::string_view peer, std::string_view x_forwarded_for, std::span<const IpRange> trusted);

// The request as its client sent it, behind trusted reverse proxies.
struct ForwardedHeaders {
  std::string_view x_forwarded_for;
  std::string_view x_forwarded_proto;
  std::string_view x_forwarded_host;
};
struct ClientView {
  std::string address;  // forwarded_client()
  // The client reached us over https: our own TLS connection, or a trusted
  // peer's X-Forwarded-Proto says so (its last entry: the nearest proxy's).
  bool https = false;
  // A trusted peer's X-Forwarded-Host (its last entry, when a host[:port]);
  // client_of passes none: no link aisbf builds is absolute, so it is empty.
  std::string host;
};
// `tls`: the connection to us is TLS. From a peer not in `trusted` only
// the peer's own address and `tls` count.
ClientView client_view(std::string_view peer, bool tls, const ForwardedHeaders& headers,
                       std::span<const IpRange> trusted);

}  // namespace aisbf
