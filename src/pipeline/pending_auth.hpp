// A user token or session cookie the AccountIndex does not hold (made by
// another instance, or a session from before a restart): asked of the store
// on the DbPool, put in the index, then judged as admit() would have.
#pragma once

#include <optional>

#include <boost/asio/awaitable.hpp>

#include "core/gateway_error.hpp"
#include "pipeline/admission.hpp"

namespace aisbf {

class Accounts;

// Sets admission.principal; the refusal (401, 403, 503 store_unavailable) or nullopt.
boost::asio::awaitable<std::optional<GatewayError>> settle_pending(Accounts* accounts, const http::Request& request,
                                                                   Admission& admission, bool auth_enabled);

}  // namespace aisbf
