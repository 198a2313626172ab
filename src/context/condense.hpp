// Context condensation: the methods that shrink a chat request's history
// until it fits a model's context. The six local methods are pure functions
// here; `conversational` and `semantic` ask a condensation model, so they
// run in pipeline/ (which may await) and use this file's helpers.
//
// Every method keeps the invariants (condense_invariants.hpp): tool-call /
// tool-result pairs are never split or orphaned; the system prompt and the
// last user message are never altered; images of the last turn are kept.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "context/token_count.hpp"
#include "core/chat_types.hpp"

namespace aisbf::context {

enum class CondenseMethod : std::uint8_t {
  hierarchical,
  conversational,
  semantic,
  algorithmic,
  sliding_window,
  importance_based,
  entity_aware,
  code_aware,
};
inline constexpr std::array<std::string_view, 8> kCondenseMethodNames = {
    "hierarchical",   "conversational",   "semantic",     "algorithmic",
    "sliding_window", "importance_based", "entity_aware", "code_aware"};

std::string_view condense_method_name(CondenseMethod method);
std::optional<CondenseMethod> condense_method_from_name(std::string_view name);

// conversational and semantic call a model (pipeline/); the rest are local.
constexpr bool needs_model(CondenseMethod method) {
  return method == CondenseMethod::conversational || method == CondenseMethod::semantic;
}

struct CondenseGoal {
  std::int64_t max_prompt_tokens = 0;  // the prompt (TokenCounter::request) must end at or below this
};

// One local method applied to `request`: the condensed request (invariants
// kept; it may still be above the goal, and the caller then tries the next
// method), or nullopt when the method has nothing to remove (also when the
// request already fits the goal). A method that needs_model() gives nullopt.
std::optional<ChatRequest> condense_locally(CondenseMethod method, const ChatRequest& request,
                                            const CondenseGoal& goal, const TokenCounter& count);

}  // namespace aisbf::context
