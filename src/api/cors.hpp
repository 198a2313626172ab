// CORS on the model API, off unless server.cors_origins lists origins: a
// page on a listed origin may call the gateway-token routes (/api/v1/…,
// /v1/…, /api/{provider}/…, rotations, autoselect, /api/u/…) with a bearer
// token or x-api-key. Credentials (cookies) are never allowed: the
// dashboard's session routes (and /api/auth/me, the provider presets,
// which a token may also call) stay same-origin. An origin not listed gets no
// CORS header (its preflight a 403). MCP keeps its own (pipeline/mcp_routes).
// Pure: header values in, header lists out.
#pragma once

#include <string_view>

#include "api/routes.hpp"
#include "core/provider_adapter.hpp"

namespace aisbf::api {

// A route a listed origin's page may call: the gateway-token routes but
// the dashboard's own (auth_me, provider_presets).
bool cors_route(const RouteSpec& spec);

// The answer to a listed origin's preflight for `method` (its
// Access-Control-Request-Method, which the caller found a route taking).
// `request_headers` (Access-Control-Request-Headers) are allowed as asked
// when they read as a list of header names (bounded), else a default list
// (Authorization, Content-Type, X-Api-Key, Anthropic-Version, …).
HeaderList preflight_headers(std::string_view origin, std::string_view method, std::string_view request_headers);

// Added to every answer (errors included) to a listed origin on a CORS route.
HeaderList cors_response_headers(std::string_view origin);

}  // namespace aisbf::api
