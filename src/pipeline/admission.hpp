// Admission: the verdict on a request from its head alone (method, target,
// headers): which route, who is calling, and whether it may go on. Used by
// the server's HeaderCheck (before any body byte is read) and by the
// handler; no I/O.
#pragma once

#include <optional>
#include <string>

#include "api/routes.hpp"
#include "auth/principal.hpp"
#include "config/config.hpp"
#include "core/gateway_error.hpp"
#include "http/exchange.hpp"
#include "pipeline/ingress.hpp"

namespace aisbf {

struct Route;

struct Admission {
  const Route* route = nullptr;  // set when admitted
  api::RouteMatch match;         // path parameters, decoded
  auth::Principal principal;
  IngressFormat format = IngressFormat::openai_chat;  // of the route, for its errors
  std::optional<GatewayError> refusal;  // 400, 401, 403, 404, 405 or 415
};

// In this order: route match, Host (on a loopback listener), credentials and
// the route's policy, path escapes, 404/405, then for a state-changing route
// the Origin, and the body's content type.
Admission admit(const http::Request& request, const Config& config, bool loopback_only);

// A refusal as the server sends it without reading the body.
http::EarlyAnswer early_answer(const GatewayError& error, IngressFormat format, std::string request_id);

}  // namespace aisbf
