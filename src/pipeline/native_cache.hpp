// Provider-native prompt caching per request (issue 12): what the
// configured `enable_native_caching` / `prompt_cache_key` add to what goes
// upstream. The codecs do the translating path's part from
// UpstreamTarget::native_cache; this resolves the per-request part (the
// "auto" prompt_cache_key) and edits a passthrough body, which is parsed
// only when the candidate has caching configured: the plain passthrough
// pays one branch.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/chat_types.hpp"
#include "core/provider_adapter.hpp"
#include "pipeline/ingress.hpp"

namespace aisbf {

// Whether a passthrough to `target` may need its body changed: an
// Anthropic client's always (its own breakpoints may be more than four:
// native_cache_body scans the bytes for them before it parses anything).
inline bool native_cache_edits_passthrough(const UpstreamTarget& target, bool anthropic_client) {
  return anthropic_client || !target.native_cache.prompt_cache_key.empty();
}

// prompt_cache_key "auto": "aisbf-" and 32 hex digits of the SHA-256 of the
// namespace (`space`: a user's name, empty for the global one) and the
// conversation's stable prefix (its system and developer messages before
// the first user message, and that message: their texts). Stable across
// requests, instances and restarts; derived from no secret.
std::string auto_prompt_cache_key(std::string_view space, const ChatRequest& request);

// The translating path: `target` with an "auto" prompt_cache_key replaced
// by this request's key; nullopt when there is nothing per request.
std::optional<UpstreamTarget> with_request_cache_key(const UpstreamTarget& target, std::string_view space,
                                                     const ChatRequest& request);

// The passthrough: the body as it goes upstream (`body` already has its
// model rewritten), or nullopt when it goes unchanged. Anthropic client:
// breakpoints placed, or the client's own beyond four dropped
// (providers/anthropic/anthropic_cache.hpp). OpenAI
// client: `"prompt_cache_key":…` inserted as the object's first member
// unless the client sent one (one validating scan and a copy of the body;
// "auto" also reads the stable prefix from the bytes, conversation_scan).
std::optional<std::string> native_cache_body(std::string_view body, const UpstreamTarget& target,
                                             IngressFormat format, std::string_view space);

}  // namespace aisbf
