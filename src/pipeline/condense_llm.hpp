// The two condensation methods that ask a model: `conversational`
// (summarise the older turns) and `semantic` (keep only what the current
// request needs). The condensation model is providers.json's
// `condensation` (`provider_id`/`model`, or `rotation_id`; without one, or
// with `enabled` false, the candidate's own model, as AISBF does), called through
// chat_in_process (its own rotation and failover), with the prompt file of
// the method from the config directory (read into the snapshot when it is
// made: config/prompt_files.hpp's with_prompt_texts), within a timeout. Its usage is recorded as a
// row with route `condensation`.
#pragma once

#include <filesystem>
#include <optional>

#include <boost/asio/awaitable.hpp>

#include "context/condense.hpp"
#include "core/chat_types.hpp"
#include "http/upstream_client.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

// Seconds a condensation call may take when aisbf.json sets no
// `feature_controls.context_condensation.timeout_seconds`; always clipped
// to the request's own deadline.
inline constexpr double kDefaultCondensationTimeoutSeconds = 30;

struct ModelCondensation {
  context::CondenseMethod method;  // conversational or semantic
  context::CondenseGoal goal;
  const context::TokenCounter& count;
  std::string_view own_model;  // "provider/model" of the candidate, when no condensation model is named
};

// `request` with its older turns (condense_splice.hpp) replaced by the
// model's answer; nullopt when there is nothing to summarise, no
// condensation model is configured (or it is disabled), or the call failed,
// timed out or answered nothing (logged): the next method then runs.
boost::asio::awaitable<std::optional<ChatRequest>> condense_with_model(ModelCondensation what,
                                                                       const ChatRequest& request, RequestContext& ctx,
                                                                       http::UpstreamPool& pool);

}  // namespace aisbf
