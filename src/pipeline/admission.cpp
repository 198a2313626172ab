#include "pipeline/admission.hpp"

#include <array>

#include <boost/beast/http/field.hpp>
#include <fmt/format.h>

#include "api/cors.hpp"
#include "api/openai/multipart_form.hpp"
#include "auth/host_check.hpp"
#include "auth/policy.hpp"
#include "auth/request_auth.hpp"
#include "auth/token_auth.hpp"
#include "mcp/access.hpp"
#include "pipeline/route_table.hpp"

namespace aisbf {

namespace {

namespace bhttp = boost::beast::http;
using Outcome = api::RouteMatch::Outcome;

bool is_json_content_type(std::string_view ct) {
  auto type = ct.substr(0, ct.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  constexpr std::string_view kJson = "application/json";
  if (type.size() != kJson.size()) return false;
  for (std::size_t i = 0; i < type.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(type[i])) != kJson[i]) return false;
  }
  return true;
}

// Judged from the head: a Content-Length above zero or any Transfer-Encoding.
bool has_body(const http::Request& req) {
  auto length = std::string_view(req[bhttp::field::content_length]);
  return (!length.empty() && length.find_first_not_of('0') != std::string_view::npos) ||
         !req[bhttp::field::transfer_encoding].empty();
}

GatewayError unauthenticated(auth::Credential credential) {
  return make_error(ErrorKind::unauthorized,
                    credential == auth::Credential::absent
                        ? "missing gateway token: send 'Authorization: Bearer <token>'"
                        : "invalid gateway token",
                    "invalid_api_key");
}

std::optional<GatewayError> judge(auth::AuthPolicy policy, const auth::Principal& principal,
                                  auth::Credential credential, bool auth_enabled) {
  switch (auth::check_policy(policy, principal, auth_enabled)) {
    case auth::PolicyVerdict::allow: return std::nullopt;
    case auth::PolicyVerdict::unauthenticated: return unauthenticated(credential);
    case auth::PolicyVerdict::forbidden:
      return make_error(ErrorKind::forbidden, fmt::format("this route needs the {} policy", auth::policy_name(policy)),
                        "insufficient_permissions");
  }
  return std::nullopt;
}

// A session whose password must change first (a generated or admin-set
// one) may call only what the dashboard's change-password page needs.
std::optional<GatewayError> check_password_change(const api::RouteSpec& spec, const auth::Principal& principal) {
  if (!principal.password_change_required || principal.kind != auth::PrincipalKind::session ||
      spec.policy == auth::AuthPolicy::public_route)
    return std::nullopt;
  if (spec.name == "auth_me" || spec.name == "auth_logout" || spec.name == "user_password") return std::nullopt;
  return make_error(ErrorKind::forbidden,
                    "change your password first: PATCH /api/user/password (the dashboard asks for it at login)",
                    "password_change_required");
}

std::optional<GatewayError> check_csrf(const http::Request& req, const api::RouteSpec& spec,
                                       const auth::Principal& principal, std::string_view csrf_token) {
  if (principal.kind != auth::PrincipalKind::session || spec.policy == auth::AuthPolicy::public_route ||
      !auth::is_state_changing_method(std::string_view(req.method_string())))
    return std::nullopt;
  if (auth::csrf_matches(csrf_token, std::string_view(req[auth::kCsrfHeader]))) return std::nullopt;
  return make_error(ErrorKind::forbidden, "a dashboard session must send its X-CSRF-Token on state-changing requests",
                    "csrf_token_invalid");
}

std::optional<GatewayError> check_caller(const http::Request& req, const Config& config, const api::RouteSpec* spec,
                                         auth::AccountIndex* accounts, Admission& out) {
  if (out.mcp_token) return std::nullopt;  // MCP's own token: its level is the handler's business
  auth::RequestAuth authn;
  if (config.auth.enabled || accounts != nullptr) {  // off and no users: anonymous, no header looked up
    const bool anthropic = out.format == IngressFormat::anthropic_messages;
    // Anthropic clients send their key as x-api-key.
    const auth::Credentials credentials{std::string_view(req[bhttp::field::authorization]),
                                        anthropic ? std::string_view(req["x-api-key"]) : std::string_view{}};
    const auto now = accounts != nullptr ? auth::unix_now_ms() : 0;
    auth::authenticate_bearer(config.auth, credentials, accounts, now, authn);
    if (authn.credential == auth::Credential::absent && authn.pending == auth::Pending::none)
      auth::authenticate_cookie(std::string_view(req[bhttp::field::cookie]), accounts, now, authn);
  }
  out.principal = std::move(authn.principal);
  out.token_index = authn.token_index;
  const bool matched = spec != nullptr && out.match.outcome == Outcome::matched;
  // A path no route serves still asks for a token first: it says nothing of the routes.
  const auto policy = matched ? spec->policy : auth::AuthPolicy::gateway_token;
  if (authn.pending != auth::Pending::none && policy != auth::AuthPolicy::public_route) {
    out.pending = authn.pending;  // judged by the handler once the store answered
    return std::nullopt;
  }
  if (auto refusal = judge(policy, out.principal, authn.credential, config.auth.enabled)) return refusal;
  if (!matched) return std::nullopt;
  if (auto refusal = check_password_change(*spec, out.principal)) return refusal;
  return check_csrf(req, *spec, out.principal, authn.csrf_token);
}

std::optional<GatewayError> check_route(const http::Request& req, const Admission& out) {
  if (out.match.bad_escape)
    return make_error(ErrorKind::invalid_request, "invalid percent-escape in the path", "invalid_path");
  if (out.match.outcome == Outcome::method_not_allowed) {
    auto e = make_error(ErrorKind::invalid_request, "method not allowed on this route", "method_not_allowed");
    e.status = 405;
    return e;
  }
  if (out.match.outcome == Outcome::not_found) {
    return make_error(
        ErrorKind::not_found,
        fmt::format("no route for {} {}", std::string_view(req.method_string()), std::string_view(req.target())),
        "not_found");
  }
  return std::nullopt;
}

std::optional<GatewayError> check_body(const http::Request& req, const Config& config, const api::RouteSpec& spec,
                                       bool loopback_only) {
  if (spec.state_changing) {
    const auth::SiteRules rules{loopback_only, config.server.allowed_hosts};
    const auto origin = std::string_view(req[bhttp::field::origin]);
    // A model API route (DELETE /v1/responses/{id}) also from a listed
    // origin: it takes a bearer token, never the session cookie alone.
    const bool listed = api::cors_route(spec) && auth::is_listed_origin(origin, config.server.cors_origins);
    if (!listed && !auth::is_same_site_origin(origin, std::string_view(req[bhttp::field::host]), rules))
      return make_error(ErrorKind::forbidden, "cross-site request refused: the Origin is not this gateway",
                        "cross_site_request");
  }
  if (spec.body == api::BodyRule::multipart) {
    if (api::is_multipart_form(std::string_view(req[bhttp::field::content_type]))) return std::nullopt;
    return make_error(ErrorKind::unsupported_media, "request body must be sent as Content-Type: multipart/form-data",
                      "unsupported_media_type");
  }
  const bool need_json = spec.body == api::BodyRule::json ||
                         ((spec.body == api::BodyRule::json_if_sent || spec.state_changing) && has_body(req));
  if (need_json && !is_json_content_type(std::string_view(req[bhttp::field::content_type]))) {
    return make_error(ErrorKind::unsupported_media, "request body must be sent as Content-Type: application/json",
                      "unsupported_media_type");
  }
  return std::nullopt;
}

// MCP's routes (Streamable HTTP and AISBF's conveniences): absent while
// mcp.enabled is off; a browser page may reach them only from the
// gateway's own origin or one of server.cors_origins (DNS rebinding: a
// local MCP server is a classic target); an mcp token admits by itself.
std::optional<GatewayError> check_mcp(const http::Request& req, const Config& config, bool loopback_only,
                                      Admission& out) {
  if (!config.mcp.enabled) {
    return make_error(
        ErrorKind::not_found,
        fmt::format("no route for {} {}", std::string_view(req.method_string()), std::string_view(req.target())),
        "not_found");
  }
  const auto origin = std::string_view(req[bhttp::field::origin]);
  const auth::SiteRules rules{loopback_only, config.server.allowed_hosts};
  if (!origin.empty() && !auth::is_same_site_origin(origin, std::string_view(req[bhttp::field::host]), rules) &&
      !auth::is_listed_origin(origin, config.server.cors_origins)) {
    return make_error(ErrorKind::forbidden,
                      "cross-site request refused: the Origin is neither this gateway nor one of server.cors_origins",
                      "cross_site_request");
  }
  const auto token = auth::bearer_token(std::string_view(req[bhttp::field::authorization]));
  out.mcp_token = mcp::token_level(config.mcp, token) != mcp::Level::none;
  return std::nullopt;
}

// The model routes answer in Anthropic's shape to a request carrying
// `anthropic-version` (the Anthropic SDK's models.list()/retrieve()), which
// sends its key as x-api-key and reads Anthropic's errors.
IngressFormat route_format(const Route& route, const http::Request& req) {
  if (route.spec.format == api::ClientFormat::openai_or_anthropic && !req["anthropic-version"].empty()) {
    return IngressFormat::anthropic_messages;
  }
  return ingress_format(route.spec.format);
}

}  // namespace

