// Which Host and Origin a loopback gateway answers (DNS rebinding and
// cross-site request defences). Pure parsing, no name resolution.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace aisbf::auth {

// A listen address or host name that can only mean this machine: `localhost`,
// a name under `.localhost` (RFC 6761), an IPv4 literal in 127.0.0.0/8
// written as a dotted quad, or the IPv6 loopback (`::1`, bracketed or not).
// `127.evil.example` or `127.0.0.1.nip.io` are names, not literals: DNS
// decides where they point, so they are not loopback. Case-insensitive.
bool is_loopback_name(std::string_view host);

// The host of a Host header value without its port: "localhost:17765" →
// "localhost", "[::1]:80" → "::1". Empty when the value is malformed (a port
// that is not a number, an unclosed bracket, an unbracketed IPv6 address).
std::string_view host_header_name(std::string_view host_header);

// True when a request with this Host header may reach a loopback listener:
// a loopback name (above) or one of `allowed_hosts` (server.allowed_hosts,
// lower-cased at load), compared without case. An absent header (HTTP/1.0)
// is accepted: browsers always send one.
bool is_allowed_loopback_host(std::string_view host_header, std::span<const std::string> allowed_hosts);

struct SiteRules {
  bool loopback_listener = false;            // the gateway listens on a loopback address
  std::span<const std::string> allowed_hosts;  // server.allowed_hosts
};

// True when a browser page at `origin` (the Origin header) may change the
// gateway's state: its host and port equal the Host header's (the gateway's
// own pages), or the gateway is loopback-only and the page is local too (its
// host passes is_allowed_loopback_host). An absent Origin (not a browser)
// passes; "null" (sandboxed frames, file: pages) does not.
bool is_same_site_origin(std::string_view origin, std::string_view host_header, const SiteRules& rules);

// True when `origin` is one of `listed` (server.cors_origins, lower-cased
// at load), compared without case.
bool is_listed_origin(std::string_view origin, std::span<const std::string> listed);

}  // namespace aisbf::auth
