#include "http/endpoint.hpp"

#include <boost/url/parse.hpp>

namespace aisbf::http {

std::optional<Endpoint> parse_endpoint(std::string_view url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return std::nullopt;
  const auto& u = *parsed;
  Endpoint e;
  if (u.scheme() == "https") {
    e.tls = true;
  } else if (u.scheme() != "http") {
    return std::nullopt;
  }
  if (u.has_userinfo() || u.has_query() || u.has_fragment() || !u.has_authority()) return std::nullopt;
  e.host = std::string(u.host_address());
  if (e.host.empty()) return std::nullopt;
  std::uint16_t default_port = e.tls ? 443 : 80;
  e.port = u.has_port() ? u.port_number() : default_port;
  if (e.port == 0) return std::nullopt;
  e.base_path = std::string(u.encoded_path());
  while (!e.base_path.empty() && e.base_path.back() == '/') e.base_path.pop_back();
  std::string host_for_header = u.host_type() == boost::urls::host_type::ipv6 ? "[" + e.host + "]" : e.host;
  e.host_header = e.port == default_port ? host_for_header : host_for_header + ":" + std::to_string(e.port);
  e.origin_key = std::string(e.tls ? "https://" : "http://") + host_for_header + ":" + std::to_string(e.port);
  return e;
}

Endpoint with_public_only(Endpoint endpoint) {
  if (!endpoint.public_only) endpoint.origin_key += " public-only";
  endpoint.public_only = true;
  return endpoint;
}

std::optional<Endpoint> provider_endpoint(std::string_view url, const ProviderConfig& provider) {
  auto endpoint = parse_endpoint(url);
  if (!endpoint) return endpoint;
  if (provider.public_addresses_only) endpoint = with_public_only(std::move(*endpoint));
  if (provider.proxy) endpoint = with_proxy(std::move(*endpoint), *provider.proxy);
  return endpoint;
}

Endpoint with_proxy(Endpoint endpoint, const SocksProxy& proxy) {
  endpoint.socks_host = proxy.host;
  endpoint.socks_port = proxy.port;
  endpoint.socks_tor = proxy.tor;
  const bool v6 = proxy.host.find(':') != std::string::npos;
  endpoint.origin_key += " via socks5://" + (v6 ? "[" + endpoint.socks_host + "]" : endpoint.socks_host) + ":" +
                         std::to_string(proxy.port);
  // tor's port is trusted (proxy_connect) and another one at the same
  // address is not: their connections are pooled apart.
  if (proxy.tor) endpoint.origin_key += " tor";
  return endpoint;
}

}  // namespace aisbf::http
