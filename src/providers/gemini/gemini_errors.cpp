// Google RPC error bodies → GatewayError (PROTOCOLS.md §3.6).
#include <fmt/format.h>

#include <cmath>

#include "providers/gemini/gemini_adapter.hpp"
#include "providers/gemini/gemini_wire.hpp"

namespace aisbf::gemini {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// "17s", "0.5s" → whole seconds, rounded up ("17", "1").
std::optional<std::string> retry_seconds(std::string_view delay) {
  if (!ends_with(delay, "s") || delay.size() < 2 || delay.size() > 24) return std::nullopt;
  delay.remove_suffix(1);
  double seconds = 0, scale = 0;
  for (char c : delay) {
    if (c == '.' && scale == 0) {
      scale = 1;
    } else if (c >= '0' && c <= '9') {
      if (scale == 0) {
        seconds = seconds * 10 + (c - '0');
      } else {
        scale /= 10;
        seconds += (c - '0') * scale;
      }
    } else {
      return std::nullopt;
    }
  }
  return fmt::format("{}", static_cast<long long>(std::ceil(seconds)));
}

void read_details(const json::array& details, RpcError& out) {
  for (const auto& entry : details) {
    const auto* detail = entry.if_object();
    if (detail == nullptr) continue;
    std::string type = string_member(*detail, "@type");
    if (ends_with(type, "google.rpc.ErrorInfo") && out.reason.empty()) {
      out.reason = string_member(*detail, "reason");
    } else if (ends_with(type, "google.rpc.RetryInfo")) {
      out.retry_after = retry_seconds(string_member(*detail, "retryDelay"));
    }
  }
}

// The HTTP status that goes with a canonical RPC status, for errors that
// arrive without a `code` (inside a stream).
int status_code(std::string_view status) {
  if (status == "INVALID_ARGUMENT" || status == "FAILED_PRECONDITION" || status == "OUT_OF_RANGE") return 400;
  if (status == "UNAUTHENTICATED") return 401;
  if (status == "PERMISSION_DENIED") return 403;
  if (status == "NOT_FOUND") return 404;
  if (status == "RESOURCE_EXHAUSTED") return 429;
  if (status == "UNAVAILABLE") return 503;
  if (status == "DEADLINE_EXCEEDED") return 504;
  return 500;
}

bool is_key_problem(const RpcError& error, int status) {
  return status == 401 || status == 403 || error.status == "UNAUTHENTICATED" || error.status == "PERMISSION_DENIED" ||
         error.reason == "API_KEY_INVALID" || error.reason == "API_KEY_EXPIRED" ||
         error.reason == "API_KEY_SERVICE_BLOCKED";
}

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

}  // namespace

std::optional<RpcError> read_rpc_error(const json::value& root) {
  const json::value* doc = &root;
  // The stream endpoint without alt=sse answers a JSON array.
  if (const auto* array = root.if_array(); array != nullptr && !array->empty()) doc = &array->front();
  const auto* object = doc->if_object();
  const json::value* error = object != nullptr ? object->if_contains("error") : nullptr;
  if (error == nullptr || error->is_null()) return std::nullopt;
  RpcError out;
  if (const auto* e = error->if_object()) {
    out.code = static_cast<int>(optional_int_member(*e, "code").value_or(0));
    out.message = string_member(*e, "message");
    out.status = string_member(*e, "status");
    if (const auto* details = array_member(*e, "details")) read_details(*details, out);
  } else if (error->is_string()) {
    out.message = std::string(error->get_string());
  }
  return out;
}

GatewayError rpc_error_to_gateway(const RpcError& error, int http_status, std::string_view provider_id) {
  std::string_view provider = provider_id.empty() ? std::string_view("google") : provider_id;
  int status = http_status > 0 ? http_status : (error.status.empty() ? 0 : status_code(error.status));
  if (status < 100 || status > 599) status = 500;
  // An invalid key is a 400 INVALID_ARGUMENT with reason API_KEY_INVALID: the
  // gateway's problem, not the caller's, and never shown.
  if (is_key_problem(error, status)) return upstream_error(status == 403 ? 403 : 401, provider, {});
  std::string message = error.message.empty() ? std::string("no message") : excerpt(error.message, 1000);
  std::string text = error.status.empty()
                         ? fmt::format("provider '{}' answered {}: {}", provider, status, message)
                         : fmt::format("provider '{}' answered {} {}: {}", provider, status, error.status, message);
  GatewayError e;
  if (error.status == "FAILED_PRECONDITION") {
    // Billing or region of the provider's account: another candidate may work.
    e = make_error(ErrorKind::upstream_status, std::move(text));
  } else {
    e = upstream_error(status, provider, std::move(text));
  }
  if (status == 429) e.retry_after = error.retry_after;
  e.code = error.status.empty() ? "upstream_error" : lower(error.status);
  return e;
}

GatewayError GeminiAdapter::classify_error(int status, std::string_view body, const UpstreamTarget& target) const {
  if (auto parsed = parse_json(body, "error")) {
    if (auto error = read_rpc_error(*parsed)) return rpc_error_to_gateway(*error, status, target.provider_id);
  }
  if (status == 401 || status == 403) return upstream_error(status, target.provider_id, {});
  std::string text = body.empty() ? std::string("(empty body)") : excerpt(body, 300);
  auto e = upstream_error(status, target.provider_id,
                          fmt::format("provider '{}' answered {}: {}", target.provider_id, status, text));
  e.code = "upstream_error";
  return e;
}

}  // namespace aisbf::gemini
