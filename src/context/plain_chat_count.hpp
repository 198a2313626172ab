// The chat-rule count of a plain OpenAI chat body read with the JSON
// walker instead of the codec: every answered request reports its prompt's
// count (usage.effective_context), and for the common small passthrough
// request decoding the body into canonical values cost more than twice the
// tokenizing (~11k of ~15k instructions).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "context/token_count.hpp"

namespace aisbf::context {

// The count ChatTokenCounter::request gives the decoded `body` when it is
// plain: an object whose `messages` are objects of a `role` (system,
// developer, user, assistant), a string `content` and perhaps a string
// `name`, nothing else, and that has no `tools` or `functions`. nullopt for
// anything else (another key, an escaped key, a repeated one, a surrogate
// escape, a body that is no object): the caller decodes. The body must be
// valid JSON (the envelope scan checked it: it is walked, not validated
// again); on other text the count stays in bounds and proves nothing.
std::optional<std::int64_t> count_plain_chat(std::string_view body, const ChatTokenCounter& counter);

// The same for an OpenAI Responses body: the count ChatTokenCounter::request
// gives what the Responses decoder makes of it, when it is plain: a string
// `instructions` (or none), and `input` a string or message items (a
// `role`, perhaps "type":"message", an `id`, a `status`) whose `content` is
// a string or input_text/output_text parts; no `tools`. Consecutive
// assistant items are one message, as the decoder joins them. nullopt for
// anything else, under count_plain_chat's terms. Equal to the decoder's
// count for every body the decoder accepts; a body it refuses for another
// member (a bad `tool_choice`, `conversation`) still gets this count.
std::optional<std::int64_t> count_plain_responses(std::string_view body, const ChatTokenCounter& counter);

}  // namespace aisbf::context
