// The providers' own prompt caches as aisbf-mock plays them (issue 12), so
// that tests can see the gateway's breakpoints, prompt_cache_key and
// cachedContents work: Anthropic's cache_control prefixes, OpenAI's
// prompt_cache_key routing and Gemini's cachedContents. Thread-safe, bounded,
// in memory; token counts are the mock's words. No I/O here.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/json/object.hpp>

namespace aisbf_mock {

struct AnthropicCacheCounts {
  std::size_t read = 0;      // cache_read_input_tokens
  std::size_t creation = 0;  // cache_creation_input_tokens
  bool one_hour = false;     // the creation was for a "1h" breakpoint
  std::size_t breakpoints = 0;
};

// One message of an OpenAI request: its bytes and its words.
struct MessageDigest {
  std::string bytes;
  std::size_t words = 0;
};

struct GeminiCache {
  std::string name;  // "cachedContents/<n>"
  std::string model;
  std::size_t words = 0;
  std::int64_t expire_seconds = 0;  // unix time
};

class PromptCaches {
 public:
  using Clock = std::chrono::steady_clock;

  // Anthropic: each block with `cache_control` (tools, system, messages in
  // that order; a top-level `cache_control` marks the end) ends a prefix.
  // The longest prefix seen before within its ttl ("5m", or "1h") is read;
  // the rest up to the last breakpoint is written. Every breakpoint is then
  // kept (a read refreshes its ttl). `words_of` counts a block's words as
  // the mock's input_tokens do.
  AnthropicCacheCounts anthropic(std::string_view model, const boost::json::object& body);

  // OpenAI: with a `prompt_cache_key`, the leading messages equal to the
  // previous request with that key are cached when they hold at least 1024
  // tokens, in steps of 128 (as OpenAI documents). Returns cached_tokens.
  std::size_t openai(std::string_view key, std::string_view model, const std::vector<MessageDigest>& messages);

  // Gemini cachedContents.
  GeminiCache gemini_create(std::string_view model, std::size_t words, std::int64_t ttl_seconds);
  std::optional<GeminiCache> gemini_find(std::string_view name);

  void clear();

 private:
  struct OpenAiEntry {
    std::vector<MessageDigest> messages;
    Clock::time_point expires;
  };
  static constexpr std::size_t kMaxEntries = 4096;

  std::mutex mutex_;
  std::unordered_map<std::string, Clock::time_point> anthropic_;  // prefix → expiry
  std::unordered_map<std::string, OpenAiEntry> openai_;
  std::unordered_map<std::string, GeminiCache> gemini_;
  std::uint64_t next_gemini_ = 1;
};

}  // namespace aisbf_mock
