// Anthropic error answers → GatewayError (PROTOCOLS.md §2.7): the HTTP
// status decides when there is one; inside a 200 answer or a stream the
// error `type` stands in for it.
#include <fmt/format.h>

#include "providers/anthropic/anthropic_adapter.hpp"
#include "providers/anthropic/anthropic_wire.hpp"

namespace aisbf::anthropic {

namespace json = boost::json;

namespace {

using namespace wire;

// The HTTP status that goes with an error type (§2.7); 0 when unknown.
int status_of_type(std::string_view type) {
  struct Entry {
    std::string_view type;
    int status;
  };
  static constexpr Entry kTable[] = {
      {"invalid_request_error", 400}, {"authentication_error", 401},
      {"billing_error", 402},         {"permission_error", 403},
      {"not_found_error", 404},       {"request_too_large", 413},
      {"rate_limit_error", 429},      {"api_error", 500},
      {"timeout_error", 504},         {"overloaded_error", 529},
  };
  for (const auto& entry : kTable)
    if (entry.type == type) return entry.status;
  return 0;
}

constexpr int kOverloaded = 529;  // Anthropic's own status for overloaded_error

}  // namespace

namespace wire {

GatewayError error_from_object(int status, const json::object& error, std::string_view provider_id) {
  std::string type = string_member(error, "type");
  std::string message = string_member(error, "message");
  if (status == 0) status = status_of_type(type);
  if (status == 0) status = 502;  // an unknown type inside a 200: the upstream failed somehow
  if (message.empty()) message = type.empty() ? "upstream reported an error" : type;

  std::string text = provider_id.empty()
                         ? fmt::format("upstream error ({}): {}", type.empty() ? "unknown" : type, message)
                         : fmt::format("provider '{}' answered {}: {}", provider_id, status, message);
  GatewayError e;
  if (status == kOverloaded) {
    // Overloaded: another candidate (or a later try) may well succeed.
    e = make_error(ErrorKind::upstream_status, std::move(text));
    e.status = 503;
    e.retryable = true;
  } else if ((status == 401 || status == 403) && provider_id.empty()) {
    // Inside a stream there is no provider to name; the upstream's words stay out.
    e = make_error(ErrorKind::upstream_auth, "the upstream rejected the gateway's credentials");
  } else {
    e = upstream_error(status, provider_id, std::move(text));
  }
  if (e.kind != ErrorKind::upstream_auth) e.code = type.empty() ? "upstream_error" : type;
  return e;
}

}  // namespace wire

GatewayError AnthropicAdapter::classify_error(int status, std::string_view body, const UpstreamTarget& target) const {
  if (status == 401 || status == 403) return upstream_error(status, target.provider_id, {});
  auto parsed = parse_object(body, "error answer");
  if (parsed) {
    if (const auto* error = object_member(*parsed, "error"))
      return error_from_object(status, *error, target.provider_id);
  }
  // Not Anthropic-shaped (a proxy's page, Cloudflare's 413): quote a little of it.
  json::object synthetic{{"message", body.empty() ? std::string("(empty body)") : excerpt(body, 300)}};
  return error_from_object(status, synthetic, target.provider_id);
}

}  // namespace aisbf::anthropic