Admission admit(const http::Request& req, const Config& config, bool loopback_only, auth::AccountIndex* accounts) {
  Admission out;
  out.match = route_matcher().match(std::string_view(req.method_string()), std::string_view(req.target()));
  const auto routes = route_table();
  const Route* route = out.match.outcome == Outcome::not_found ? nullptr : &routes[out.match.route];
  if (route != nullptr) out.format = route_format(*route, req);

  // DNS rebinding: a page on another origin must not reach a loopback gateway.
  // The ACME challenge answer is public by design and the CA names the
  // domain in Host (a loopback listener behind a port forward or a proxy).
  const bool any_host = route != nullptr && route->spec.name == "acme_challenge";
  if (loopback_only && !any_host &&
      !auth::is_allowed_loopback_host(std::string_view(req[bhttp::field::host]), config.server.allowed_hosts)) {
    out.refusal = make_error(ErrorKind::forbidden, "Host header does not name a loopback address", "invalid_host");
    return out;
  }
  if (route != nullptr && route->spec.policy == auth::AuthPolicy::mcp &&
      (out.refusal = check_mcp(req, config, loopback_only, out)))
    return out;
  if ((out.refusal = check_caller(req, config, route ? &route->spec : nullptr, accounts, out))) return out;
  if ((out.refusal = check_route(req, out))) return out;
  if ((out.refusal = check_body(req, config, route->spec, loopback_only))) return out;
  out.route = route;
  return out;
}

