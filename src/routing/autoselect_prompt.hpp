// The texts autoselect sends to a model (issue 11), as one user message each:
//
// - the selection prompt, AISBF's format (aisbf/handlers.py,
//   `_build_autoselect_prompt`), byte for byte apart from the conversation
//   it quotes: the instructions (the `autoselect.md` file), a blank line,
//   `<aisbf_user_prompt>…</aisbf_user_prompt>`, the candidates in
//   `<aisbf_autoselect_list>` (one `<model>` line each, then AISBF's empty
//   line) and `<aisbf_autoselect_fallback>…</aisbf_autoselect_fallback>`;
// - the NSFW classification prompt: the instructions (`classify_nsfw.md`), a
//   blank line and `<aisbf_classify_content>…</aisbf_classify_content>`, and
//   the reader of its answer, `<aisbf_classification>nsfw|safe</…>`.
//
// The conversation is quoted, not forwarded: the last messages that fit a
// token budget, one `role: text` line each, tool calls as
// `[tool call NAME]`, tool results cut short, images as `[image]`, reasoning
// left out; the system prompt is not part of it (AISBF quotes every
// message, the system prompt too, but an agent's system prompt says nothing
// about this turn and would take most of the budget).
// Client text and descriptions cannot open or close our tags: `<aisbf_` and
// `</aisbf_` (any case) in them become `&lt;aisbf_`, so a client cannot forge
// a candidate list, a fallback or an answer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "context/token_count.hpp"
#include "core/chat_types.hpp"

namespace aisbf::routing {

// AISBF's defaults: the last 10 messages, at most 8000 tokens. 0 messages:
// no count limit; tokens <= 0: no token limit.
struct ConversationWindow {
  std::size_t messages = 10;
  std::int64_t tokens = 8000;
};

// The quoted conversation: the newest messages (system and developer ones
// left out) that fit `window`, newest kept first, rendered oldest first and
// counted with `counter` as rendered. The newest message is always there:
// alone over the budget, it is cut to its head and tail with
// "[… N bytes omitted …]" between. An older message that does not fit ends
// the walk, read no further than the budget reaches (the counter's
// text_prefix_within), so a huge old paste costs what the budget does.
// Tags neutralised.
std::string render_conversation(const ChatRequest& request, const ConversationWindow& window,
                                const context::TokenCounter& counter);

struct AutoselectChoice {
  std::string_view id;
  std::string_view description;
};

struct AutoselectPromptParts {
  std::string_view instructions;  // autoselect.md
  std::string_view conversation;  // render_conversation()
  std::span<const AutoselectChoice> candidates;
  std::string_view fallback;
};

// The selection prompt. Descriptions are neutralised as client text is,
// and may not hold the list's own `<model…>` tags either (a user's
// autoselect is written by a user).
std::string build_autoselect_prompt(const AutoselectPromptParts& parts);

// `text` with every `<aisbf_` / `</aisbf_` (ASCII case-insensitive) turned
// into `&lt;aisbf_` / `&lt;/aisbf_`.
std::string neutralise_aisbf_tags(std::string_view text);

// The NSFW classification prompt over the last `messages` messages (0: all,
// system prompts included: a role-play's system prompt is what says it is
// one), rendered as render_conversation() does, at most `max_bytes` of it
// (the head and the tail of a longer one).
struct ClassifyWindow {
  std::size_t messages = 10;
  std::size_t max_bytes = 32 * 1024;
};
std::string build_classify_prompt(std::string_view instructions, const ChatRequest& request,
                                  const ClassifyWindow& window);

enum class ContentVerdict : std::uint8_t { safe, nsfw, unknown };

// Reads the classifier's answer with the selection answer's rules
// (autoselect_answer.hpp), case-insensitively: reasoning blocks dropped,
// then the last `<aisbf_classification>` tag naming a verdict, else `nsfw`
// or `safe` alone on a line (or as that reader's JSON `"model"`). Anything
// else is unknown: the caller decides what an unknown means.
ContentVerdict parse_classification(std::string_view answer);

}  // namespace aisbf::routing
