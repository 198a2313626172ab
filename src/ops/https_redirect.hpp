// The plain-HTTP port beside the HTTPS one: what it serves itself (ACME's
// HTTP-01 challenges) and where it sends everything else (a 301 to the same
// path over https).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aisbf::ops {

inline constexpr std::string_view kAcmeChallengePrefix = "/.well-known/acme-challenge/";

// True for a request the plain port answers itself (an ACME challenge).
bool served_over_plain_http(std::string_view target);

// "https://<host>[:port]<target>": the host from the request's Host header
// (its port dropped) when it is one of `allowed_hosts` (compared without
// case; IPv6 literals without brackets), else `fallback_host`; the port
// left out when it is 443; a target not in origin form ("/…") becomes "/".
std::string https_location(std::string_view host_header, std::string_view target, std::uint16_t https_port,
                           std::string_view fallback_host, const std::vector<std::string>& allowed_hosts);

}  // namespace aisbf::ops
