// Provider-native prompt caching for Anthropic (issue 12): cache_control
// breakpoints placed on a Messages body when the provider or model has
// `enable_native_caching` and the client placed none of its own. Pure JSON
// work, shared by the translating path (encode_chat) and the passthrough
// (an Anthropic client's body, parsed only when caching is on).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "core/provider_adapter.hpp"

namespace aisbf::anthropic {

// Anthropic accepts at most four breakpoints a request; we place up to three.
inline constexpr int kMaxBreakpoints = 4;

// True when the body carries any `cache_control`: top-level, on a system
// block, a tool definition or a message's content block.
bool has_cache_breakpoints(const boost::json::object& body);

// The client's breakpoints are kept as they are (its cache layout, its
// TTLs: mixing ours in could break Anthropic's rule that longer TTLs come
// first); otherwise, when `cache.enabled`, a breakpoint goes on the last
// tool definition, the last system block and the last block of the message
// before the latest user turn (the conversation's stable prefix), each only
// where the prompt up to it (in Anthropic's order: tools, system,
// messages) reaches `cache.min_tokens`. Tokens are estimated as the bytes
// of the strings up to there / 4: cheap, and close enough for a threshold
// that only decides whether a mark is worth sending. Returns the number of
// breakpoints placed.
int place_cache_breakpoints(boost::json::object& body, const NativeCache& cache);

// Anthropic refuses a request with more than four breakpoints (400,
// "A maximum of 4 blocks with cache_control may be provided. Found N."),
// which a client may send: an OpenAI client's marks on content parts, an
// Anthropic client's own. Beyond four, the first three (in Anthropic's
// order: tools, system, messages, then a top-level mark, which stands for
// the last block) and the last are kept, the others dropped. The last
// caches the longest prefix, the one this conversation reads next turn;
// the first cache the prefixes shared most widely (tools and system, read
// by every conversation that starts with them); the ones between mark
// prefixes that the last one's own writes and Anthropic's lookback (20
// blocks before a breakpoint) cover in part. Dropping from the middle
// keeps Anthropic's rule that a longer TTL comes before a shorter one.
// Returns how many were dropped.
int clamp_cache_breakpoints(boost::json::object& body);

// The passthrough's form of the clamp: a new body, or nullopt when it
// stays as it is (at most four; parsed only when its bytes name
// `cache_control` more than four times).
std::optional<std::string> with_breakpoints_clamped(std::string_view body);

// The passthrough's form: a new body with the breakpoints, or nullopt when
// it stays as it is (caching off, the client's own marks, nothing long
// enough, or a body that is no JSON object: the upstream will say so).
std::optional<std::string> with_cache_breakpoints(std::string_view body, const NativeCache& cache);

}  // namespace aisbf::anthropic
