// A recorded answer in the client's format, as the response cache keeps and
// replays it (issue 12): what it says about itself, read without decoding
// it (whether it is a complete answer, its usage, its id), the same bytes
// under another id, and its canonical values when a hit asks for another
// shape (a stream of a stored body, or the reverse). Internal to pipeline/.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/chat_types.hpp"
#include "core/usage_scan.hpp"
#include "pipeline/ingress.hpp"

namespace aisbf {

struct AnswerFacts {
  ScannedUsage usage;
  std::string_view id;  // into the body; empty: none found (replayed as it is)
};

// Nullopt unless `body` is a complete answer: a JSON object with usage that
// is no error, or a stream that ended as its format ends one (OpenAI's
// `[DONE]`, Anthropic's message_stop) with no error event, with usage
// (an OpenAI stream whose client did not ask for it has none: its facts
// say usage.reported false). `noted`: the
// usage the attempt already read from this answer (UsageTap::usage); a
// whole body whose usage was noted (so it was read, and is valid JSON) is
// not read again.
std::optional<AnswerFacts> read_answer(std::string_view body, bool streamed, IngressFormat format,
                                       const ScannedUsage& noted = {});

// `body` with every "id" member whose value is the JSON string "old_id"
// made "new_id" (an OpenAI stream names it in every chunk; content that
// merely equals it is left alone): an answer of its own for each client
// served from one entry. `body` as it is when `old_id` is empty.
std::string with_id(std::string_view body, std::string_view old_id, std::string_view new_id);

// The canonical answer `body` holds, decoded with the codec of the
// provider that speaks `format`. Nullopt: not a complete answer.
std::optional<ChatResponse> decode_answer(std::string_view body, bool streamed, IngressFormat format);

}  // namespace aisbf
