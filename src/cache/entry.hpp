// A cached answer as bytes: the answer exactly as the client that caused it
// received it (its format's JSON body, or its stream's bytes), with what a
// hit needs without reading it: whether it streamed, its usage, its id (a
// hit answers under an id of its own) and the provider and model that made
// it (a rotation's hit names them in its usage row). A hit in the same
// shape is replayed as it is; another shape (a stream asked of a stored
// body, or the reverse) decodes it first (pipeline/cache_answer.hpp).
//
// Versioned: a prefix names the layout, so that a later build reads an
// older entry as a miss rather than misreads it. Decoded defensively: an
// entry that is not exactly what encode_entry writes (corrupt, foreign,
// truncated) is a miss.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/usage_scan.hpp"

namespace aisbf::cache {

inline constexpr std::string_view kEntryMagic = "aisbf-cache-v2\n";

// Views: into the answer's parts when encoding, into the entry's bytes
// when decoded.
struct StoredAnswer {
  bool streamed = false;
  ScannedUsage usage;         // `reported`: the upstream reported it (an OpenAI stream may not)
  std::string_view id;        // the answer's id as it appears in its body; empty: none found
  std::string_view provider;  // what answered
  std::string_view model;
  // The model the client that caused it named: a translated answer names
  // it in its body, so a client naming another (an alias of the same
  // target) has the answer encoded for it rather than replayed.
  std::string_view asked;
  std::string_view body;      // the answer's bytes
};

// Empty when the answer cannot be stored (an id, provider, model or asked
// model holding a line break: the layout is line-based).
std::string encode_entry(const StoredAnswer& answer);
std::optional<StoredAnswer> decode_entry(std::string_view bytes);

}  // namespace aisbf::cache
