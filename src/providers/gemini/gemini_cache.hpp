// Gemini context caching (PROTOCOLS.md §3.7; issue 12), the pure half: a
// generateContent body split into the stable prefix a `cachedContents`
// entry holds (systemInstruction, tools, toolConfig and the contents
// before the latest user turn) and the rest, sent with `cachedContent`.
// pipeline/context_cache.hpp does the I/O and remembers the names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "core/provider_adapter.hpp"

namespace aisbf::gemini {

struct ContextSplit {
  std::string prefix;         // the cached part as JSON text: what the cache is created from, and its key
  boost::json::object rest;   // the generate body without it
  std::int64_t estimated_tokens = 0;
};

// The split of an encoded generateContent body, or nullopt when there is
// nothing worth caching: no system instruction, tools nor earlier turns,
// or a prefix under `cache.min_tokens` (estimated as its string bytes / 4).
std::optional<ContextSplit> split_for_context_cache(std::string_view generate_body, const NativeCache& cache);

// POST {endpoint}/cachedContents: the path suffix and the body (the prefix,
// the model as `models/…`, `ttl` as "<seconds>s").
std::string cached_contents_path();
std::string cache_create_body(const ContextSplit& split, const UpstreamTarget& target);

// The generate body that uses the cache `name` ("cachedContents/…").
std::string with_cached_content(const ContextSplit& split, std::string_view name);

// The `name` of a created CachedContent; nullopt when the answer has none.
std::optional<std::string> created_cache_name(std::string_view body);

}  // namespace aisbf::gemini
