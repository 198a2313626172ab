// What autoselect reads of a chat request body without decoding it (issue
// 11: a cached decision costs a few µs, not a decode of the conversation).
//
// The scan reads, for OpenAI chat and Anthropic messages bodies:
//   - the hash of the conversation's stable prefix, as the codec would
//     decode it: the system and developer messages before the first user
//     message, and that message, with their text blocks only (what
//     AutoselectDecisionCache::prefix_hash folds; the texts are fed to its
//     PrefixHasher as they are read, so the hash equals the decoded
//     request's, whatever the JSON's whitespace, key order or escapes);
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

#include "pipeline/ingress.hpp"
#include "routing/autoselect_cache.hpp"

namespace aisbf {

struct ConversationScan {
  routing::PrefixHash prefix;  // of the stable prefix (see above), by the hasher passed in
  std::optional<bool> images;  // nullopt: not known without decoding (an Anthropic
                               // tool result or document that may nest one)
};

std::optional<ConversationScan> scan_conversation(std::string_view body, IngressFormat format,
                                                  routing::PrefixHasher hasher);

}  // namespace aisbf
