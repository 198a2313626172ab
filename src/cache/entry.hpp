// A cached answer as bytes: the complete answer as canonical values (its
// content blocks, finish reason and usage), whatever format the client
// that caused it spoke and whether it streamed. Versioned: a prefix names
// the layout, so that a later build reads an older entry as a miss rather
// than misreads it. Decoded defensively: an entry that is not exactly what
// encode_entry writes (corrupt, foreign, truncated) is a miss.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/chat_types.hpp"

namespace aisbf::cache {

inline constexpr std::string_view kEntryMagic = "aisbf-cache-v1\n";

std::string encode_entry(const ChatResponse& response);
std::optional<ChatResponse> decode_entry(std::string_view bytes);

}  // namespace aisbf::cache
