// Admission: the verdict on a request from its head alone (method, target,
// headers): which route, who is calling, and whether it may go on. Used by
// the server's HeaderCheck (before any body byte is read) and by the
// handler; no I/O.
#pragma once

#include <cstdint>
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
  int token_index = -1;  // auth.tokens index when the principal is a global token
  IngressFormat format = IngressFormat::openai_chat;  // of the route, for its errors
  std::optional<GatewayError> refusal;  // 400, 401, 403, 404, 405 or 415
};

// In this order: route match, Host (on a loopback listener), credentials and
// the route's policy, path escapes, 404/405, then for a state-changing route
// the Origin, and the body's content type.
Admission admit(const http::Request& request, const Config& config, bool loopback_only);

// What the header check hands the handler (Exchange::prelude()) so that it
// need not look the headers up again: small enough for std::any to hold
// without allocating. Valid for the snapshot generation it was made on.
struct AdmittedHead {
  static constexpr std::uint8_t kAnonymous = 0, kGlobalToken = 1;
  std::uint32_t generation = 0;  // low bits of App's snapshot generation
  std::uint16_t route = 0;       // index in route_table()
  std::uint8_t principal = kAnonymous;
  std::uint8_t token_index = 0;  // auth.tokens[token_index] for kGlobalToken
};
static_assert(sizeof(AdmittedHead) <= sizeof(void*), "std::any must hold it in place");

// nullopt when refused, or for a principal the head cannot carry (users).
std::optional<AdmittedHead> admitted_head(const Admission& admission, std::uint64_t generation);
// The admission the header check made, rebuilt from its head: the path
// parameters are matched again (no header is looked up).
Admission readmit(const http::Request& request, const AdmittedHead& head);

// A refusal as the server sends it without reading the body.
http::EarlyAnswer early_answer(const GatewayError& error, IngressFormat format, std::string request_id);

}  // namespace aisbf
