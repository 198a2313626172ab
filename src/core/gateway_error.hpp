// GatewayError: a domain failure as a value. Every failure a client can see
// is one of these before an ingress codec renders it in the client's format.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace aisbf {

enum class ErrorKind {
  invalid_request,       // 400: malformed JSON, missing fields
  unauthorized,          // 401: no or wrong gateway token
  forbidden,             // 403
  not_found,             // 404: unknown route, provider or model
  payload_too_large,     // 413
  unsupported_media,     // 415
  rate_limited,          // 429 (ours or the upstream's)
  unsupported,           // 501: provider type not built yet
  upstream_status,       // an upstream answered with an error status
  upstream_auth,         // the upstream refused our key: 502, body withheld
  upstream_unreachable,  // connect / DNS / TLS failure: 502
  upstream_timeout,      // 504
  upstream_protocol,     // the upstream broke its protocol (bad framing, cut stream): 502
  unavailable,           // 503: shutting down, nothing left to try
  internal,              // 500: a bug of ours
};

struct GatewayError {
  ErrorKind kind = ErrorKind::internal;
  int status = 500;
  bool retryable = false;     // may another candidate succeed where this one failed?
  std::string message;
  std::string code;           // OpenAI `error.code`, empty → null
  std::string param;          // OpenAI `error.param`, empty → null
  std::optional<std::string> retry_after;  // Retry-After header value to pass on
  std::string attempts_json;  // a JSON array of failover attempts, added to the error object; empty: none
};

// The status and retryability that go with a kind; the message is the caller's.
GatewayError make_error(ErrorKind kind, std::string message);
// The same with the error's machine-readable `code` (and `param`).
GatewayError make_error(ErrorKind kind, std::string message, std::string code, std::string param = {});

// An error for an upstream that answered `status`: 401/403 become a 502 that
// names the provider (the upstream's body is never shown); 429, 5xx, 408 and
// 404 (this upstream lacks the model) are retryable elsewhere; other 4xx keep
// their status and are not.
GatewayError upstream_error(int status, std::string_view provider_id, std::string message);

std::string_view error_kind_name(ErrorKind kind);

}  // namespace aisbf
