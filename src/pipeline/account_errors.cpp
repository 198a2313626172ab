#include "pipeline/account_errors.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/log_text.hpp"

namespace aisbf {

GatewayError coded_error(ErrorKind kind, std::string message, std::string code, std::string param) {
  auto e = make_error(kind, std::move(message));
  e.code = std::move(code);
  e.param = std::move(param);
  return e;
}

GatewayError conflict_error(std::string message) {
  auto e = coded_error(ErrorKind::invalid_request, std::move(message), "conflict");
  e.status = 409;
  return e;
}

GatewayError no_such_user(std::string_view username) {
  return coded_error(ErrorKind::not_found, fmt::format("no user named '{}'", username), "user_not_found");
}

GatewayError store_unavailable() {
  return coded_error(ErrorKind::unavailable, "the user store is unavailable; retry shortly", "store_unavailable");
}

GatewayError from_store_error(const store::StoreError& error, std::string_view what) {
  using Kind = store::StoreError::Kind;
  switch (error.kind) {
    case Kind::unavailable:
      spdlog::warn("store unavailable ({}): {}", what, log_text(error.message));
      return store_unavailable();
    case Kind::conflict: return conflict_error(fmt::format("{} exists already", what));
    case Kind::not_found: return coded_error(ErrorKind::not_found, fmt::format("no such {}", what), "not_found");
    case Kind::invalid: return coded_error(ErrorKind::invalid_request, fmt::format("invalid {}", what), "invalid_value");
    case Kind::schema_too_new:
    case Kind::internal: break;
  }
  spdlog::error("store error ({}): {}", what, log_text(error.message));
  return coded_error(ErrorKind::internal, "internal error in the user store", "internal_error");
}

}  // namespace aisbf
