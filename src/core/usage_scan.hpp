// Reads the OpenAI `usage` object from a response body or a stream chunk
// without building a DOM (the passthrough relay calls it on every chunk).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace aisbf {

struct ScannedUsage {
  std::int64_t prompt_tokens = 0, completion_tokens = 0, total_tokens = 0, cached_tokens = 0;
};

// The top-level "usage" object when present and not null; nullopt when the
// text is not a valid JSON object, has no usage object, or usage is null or
// not an object. Missing or non-numeric counts read as 0 (negative as 0);
// a missing total_tokens is prompt + completion. cached_tokens is
// usage.prompt_tokens_details.cached_tokens, else DeepSeek's
// usage.prompt_cache_hit_tokens.
std::optional<ScannedUsage> scan_openai_usage(std::string_view json_text);

}  // namespace aisbf
