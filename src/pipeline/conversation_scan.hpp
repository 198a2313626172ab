// What autoselect reads of a chat request body without decoding it (issue
// 11: a cached decision costs a few µs, not a decode of the conversation).
//
// The scan reads, for OpenAI chat and Anthropic messages bodies:
//   - the conversation's stable prefix, as the codec would decode it: the
//     system and developer messages before the first user message, and that
//     message, their non-empty text blocks only, handed one by one to a
//     PrefixTexts (autoselect's decision cache folds them into its key,
//     native caching into an `auto` prompt_cache_key): no canonical message
//     is built, and a reader sees the same blocks as it would walking the
//     decoded request, whatever the JSON's whitespace, key order or escapes;
//   - whether a message holds an image (what the vision filter needs).
// Strings are skipped with memchr and only a prefix text with escapes is
// copied (to decode it): the cost is a pass over the bytes, without a DOM or
// an allocation per value.
//
// The body must have passed scan_chat_envelope (it is valid JSON); the scan
// still checks every bound. A shape it does not read the way the codec does
// (an Anthropic tool result or document before the first user message, a
// part that is not an object, an unknown role) gives nullopt: the caller
// decodes. Legacy completions are always decoded (nullopt).
#pragma once

#include <optional>
#include <string_view>

#include "core/chat_types.hpp"
#include "pipeline/ingress.hpp"

namespace aisbf {

// Receives the stable prefix's text blocks in order: `first` marks a
// message's first text block (message boundaries count).
class PrefixTexts {
 public:
  virtual void add(Role role, bool first, std::string_view text) = 0;

 protected:
  ~PrefixTexts() = default;
};

// What a decoded request's stable prefix gives a PrefixTexts: the same
// calls as the scan of its body (the two paths agree).
void read_prefix(const ChatRequest& request, PrefixTexts& out);

struct ConversationScan {
  std::optional<bool> images;  // nullopt: not known without decoding (an Anthropic
                               // tool result or document that may nest one)
};

// nullopt: the body was not read (see above); `prefix` may then have seen
// part of it, and the caller reads the decoded request instead.
std::optional<ConversationScan> scan_conversation(std::string_view body, IngressFormat format, PrefixTexts& prefix);

}  // namespace aisbf
