// Request splitting (AISBF's `max_request_tokens`): a request whose prompt
// is over a model's limit becomes chunk requests sent in order, each within
// the limit, whose answers the pipeline joins (pipeline/split_attempt.hpp).
//
// Every chunk carries the leading system and developer messages and the
// tool definitions (their tokens count in each chunk). The rest is packed in
// order, whole messages first; a tool call and its results stay one unit; a
// text message too large for a chunk is cut into messages of the same role
// at paragraph, then sentence, then word boundaries, then at any character
// (never inside a UTF-8 sequence), each continuation starting with the last
// `overlap_tokens` of the piece before (at most half a chunk's room). A
// chunk that would end on a plain assistant message hands it to the next
// chunk when both fit there, so that a chunk ends on what asks for an answer
// where it can. The last chunk holds the request's final message: its answer
// is the reply to what the client asked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "context/token_count.hpp"
#include "core/chat_types.hpp"
#include "core/expected.hpp"

namespace aisbf::context {

struct SplitLimits {
  std::int64_t max_prompt_tokens = 0;  // each chunk's prompt (TokenCounter::request)
  std::int64_t overlap_tokens = 100;
  std::size_t max_chunks = 16;
};

struct SplitChunk {
  ChatRequest request;
  // Per message of `request`: how many bytes at the start of its first text
  // block repeat the end of the piece before it (0 but for continuations).
  std::vector<std::size_t> overlap_bytes;
};

// The chunks in order (one, the request itself, when it fits), or a 400
// (`request_too_large`) saying why it cannot be split: the system prompt and
// tools leave no room, a tool unit or an image alone is over the room, or
// more than `max_chunks` chunks would be needed.
Expected<std::vector<SplitChunk>> split_request(const ChatRequest& request, const SplitLimits& limits,
                                                const TokenCounter& count);

}  // namespace aisbf::context
