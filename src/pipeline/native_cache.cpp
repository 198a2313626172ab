#include "pipeline/native_cache.hpp"

#include <sodium.h>

#include <cstdint>

#include "core/json_scan.hpp"
#include "pipeline/conversation_scan.hpp"
#include "providers/anthropic/anthropic_cache.hpp"

namespace aisbf {

namespace {

constexpr std::string_view kAuto = "auto";

void hash_sized(crypto_hash_sha256_state& state, std::string_view part) {
  const auto size = static_cast<std::uint64_t>(part.size());
  unsigned char prefix[8];
  for (int i = 0; i < 8; ++i) prefix[i] = static_cast<unsigned char>(size >> (8 * i));
  crypto_hash_sha256_update(&state, prefix, sizeof prefix);
  crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(part.data()), part.size());
}

// The stable prefix's text blocks into the key: each message's role before
// its first text block, then every block sized (conversation_scan.hpp's
// reader: the body's scan and the decoded request give the same calls).
struct HashedPrefix final : PrefixTexts {
  explicit HashedPrefix(crypto_hash_sha256_state& s) : state(s) {}
  void add(Role role, bool first, std::string_view text) override {
    if (first) {
      const auto tag = static_cast<unsigned char>(role);
      crypto_hash_sha256_update(&state, &tag, 1);
    }
    hash_sized(state, text);
  }
  crypto_hash_sha256_state& state;
};

// "aisbf-" and 32 hex digits of the hash `fill` completes.
template <class Fill>
std::string prompt_cache_key_of(std::string_view space, Fill fill) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  hash_sized(state, "aisbf prompt_cache_key v1");
  hash_sized(state, space);
  HashedPrefix prefix(state);
  if (!fill(prefix)) return {};
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  char hex[33];
  sodium_bin2hex(hex, sizeof hex, digest, 16);
  return std::string("aisbf-") + hex;
}

// Whether the body's top level already has a prompt_cache_key (the
// client's, never overwritten); nullopt when the body is no JSON object.
std::optional<bool> has_cache_key(std::string_view body) {
  bool found = false;
  auto error = json_scan::scan_object(body, [&](const json_scan::Member& m) {
    found = found || json_scan::key_equals(m, "prompt_cache_key");
  });
  if (error) return std::nullopt;
  return found;
}

std::optional<std::string> with_cache_key(std::string_view body, const UpstreamTarget& target, IngressFormat format,
                                          std::string_view space) {
  const std::optional<bool> present = has_cache_key(body);
  if (!present || *present) return std::nullopt;
  std::string key = target.native_cache.prompt_cache_key;
  if (key == kAuto) {
    key = prompt_cache_key_of(
        space, [&](PrefixTexts& prefix) { return scan_conversation(body, format, prefix).has_value(); });
    if (key.empty()) {  // a shape the scan leaves to the decoder
      auto decoded = ingress_codec(format).decode_request(body);
      if (!decoded) return std::nullopt;  // the upstream will say what is wrong with it
      key = auto_prompt_cache_key(space, *decoded);
    }
  }
  const std::size_t open = body.find('{');  // the scan found an object: its first byte after whitespace
  std::size_t next = body.find_first_not_of(" \t\r\n", open + 1);
  const bool empty = next == std::string_view::npos || body[next] == '}';
  std::string out;
  out.reserve(body.size() + key.size() + 24);
  out.append(body.substr(0, open + 1));
  out.append("\"prompt_cache_key\":");
  json_scan::append_encoded(out, key);
  if (!empty) out.push_back(',');
  out.append(body.substr(open + 1));
  return out;
}

}  // namespace

std::string auto_prompt_cache_key(std::string_view space, const ChatRequest& request) {
  return prompt_cache_key_of(space, [&](PrefixTexts& prefix) {
    read_prefix(request, prefix);
    return true;
  });
}

std::optional<UpstreamTarget> with_request_cache_key(const UpstreamTarget& target, std::string_view space,
                                                     const ChatRequest& request) {
  if (target.native_cache.prompt_cache_key != kAuto) return std::nullopt;
  UpstreamTarget out = target;
  out.native_cache.prompt_cache_key = auto_prompt_cache_key(space, request);
  return out;
}

std::optional<std::string> native_cache_body(std::string_view body, const UpstreamTarget& target,
                                             IngressFormat format, std::string_view space) {
  if (format == IngressFormat::anthropic_messages) {
    // Ours are placed only where the client placed none; the client's may
    // be more than Anthropic takes.
    if (auto placed = anthropic::with_cache_breakpoints(body, target.native_cache)) return placed;
    return anthropic::with_breakpoints_clamped(body);
  }
  if (format != IngressFormat::openai_chat || target.native_cache.prompt_cache_key.empty()) return std::nullopt;
  return with_cache_key(body, target, format, space);
}

}  // namespace aisbf
