// Helpers shared by the Anthropic ingress's response and stream encoders
// (internal to src/api/anthropic/).
#pragma once

#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "core/chat_types.hpp"

namespace aisbf::api::anthropic::wire {

// `prefix` followed by `length` random [A-Za-z0-9] characters.
std::string random_id(std::string_view prefix, std::size_t length = 24);

// The upstream's id when it already is an Anthropic message id, else a new `msg_…`.
std::string message_id(std::string_view upstream_id);

// The canonical id, or a new `toolu_…` when the upstream gave none.
std::string tool_use_id(std::string_view canonical_id);

// Anthropic `stop_reason` (§5.6). `had_tool_calls` turns a plain stop after
// tool calls (some OpenAI-compatible servers) into `tool_use`.
std::string_view stop_reason(FinishReason reason, bool had_tool_calls);

// Anthropic usage: input_tokens excludes both cache counts (§2.5, §5.7).
boost::json::object usage_object(const Usage& usage);

}  // namespace aisbf::api::anthropic::wire
