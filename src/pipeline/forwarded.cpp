#include "pipeline/forwarded.hpp"

namespace aisbf {

const ClientView& client_of(const http::Exchange& ex, RequestContext& ctx) {
  if (!ctx.client) {
    const auto& req = ex.request();
    const ForwardedHeaders headers{std::string_view(req["X-Forwarded-For"]), std::string_view(req["X-Forwarded-Proto"]),
                                   std::string_view(req["X-Forwarded-Host"])};
    ctx.client = client_view(ex.client_address(), ex.secure(), headers, ctx.config->server.trusted_proxies);
  }
  return *ctx.client;
}

}  // namespace aisbf