std::optional<GatewayError> check_principal(const http::Request& req, const Route& route,
                                            const auth::Principal& principal, std::string_view csrf_token,
                                            bool auth_enabled) {
  const auto credential = principal.authenticated() ? auth::Credential::accepted : auth::Credential::rejected;
  if (auto refusal = judge(route.spec.policy, principal, credential, auth_enabled)) return refusal;
  if (auto refusal = check_password_change(route.spec, principal)) return refusal;
  return check_csrf(req, route.spec, principal, csrf_token);
}

namespace {

// A user's principal between the header check and the handler, which run on
// the same worker thread with the body read in between (other requests'
// checks may run meanwhile). The principal carries the user's and the
// token's quotas, so handing a request another's would charge (or spare)
// the wrong budget. Why readmit() cannot:
//
//  1. Each worker runs its own io_context on one thread (http/server.cpp),
//     and a connection's session coroutine never leaves it: the check and
//     the handler of one request read the same thread's lot.
//  2. A slot is keyed by the request target's address. Beast keeps the
//     target in the header's own allocation, which the parser's release()
//     moves without copying and nothing rewrites before the handler
//     (http/session.cpp serve_one): the address is the same at both ends,
//     and no two live requests share it.
//  3. Request R parks itself in slot seq % 16, which it then reads. Any
//     later writer W of that slot parked while R was alive (R's handler has
//     not run), so W's target is another address: R sees a foreign slot as
//     such and admits again from its own headers. What a dead request left
//     behind (closed before its handler) is overwritten by R's own park.
//
// The 8-bit seq is a second check, not the proof: a wrapped seq still
// needs (2) to fail. admission_test.cpp and tests/integration/
// auth_path.test.mjs interleave users' requests to keep it so.
struct ParkedPrincipal {
  const char* target = nullptr;
  std::uint8_t seq = 0;
  auth::Principal principal;
};
struct ParkingLot {
  std::array<ParkedPrincipal, 16> slots;
  std::uint8_t next = 0;
};
thread_local ParkingLot t_parked;

}  // namespace

