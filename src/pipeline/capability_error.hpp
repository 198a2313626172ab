// The 400 a request gets when none of the models that may serve it declares
// a capability it uses (tools, images): a rotation's candidates, or an
// autoselect's. One wording and one code (`unsupported_capability`) for
// both, so that a client sees the same error whichever door it used.
#pragma once

#include <string_view>

#include "core/gateway_error.hpp"
#include "routing/rotation.hpp"

namespace aisbf {

// `who`: the models asked, e.g. "model of rotation 'x'" ("no {who} declares …").
GatewayError unsupported_capability(std::string_view who, const routing::RequestNeeds& needs);

// The 400 for a model that cannot do an operation at all (embeddings by an
// Anthropic model): "model '{model}' cannot {operation}: {why}", code
// `unsupported_operation`, param `model`.
GatewayError unsupported_operation(std::string_view model, std::string_view operation, std::string_view why);

}  // namespace aisbf
