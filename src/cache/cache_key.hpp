// The response cache's key and its cacheability rule (issue 12).
//
// The key is the hex SHA-256 of the namespace, the resolved target, the
// client's format and a canonical form of the request: every field of the
// body except those that cannot change the answer, objects with their keys
// sorted, no whitespace, numbers in one spelling (1 and 1.0 are the same).
// Left out, and why:
//   model           the resolved target stands for it (an alias and the
//                   provider/model it names share entries);
//   stream          a stored answer is replayed either way;
//   stream_options  only asks for usage in a stream (a hit always has it);
//   user, metadata  an end-user id or tags for the provider's logs;
//   store           whether OpenAI keeps the completion for its dashboard.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace aisbf::cache {

struct CanonicalRequest {
  std::string text;            // the canonical JSON text (what the key hashes)
  bool deterministic = false;  // temperature 0, or a seed: the same request means the same answer
};

// Nullopt when `body` is not a JSON object, or nests deeper than 32
// (nothing is cached for it). Written from the body's bytes
// (canonical_json.cpp); key_memo.hpp remembers the keys of recent bodies.
std::optional<CanonicalRequest> canonical_request(std::string_view body);

struct KeyParts {
  std::string_view space;    // the namespace: a user's name, empty for the global one
  std::string_view target;   // "provider/model", or "rotation:<id>": whatever may serve
  std::string_view format;   // the client's format ("openai_chat", "anthropic_messages")
  std::string_view request;  // CanonicalRequest::text
  // What the client's headers ask of the upstream that changes the answer
  // (an Anthropic client's anthropic-version and anthropic-beta, which the
  // gateway forwards): empty when none.
  std::string_view protocol = {};
};

// 64 lowercase hex digits.
std::string cache_key(const KeyParts& parts);

// The parts one after the other, each length-prefixed (what the key
// hashes), appended to `out`.
void append_parts(const KeyParts& parts, std::string& out);

// What the client asked of the cache through its headers.
// `Cache-Control: no-cache` or `no-store` (any directive of the list) or
// `x-aisbf-cache: bypass`: neither read nor written.
bool client_bypasses(std::string_view cache_control, std::string_view x_aisbf_cache);

// A first look at the raw body, its top-level members only (no DOM, no
// allocation): false when the request can never be served from the cache,
// so that the usual request (no temperature: the provider's default, 1)
// pays nothing more with the cache on. Never: a nondeterministic request
// (unless `cache_nondeterministic`), and one asking for what an entry does
// not keep (`n` > 1, `logprobs`, `top_logprobs`, audio output: the codecs
// keep the first choice's text). An escaped key makes it false (rare, and
// read only by the DOM). The DOM's rule (cacheable) still decides after it.
bool may_cache(std::string_view body, bool cache_nondeterministic);

// Whether the request may be served from (and stored in) the cache:
// deterministic requests always, the others when `cache_nondeterministic`.
template <class Request>  // CanonicalRequest, or key_memo.hpp's RequestKey
bool cacheable(const Request& request, bool cache_nondeterministic) {
  return request.deterministic || cache_nondeterministic;
}

}  // namespace aisbf::cache
