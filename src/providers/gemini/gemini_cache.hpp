// Gemini context caching (PROTOCOLS.md §3.7; issue 12), the pure half: a
// generateContent body taken apart into what a `cachedContents` entry can
// hold (systemInstruction, tools, toolConfig and contents up to the latest
// user turn) and the rest, sent with `cachedContent`; and which cache a
// request uses as its conversation grows.
// pipeline/context_cache.hpp does the I/O and remembers the names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "core/provider_adapter.hpp"

namespace aisbf::gemini {

// A generateContent body taken apart for context caching. A cache holds
// the cacheable fields and the first k turns, for a boundary k up to the
// latest user turn; the request names it and sends the rest.
struct ContextParts {
  boost::json::object head;   // systemInstruction, tools, toolConfig, those present
  boost::json::array turns;   // all of `contents`
  std::size_t cacheable = 0;  // the turns before the latest user turn: boundaries 0..cacheable
  boost::json::object rest;   // the body without the head's fields and `contents`
  // Estimated tokens (string bytes / 4) of the head and turns[0, k), for
  // each boundary k = 0..cacheable.
  std::vector<std::int64_t> tokens;
};

// The parts of an encoded generateContent body, or nullopt when nothing is
// worth caching: caching off, no contents, or the longest prefix (up to
// the latest user turn) under `cache.min_tokens`.
std::optional<ContextParts> context_parts(std::string_view generate_body, const NativeCache& cache);

// Which cache a request uses, given the longest boundary with a cache
// known to the gateway (`cached`). A new one, ending at the latest user
// turn, when what the known one leaves out is worth a cache of its own: at
// least min_tokens, and at least as much as the known one holds. A
// conversation's caches thus double in size as it grows: a few per
// conversation, each created once, rather than one per turn that is used
// once (a creation is billed as input, then stored by the hour). When the
// creation fails, the known one still serves.
struct ContextChoice {
  std::optional<std::size_t> create;  // the boundary to create a cache at (parts.cacheable)
  std::optional<std::size_t> use;     // otherwise (or failing that) the known cache's boundary
};
ContextChoice choose_context_cache(const ContextParts& parts, std::optional<std::size_t> cached,
                                   std::int64_t min_tokens);

// Each boundary's content in a stable spelling, for the keys: the head's
// JSON text first, then each turn's (turn k-1 ends boundary k's).
std::string head_text(const ContextParts& parts);
std::string turn_text(const ContextParts& parts, std::size_t k);

// POST {endpoint}/cachedContents: the path suffix and the body (the head,
// the first `boundary` turns, the model as `models/…`, `ttl` as "<seconds>s").
std::string cached_contents_path();
std::string cache_create_body(const ContextParts& parts, std::size_t boundary, const UpstreamTarget& target);

// The generate body that uses the cache `name`, which holds the first
// `boundary` turns.
std::string with_cached_content(const ContextParts& parts, std::size_t boundary, std::string_view name);

// The `name` of a created CachedContent; nullopt when the answer has none.
std::optional<std::string> created_cache_name(std::string_view body);

}  // namespace aisbf::gemini
