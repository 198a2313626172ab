// condense_locally: the request counted once into a Conversation, the method
// run on it, the result built only when something changed.
#include <array>

#include "context/condense.hpp"
#include "context/condense_methods.hpp"

namespace aisbf::context {

namespace {

// By CondenseMethod, in its order; the methods that ask a model have none.
using LocalMethod = void (*)(Conversation&);
constexpr std::array<LocalMethod, kCondenseMethodNames.size()> kLocalMethods = {
    condense_hierarchical,   nullptr /* conversational */, nullptr /* semantic */, condense_algorithmic,
    condense_sliding_window, condense_importance_based,    condense_entity_aware,  condense_code_aware};

}  // namespace

std::optional<ChatRequest> condense_locally(CondenseMethod method, const ChatRequest& request, const CondenseGoal& goal,
                                            const TokenCounter& count) {
  LocalMethod run = kLocalMethods[static_cast<std::size_t>(method)];
  if (run == nullptr) return std::nullopt;  // asks a model: pipeline/
  Conversation conversation(request, goal, count);
  if (conversation.fits()) return std::nullopt;  // nothing needs removing
  run(conversation);
  return conversation.result();
}

}  // namespace aisbf::context
