// Helpers for the methods that ask a model (conversational, semantic; they
// run in pipeline/): which messages to summarise, the transcript to send the
// condensation model, and splicing its summary back in. Pure; the result of
// splice_summary keeps the invariants of condense_invariants.hpp.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/chat_types.hpp"

namespace aisbf::context {

// Messages [begin, end) of a request, made of whole units (a tool call with
// its results), holding no protected message (system, developer, the last
// user message, the last turn's images).
struct SummarySpan {
  std::size_t begin = 0;
  std::size_t end = 0;
};

// The span to summarise: the history before the last user message, less
// the leading system messages; when that is empty (one long turn, as a
// coding agent's), the units after the last user message but the most
// recent `keep_recent_units`. A protected message inside ends the span.
// nullopt when there is nothing to summarise.
std::optional<SummarySpan> span_to_summarise(const ChatRequest& request, std::size_t keep_recent_units = 4);

// The span as a plain transcript for the condensation model ("role: text",
// tool calls and results spelled out), at most `max_bytes` (the middle cut
// with a marker naming how much).
std::string span_transcript(const ChatRequest& request, SummarySpan span, std::size_t max_bytes);

// `request` with the span replaced by one message "[aisbf condensed: N
// messages summarised by METHOD]\n" + summary: a user message before the
// last user message, an assistant message after it.
ChatRequest splice_summary(const ChatRequest& request, SummarySpan span, std::string_view method,
                           std::string_view summary);

}  // namespace aisbf::context
