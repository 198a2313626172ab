#include "pipeline/capability_error.hpp"

#include <fmt/format.h>

namespace aisbf {

GatewayError unsupported_capability(std::string_view who, const routing::RequestNeeds& needs) {
  auto e = make_error(ErrorKind::invalid_request,
                      fmt::format("no {} declares {} this request uses", who,
                                  needs.tools && needs.images ? "the tools and image capabilities"
                                  : needs.tools               ? "the tools capability (function_calling)"
                                                              : "the image capability (vision)"));
  e.code = "unsupported_capability";
  return e;
}

GatewayError unsupported_operation(std::string_view model, std::string_view operation, std::string_view why) {
  return make_error(ErrorKind::invalid_request, fmt::format("model '{}' cannot {}: {}", model, operation, why),
                    "unsupported_operation", "model");
}

}  // namespace aisbf
