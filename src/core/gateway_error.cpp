#include "core/gateway_error.hpp"

#include <fmt/format.h>

namespace aisbf {

namespace {

struct KindInfo {
  int status;
  bool retryable;
  std::string_view name;
};

KindInfo info(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid_request: return {400, false, "invalid_request"};
    case ErrorKind::unauthorized: return {401, false, "unauthorized"};
    case ErrorKind::forbidden: return {403, false, "forbidden"};
    case ErrorKind::not_found: return {404, false, "not_found"};
    case ErrorKind::payload_too_large: return {413, false, "payload_too_large"};
    case ErrorKind::unsupported_media: return {415, false, "unsupported_media"};
    case ErrorKind::rate_limited: return {429, true, "rate_limited"};
    case ErrorKind::unsupported: return {501, false, "unsupported"};
    case ErrorKind::upstream_status: return {502, true, "upstream_status"};
    case ErrorKind::upstream_auth: return {502, true, "upstream_auth"};
    case ErrorKind::upstream_unreachable: return {502, true, "upstream_unreachable"};
    case ErrorKind::upstream_timeout: return {504, true, "upstream_timeout"};
    case ErrorKind::upstream_protocol: return {502, true, "upstream_protocol"};
    case ErrorKind::unavailable: return {503, false, "unavailable"};
    case ErrorKind::internal: return {500, false, "internal"};
  }
  return {500, false, "internal"};
}

}  // namespace

GatewayError make_error(ErrorKind kind, std::string message) {
  auto i = info(kind);
  GatewayError e;
  e.kind = kind;
  e.status = i.status;
  e.retryable = i.retryable;
  e.message = std::move(message);
  return e;
}

GatewayError make_error(ErrorKind kind, std::string message, std::string code, std::string param) {
  auto e = make_error(kind, std::move(message));
  e.code = std::move(code);
  e.param = std::move(param);
  return e;
}

GatewayError upstream_error(int status, std::string_view provider_id, std::string message) {
  if (status == 401 || status == 403) {
    auto e = make_error(ErrorKind::upstream_auth,
                        fmt::format("provider '{}' rejected the gateway's credentials (upstream status {})",
                                    provider_id, status));
    e.code = "upstream_auth_failed";
    return e;
  }
  auto e = make_error(ErrorKind::upstream_status, std::move(message));
  if (status == 429) {
    e.kind = ErrorKind::rate_limited;
    e.status = 429;
    e.retryable = true;
  } else if (status >= 500) {
    e.status = status == 500 || status == 503 || status == 504 ? status : 502;
    e.retryable = true;
  } else if (status == 408) {
    e.status = 408;
    e.retryable = true;
  } else if (status == 404) {
    e.status = 404;
    e.retryable = true;  // this upstream lacks the model or the route; another may have it
  } else if (status >= 400) {
    e.status = status;  // the caller's request was wrong: another upstream would say the same
    e.retryable = false;
  }
  return e;
}

std::string_view error_kind_name(ErrorKind kind) { return info(kind).name; }

}  // namespace aisbf
