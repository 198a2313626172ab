// The errors the account routes and the pending-credential path answer with.
#pragma once

#include <string>

#include "core/gateway_error.hpp"
#include "store/store.hpp"

namespace aisbf {

GatewayError coded_error(ErrorKind kind, std::string message, std::string code, std::string param = {});
// 409 conflict.
GatewayError conflict_error(std::string message);
// 404 user_not_found.
GatewayError no_such_user(std::string_view username);
// 503 store_unavailable: the database cannot be reached (or there is none).
GatewayError store_unavailable();
// A store failure as clients see it: unavailable → 503, conflict → 409,
// not_found → 404, invalid → 400, anything else → 500 (the message is logged, not sent).
GatewayError from_store_error(const store::StoreError& error, std::string_view what);

}  // namespace aisbf
