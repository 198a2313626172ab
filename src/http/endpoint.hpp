// A provider's base URL split into what the upstream pool needs: the origin
// it connects to and the path prefix every request carries.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace aisbf::http {

struct Endpoint {
  bool tls = false;
  std::string host;       // without brackets for IPv6
  std::uint16_t port = 0;
  std::string base_path;  // e.g. "/openai/v1", never ending in '/'
  std::string host_header;  // "host" or "host:port" when the port is not the scheme's default
  std::string origin_key;   // "https://host:port": the pool's key
  // A user's provider whose owner may not reach private addresses: every
  // address the host resolves to is checked after DNS and before connect
  // (core/address_policy.hpp), and the pool keeps these connections apart
  // (origin_key says so), so a connection opened without the check is never
  // lent to a request that needs it.
  bool public_only = false;
  // A provider's `proxy`: connect through this SOCKS5 proxy, which resolves
  // `host` itself (the name is sent, never an address; http/socks5.hpp).
  // The pool keeps these connections apart too (origin_key says so).
  std::string socks_host;  // empty: a direct connection
  std::uint16_t socks_port = 0;
  bool socks_tor = false;  // the proxy is tor (`proxy: "tor"`)
};

// The endpoint reached through a provider's SOCKS5 proxy (pool key included).
Endpoint with_proxy(Endpoint endpoint, const SocksProxy& proxy);

// `url` parsed, with the provider's address rule and proxy applied: how
// every upstream call reaches a provider.
std::optional<Endpoint> provider_endpoint(std::string_view url, const ProviderConfig& provider);

// The endpoint with the "public addresses only" rule applied (pool key included).
Endpoint with_public_only(Endpoint endpoint);

// http:// and https:// URLs only; nullopt for anything else (and for URLs
// with credentials, a query or a fragment, which a base URL must not carry).
std::optional<Endpoint> parse_endpoint(std::string_view url);

}  // namespace aisbf::http
