#include "context/condense.hpp"

namespace aisbf::context {

std::string_view condense_method_name(CondenseMethod method) {
  return kCondenseMethodNames[static_cast<std::size_t>(method)];
}

std::optional<CondenseMethod> condense_method_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kCondenseMethodNames.size(); ++i) {
    if (kCondenseMethodNames[i] == name) return static_cast<CondenseMethod>(i);
  }
  return std::nullopt;
}

}  // namespace aisbf::context
