// The local condensation methods. (Their bodies come in the next step of
// issue 10; until then no method removes anything and the caller moves on.)
#include "context/condense.hpp"

namespace aisbf::context {

std::optional<ChatRequest> condense_locally(CondenseMethod, const ChatRequest&, const CondenseGoal&,
                                            const TokenCounter&) {
  return std::nullopt;
}

}  // namespace aisbf::context
