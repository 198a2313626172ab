// Condensation on the request path, per attempt (a rotation's candidates
// differ in context size and settings): the cheap check, then for a request
// at its threshold the exact count and the candidate's methods in order.
// chat_attempt.cpp calls condense_near for every attempt and, only when it
// says so, condense_for_attempt; a condensed request goes through the
// translated path.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "context/condense.hpp"
#include "context/token_count.hpp"
#include "pipeline/chat_job.hpp"
#include "pipeline/condense_memo.hpp"
#include "routing/rotation.hpp"

namespace aisbf {

// Cheap and synchronous: false for a candidate without condensation
// settings and for a request whose byte bound (condense_check.hpp) is below
// the threshold. Decodes and tokenizes nothing.
bool condense_near(const routing::Candidate& c, const ChatJob& job);

// The outcome for this attempt, or null when the request goes as it is
// (below the threshold once counted, undecodable, or no tokenizer). May
// call the condensation model. The outcome lives as long as the job.
boost::asio::awaitable<const CondenseOutcome*> condense_for_attempt(RequestContext& ctx, const routing::Candidate& c,
                                                                    ChatJob& job);

// Runs `conversational` or `semantic` (the seam the tests replace).
using ModelMethod = std::function<boost::asio::awaitable<std::optional<ChatRequest>>(
    context::CondenseMethod, const ChatRequest&, const context::CondenseGoal&)>;

// `methods` in order on `request` (of `tokens` prompt tokens) until the
// prompt is at or below the goal; a method that removes nothing (nullopt,
// or no fewer tokens) is passed over. Refused when the result is still
// above the hard limit. `request` and `count` must outlive the awaiting;
// the rest is taken by value (a coroutine keeps no temporary alive).
boost::asio::awaitable<CondenseOutcome> run_condense_methods(const ChatRequest& request, std::int64_t tokens,
                                                             std::vector<context::CondenseMethod> methods,
                                                             CondenseLimits limits, const context::TokenCounter& count,
                                                             ModelMethod ask_model);

// OpenAI's 400 for a prompt that does not fit (`context_length_exceeded`),
// its message naming the tokens, max_tokens and the context size, and what
// condensation reached.
GatewayError context_length_error(const CondenseOutcome& outcome, std::optional<std::int64_t> max_tokens,
                                  std::int64_t context_size);

}  // namespace aisbf
