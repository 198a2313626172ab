// condense_locally: the request counted once into a Conversation, the method
// run on it, the result built only when something changed.
#include "context/condense.hpp"
#include "context/condense_methods.hpp"

namespace aisbf::context {

std::optional<ChatRequest> condense_locally(CondenseMethod method, const ChatRequest& request, const CondenseGoal& goal,
                                            const TokenCounter& count) {
  Conversation conversation(request, goal, count);
  if (conversation.fits()) return std::nullopt;  // nothing needs removing
  switch (method) {
    case CondenseMethod::hierarchical:
      condense_hierarchical(conversation);
      break;
    case CondenseMethod::algorithmic:
      condense_algorithmic(conversation);
      break;
    case CondenseMethod::sliding_window:
      condense_sliding_window(conversation);
      break;
    case CondenseMethod::importance_based:
      condense_importance_based(conversation);
      break;
    case CondenseMethod::entity_aware:
      condense_entity_aware(conversation);
      break;
    case CondenseMethod::code_aware:
      condense_code_aware(conversation);
      break;
    case CondenseMethod::conversational:
    case CondenseMethod::semantic:
      return std::nullopt;  // they ask a model: pipeline/
  }
  return conversation.result();
}

}  // namespace aisbf::context
