// What every condensation method must leave intact, checked on a request
// before and after: the tests run it on every method's output, and the
// pipeline may run it on the model-based methods' (a broken result is then
// discarded, never sent).
#pragma once

#include <optional>
#include <string>

#include "core/chat_types.hpp"

namespace aisbf::context {

// nullopt when `after` keeps every invariant against `before`; otherwise
// what broke, e.g. "tool result call_7 has no call before it":
// - every request field but the messages unchanged (model, tools,
//   tool_choice, max_tokens, sampling, stop, stream, extensions);
// - the system and developer messages unchanged, in order;
// - the last user message unchanged;
// - a conversation that started (after its system messages) with a user
//   message still does (Anthropic rejects one that does not);
// - the images of the last turn (from the last user message on) kept;
// - no tool result without its call before it, and no call without its
//   result when `before` had both; a result that followed its call's message
//   directly (among the tool messages right after it) still does.
std::optional<std::string> broken_invariant(const ChatRequest& before, const ChatRequest& after);

bool same_message(const Message& a, const Message& b);

}  // namespace aisbf::context
