// The pure half of the two condensation methods that ask a model
// (`conversational`, `semantic`): which messages the model summarises, the
// text it is given, and the request rebuilt around its answer. The
// invariants of condense.hpp hold by construction: system and developer
// messages are kept as sent; the last user message and everything after it
// (the last turn, with its images and tool exchanges) are kept as sent; a
// tool call and its result are summarised together or kept together.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/chat_types.hpp"

namespace aisbf {

struct SummarySplit {
  std::vector<std::size_t> kept;        // system and developer messages before the tail, in order
  std::vector<std::size_t> summarised;  // the older turns the summary replaces, in order
  std::size_t tail_begin = 0;           // the last turn: from here to the end, kept as sent
};

// nullopt: nothing to summarise (no older turn, or no user message at all).
std::optional<SummarySplit> split_for_summary(const ChatRequest& request);

// The messages at `indices` as plain text for the condensation model: one
// "role: text" paragraph each; tool calls and results named, images as a
// placeholder (they are not sent to the condensation model).
std::string condensation_transcript(const ChatRequest& request, const std::vector<std::size_t>& indices);

// The last user message's text, at most `max_bytes` (cut on a UTF-8
// boundary): what `semantic` tells the model the current request is.
std::string last_user_text(const ChatRequest& request, std::size_t max_bytes);

// `request` with the summarised messages replaced by one user message,
// `heading` then `summary`, after the kept ones and before the tail.
ChatRequest splice_summary(const ChatRequest& request, const SummarySplit& split, std::string_view heading,
                           std::string_view summary);

}  // namespace aisbf
