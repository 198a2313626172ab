// CORS on the model API (api/cors.hpp) applied to requests: preflights
// answered before admission (they carry no credential), and the headers a
// listed origin's answers carry. Costs one comparison per request while
// server.cors_origins is empty.
#pragma once

#include <optional>
#include <string>

#include "api/routes.hpp"
#include "config/config.hpp"
#include "core/provider_adapter.hpp"
#include "http/exchange.hpp"

namespace aisbf {

// OPTIONS with Origin and Access-Control-Request-Method.
bool is_cors_preflight(const http::Request& request);

// The answer to a preflight for a CORS route: 204 with the CORS headers for
// a listed origin, 403 cross_site_request otherwise. nullopt when the
// requested method and path are no CORS route (MCP's, admin's: they answer
// as before).
std::optional<http::EarlyAnswer> cors_preflight(const http::Request& request, const Config& config,
                                                std::string request_id);

// Adds the CORS headers to `out` when a listed origin calls a CORS route
// (`match` from admission; nothing for a path no route matched).
void add_cors_headers(const http::Request& request, const Config& config, const api::RouteMatch& match,
                      HeaderList& out);

}  // namespace aisbf
