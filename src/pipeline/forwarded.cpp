#include "pipeline/forwarded.hpp"

#include <iterator>
#include <string>

namespace aisbf {

namespace {

// Every line of header `name`, in order, joined with ", " (one field, RFC
// 9110 5.3): a proxy that appends its own line (HAProxy's forwardfor)
// leaves the client's line first, and the nearest proxy's entry is the
// last of them all. One line is returned as it is, without a copy.
std::string_view all_lines(const http::Request& req, std::string_view name, std::string& joined) {
  auto [first, last] = req.equal_range(name);
  if (first == last) return {};
  if (std::next(first) == last) return first->value();
  for (auto it = first; it != last; ++it) {
    if (it != first) joined += ", ";
    joined.append(it->value());
  }
  return joined;
}

}  // namespace

const ClientView& client_of(const http::Exchange& ex, RequestContext& ctx) {
  if (!ctx.client) {
    const auto& req = ex.request();
    const auto& trusted = ctx.config->server.trusted_proxies;
    std::string for_lines, proto_lines;
    ForwardedHeaders headers;
    if (!trusted.empty()) {  // read only when a proxy may be believed; no -Host (no absolute links)
      headers.x_forwarded_for = all_lines(req, "X-Forwarded-For", for_lines);
      headers.x_forwarded_proto = all_lines(req, "X-Forwarded-Proto", proto_lines);
    }
    ctx.client = client_view(ex.client_address(), ex.secure(), headers, trusted);
  }
  return *ctx.client;
}

std::string_view client_address_of(const http::Exchange& ex, RequestContext& ctx) {
  if (ctx.config->server.trusted_proxies.empty()) return ex.client_address();
  return client_of(ex, ctx).address;
}

}  // namespace aisbf
