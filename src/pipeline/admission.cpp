#include "pipeline/admission.hpp"

#include <boost/beast/http/field.hpp>
#include <fmt/format.h>

#include "auth/host_check.hpp"
#include "auth/policy.hpp"
#include "auth/token_auth.hpp"
#include "pipeline/route_table.hpp"

namespace aisbf {

namespace {

namespace bhttp = boost::beast::http;
using Outcome = api::RouteMatch::Outcome;

GatewayError coded(ErrorKind kind, std::string message, std::string code) {
  auto e = make_error(kind, std::move(message));
  e.code = std::move(code);
  return e;
}

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

std::optional<GatewayError> check_caller(const http::Request& req, const Config& config, const api::RouteSpec* spec,
                                         Admission& out) {
  auth::Authentication authn;
  if (config.auth.enabled) {  // off: anonymous, and no header to look up
    const bool anthropic = out.format == IngressFormat::anthropic_messages;
    // Anthropic clients send their key as x-api-key.
    authn = auth::authenticate(config.auth, {std::string_view(req[bhttp::field::authorization]),
                                             anthropic ? std::string_view(req["x-api-key"]) : std::string_view{}});
    out.principal = std::move(authn.principal);
    out.token_index = authn.token_index;
  }
  // A path no route serves still asks for a token first: it says nothing of the routes.
  const auto policy = spec != nullptr && out.match.outcome == Outcome::matched ? spec->policy
                                                                                : auth::AuthPolicy::gateway_token;
  switch (auth::check_policy(policy, out.principal, config.auth.enabled)) {
    case auth::PolicyVerdict::allow: return std::nullopt;
    case auth::PolicyVerdict::unauthenticated:
      return coded(ErrorKind::unauthorized,
                   authn.credential == auth::Credential::absent
                       ? "missing gateway token: send 'Authorization: Bearer <token>'"
                       : "invalid gateway token",
                   "invalid_api_key");
    case auth::PolicyVerdict::forbidden:
      return coded(ErrorKind::forbidden, fmt::format("this route needs the {} policy", auth::policy_name(policy)),
                   "insufficient_permissions");
  }
  return std::nullopt;
}

std::optional<GatewayError> check_route(const http::Request& req, const Admission& out) {
  if (out.match.bad_escape)
    return coded(ErrorKind::invalid_request, "invalid percent-escape in the path", "invalid_path");
  if (out.match.outcome == Outcome::method_not_allowed) {
    auto e = coded(ErrorKind::invalid_request, "method not allowed on this route", "method_not_allowed");
    e.status = 405;
    return e;
  }
  if (out.match.outcome == Outcome::not_found) {
    return coded(ErrorKind::not_found,
                 fmt::format("no route for {} {}", std::string_view(req.method_string()), std::string_view(req.target())),
                 "not_found");
  }
  return std::nullopt;
}

std::optional<GatewayError> check_body(const http::Request& req, const Config& config, const api::RouteSpec& spec,
                                       bool loopback_only) {
  if (spec.state_changing) {
    const auth::SiteRules rules{loopback_only, config.server.allowed_hosts};
    if (!auth::is_same_site_origin(std::string_view(req[bhttp::field::origin]), std::string_view(req[bhttp::field::host]),
                                   rules))
      return coded(ErrorKind::forbidden, "cross-site request refused: the Origin is not this gateway", "cross_site_request");
  }
  const bool need_json = spec.body == api::BodyRule::json ||
                         ((spec.body == api::BodyRule::json_if_sent || spec.state_changing) && has_body(req));
  if (need_json && !is_json_content_type(std::string_view(req[bhttp::field::content_type]))) {
    return coded(ErrorKind::unsupported_media, "request body must be sent as Content-Type: application/json",
                 "unsupported_media_type");
  }
  return std::nullopt;
}

}  // namespace

Admission admit(const http::Request& req, const Config& config, bool loopback_only) {
  Admission out;
  out.match = route_matcher().match(std::string_view(req.method_string()), std::string_view(req.target()));
  const auto routes = route_table();
  const Route* route = out.match.outcome == Outcome::not_found ? nullptr : &routes[out.match.route];
  if (route != nullptr) out.format = ingress_format(route->spec.format);

  // DNS rebinding: a page on another origin must not reach a loopback gateway.
  if (loopback_only &&
      !auth::is_allowed_loopback_host(std::string_view(req[bhttp::field::host]), config.server.allowed_hosts)) {
    out.refusal = coded(ErrorKind::forbidden, "Host header does not name a loopback address", "invalid_host");
    return out;
  }
  if ((out.refusal = check_caller(req, config, route ? &route->spec : nullptr, out))) return out;
  if ((out.refusal = check_route(req, out))) return out;
  if ((out.refusal = check_body(req, config, route->spec, loopback_only))) return out;
  out.route = route;
  return out;
}

std::optional<AdmittedHead> admitted_head(const Admission& admission, std::uint64_t generation) {
  if (admission.route == nullptr) return std::nullopt;
  AdmittedHead head;
  head.generation = static_cast<std::uint32_t>(generation);
  head.route = static_cast<std::uint16_t>(admission.match.route);
  const auto& p = admission.principal;
  if (p.kind == auth::PrincipalKind::global_token) {
    if (admission.token_index < 0 || admission.token_index > 255) return std::nullopt;
    head.principal = AdmittedHead::kGlobalToken;
    head.token_index = static_cast<std::uint8_t>(admission.token_index);
  } else if (p.kind != auth::PrincipalKind::anonymous) {
    return std::nullopt;  // users and sessions: admit() again
  }
  return head;
}

Admission readmit(const http::Request& req, const AdmittedHead& head) {
  Admission out;
  // Only the admitted route's parameters are read again: the route itself
  // was found by the header check (a second full match cost ~400
  // instructions on every request).
  out.match = route_matcher().match_at(head.route, std::string_view(req.target()));
  if (out.match.outcome != api::RouteMatch::Outcome::matched)  // cannot happen: the same target
    out.match = route_matcher().match(std::string_view(req.method_string()), std::string_view(req.target()));
  out.route = &route_table()[head.route];
  out.format = ingress_format(out.route->spec.format);
  if (head.principal == AdmittedHead::kGlobalToken) out.principal = auth::global_token_principal(head.token_index);
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