std::optional<AdmittedHead> admitted_head(Admission& admission, std::uint64_t generation,
                                          const http::Request* request) {
  if (admission.route == nullptr || admission.pending != auth::Pending::none) return std::nullopt;
  AdmittedHead head;
  head.generation = static_cast<std::uint32_t>(generation);
  head.route = static_cast<std::uint16_t>(admission.match.route);
  auto& p = admission.principal;
  if (p.kind == auth::PrincipalKind::global_token) {
    if (admission.token_index < 0 || admission.token_index > 255) return std::nullopt;
    head.principal = AdmittedHead::kGlobalToken;
    head.token_index = static_cast<std::uint8_t>(admission.token_index);
  } else if (p.kind != auth::PrincipalKind::anonymous) {
    if (request == nullptr) return std::nullopt;
    const std::uint8_t seq = t_parked.next++;
    auto& slot = t_parked.slots[seq % t_parked.slots.size()];
    slot.target = request->target().data();
    slot.seq = seq;
    slot.principal = std::move(p);
    head.principal = AdmittedHead::kUser;
    head.token_index = seq;
  }
  return head;
}

Admission readmit(const http::Request& req, const AdmittedHead& head) {
  Admission out;
  if (head.principal == AdmittedHead::kUser) {
    auto& slot = t_parked.slots[head.token_index % t_parked.slots.size()];
    if (slot.target != req.target().data() || slot.seq != head.token_index) return out;  // taken since
    out.principal = std::move(slot.principal);
    slot.target = nullptr;
  } else if (head.principal == AdmittedHead::kGlobalToken) {
    out.principal = auth::global_token_principal(head.token_index);
  }
  // Only the admitted route's parameters are read again: the route itself
  // was found by the header check (a second full match cost ~400
  // instructions on every request).
  out.match = route_matcher().match_at(head.route, std::string_view(req.target()));
  if (out.match.outcome != api::RouteMatch::Outcome::matched)  // cannot happen: the same target
    out.match = route_matcher().match(std::string_view(req.method_string()), std::string_view(req.target()));
  out.route = &route_table()[head.route];
  out.format = route_format(*out.route, req);
  return out;
}

http::EarlyAnswer early_answer(const GatewayError& error, IngressFormat format, std::string request_id) {
  http::EarlyAnswer answer;
  answer.status = error.status;
  answer.body = ingress_codec(format).encode_error(error);
  answer.headers.emplace_back("x-request-id", std::move(request_id));
  if (error.retry_after) answer.headers.emplace_back("Retry-After", *error.retry_after);
  return answer;
}

}  // namespace aisbf
