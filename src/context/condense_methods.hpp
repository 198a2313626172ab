// The six local condensation methods, one function each (condense_locally
// dispatches to them). Each works on a Conversation, stops as soon as the
// goal is met, and leaves the invariants of condense_invariants.hpp intact.
#pragma once

#include "context/condense_work.hpp"

namespace aisbf::context {

void condense_hierarchical(Conversation& conversation);
void condense_algorithmic(Conversation& conversation);
void condense_sliding_window(Conversation& conversation);
void condense_importance_based(Conversation& conversation);
void condense_entity_aware(Conversation& conversation);
void condense_code_aware(Conversation& conversation);

}  // namespace aisbf::context
