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
#include "auth/request_auth.hpp"
#include "config/config.hpp"
#include "core/gateway_error.hpp"
#include "http/exchange.hpp"
#include "pipeline/ingress.hpp"

namespace aisbf {

namespace auth {
class AccountIndex;
}
struct Route;

struct Admission {
  const Route* route = nullptr;  // set when admitted
  api::RouteMatch match;         // path parameters, decoded
  auth::Principal principal;
  int token_index = -1;  // auth.tokens index when the principal is a global token
  IngressFormat format = IngressFormat::openai_chat;  // of the route, for its errors
  std::optional<GatewayError> refusal;  // 400, 401, 403, 404, 405 or 415
  // A user token or session cookie the index does not know (made by another
  // instance): the head passes with the small body limit, and the handler
  // asks the store (settle_pending) before the route's policy applies.
  auth::Pending pending = auth::Pending::none;
  // An MCP route called with one of aisbf.json's mcp tokens: admitted
  // without a gateway principal (the handler reads the token's level).
  bool mcp_token = false;
};

// In this order: route match, Host (on a loopback listener), for an MCP
// route mcp.enabled (404 when off), its Origin and its own tokens, credentials and
// the route's policy, a session's pending password change (403
// password_change_required but on me, logout and the password change),
// path escapes, 404/405, then for a state-changing route the Origin, and
// the body's content type. `accounts`: users' tokens and
// sessions (none: only global tokens are known). A session-authenticated
// POST/PUT/PATCH/DELETE needs X-CSRF-Token (403 csrf_token_invalid).
Admission admit(const http::Request& request, const Config& config, bool loopback_only,
                auth::AccountIndex* accounts = nullptr);

// The route's policy for the principal, then CSRF for a session (the tail of
// admit(), again once a pending credential is settled).
std::optional<GatewayError> check_principal(const http::Request& request, const Route& route,
                                            const auth::Principal& principal, std::string_view csrf_token,
                                            bool auth_enabled);

// What the header check hands the handler (Exchange::prelude()) so that it
// need not look the headers up again: small enough for std::any to hold
// without allocating. Valid for the snapshot generation it was made on.
struct AdmittedHead {
  // kUser: a user token or session; its principal waits in a per-thread slot
  // (token_index is the slot's sequence number), so the handler does not
  // look the credential up again.
  static constexpr std::uint8_t kAnonymous = 0, kGlobalToken = 1, kUser = 2;
  std::uint32_t generation = 0;  // low bits of App's snapshot generation
  std::uint16_t route = 0;       // index in route_table()
  std::uint8_t principal = kAnonymous;
  std::uint8_t token_index = 0;  // auth.tokens[token_index] for kGlobalToken
};
static_assert(sizeof(AdmittedHead) <= sizeof(void*), "std::any must hold it in place");

// nullopt when refused or pending. Without `request` a user's principal
// cannot be carried (nullopt); with it, it is parked for readmit().
std::optional<AdmittedHead> admitted_head(Admission& admission, std::uint64_t generation,
                                          const http::Request* request = nullptr);
// The admission the header check made, rebuilt from its head: the path
// parameters are matched again (no header is looked up). route == nullptr
// when a user's parked principal is gone (admit() again).
Admission readmit(const http::Request& request, const AdmittedHead& head);

// A refusal as the server sends it without reading the body.
http::EarlyAnswer early_answer(const GatewayError& error, IngressFormat format, std::string request_id);

}  // namespace aisbf
