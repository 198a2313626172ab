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

// Which provider and model made the answer (a rotation's key names neither:
// a hit records them in its usage row). Optional in the layout: an entry
// written before they were kept decodes with both empty.
struct EntryOrigin {
  std::string provider;
  std::string model;
};

std::string encode_entry(const ChatResponse& response, const EntryOrigin& origin = {});
// `origin`, when given, receives the entry's (empty when it has none).
std::optional<ChatResponse> decode_entry(std::string_view bytes, EntryOrigin* origin = nullptr);

}  // namespace aisbf::cache
