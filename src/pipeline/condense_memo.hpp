// What condensation keeps for one chat job across a rotation's attempts
// (the request's token counts are the job's PromptTokens): each
// (methods, goals, encoding) outcome, so that a rotation's next candidate
// with the same settings reuses the condensed request (an LLM method is not
// asked twice). Internal to pipeline/ (chat_job.hpp holds one).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "context/condense.hpp"
#include "core/chat_types.hpp"
#include "core/gateway_error.hpp"
#include "pipeline/condense_check.hpp"

namespace aisbf {

struct CondenseOutcome {
  // The key: the candidate's methods, its goals and the encoding counted with.
  std::vector<context::CondenseMethod> methods;
  CondenseLimits limits;
  context::Encoding encoding = context::Encoding::cl100k_base;
  // The candidate whose own model the LLM methods ask (no condensation
  // target configured): another candidate's outcome is not this one's.
  std::string asked;

  std::optional<ChatRequest> request;        // condensed; nullopt: the request goes as it was
  std::vector<context::CondenseMethod> ran;  // the methods that removed something, in order
  std::int64_t before = 0, after = 0;        // prompt tokens
  std::optional<GatewayError> refusal;       // nothing made it fit: the 400, before any upstream call
  std::string header;                        // x-aisbf-condensed, when `request` is set
};

struct CondenseMemo {
  std::deque<CondenseOutcome> outcomes;               // a deque: a returned outcome stays put as it grows
};

}  // namespace aisbf
