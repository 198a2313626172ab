// Reads the `usage` object of an OpenAI or Anthropic response body or stream
// event without building a DOM (the passthrough relay calls it on every
// event, so the common event without usage costs one memmem).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace aisbf {

struct ScannedUsage {
  std::int64_t prompt_tokens = 0, completion_tokens = 0, total_tokens = 0, cached_tokens = 0;
  std::int64_t cache_write_tokens = 0;  // part of prompt_tokens (Anthropic's cache creation)
  std::int64_t reasoning_tokens = 0;    // part of completion_tokens
  bool reported = false;                // the upstream sent a usage object (else: all zero)
};

// The top-level "usage" object when present and not null; nullopt when the
// text is not a valid JSON object, has no usage object, or usage is null or
// not an object. Missing or non-numeric counts read as 0 (negative as 0);
// a missing total_tokens is prompt + completion. cached_tokens is
// usage.prompt_tokens_details.cached_tokens, else DeepSeek's
// usage.prompt_cache_hit_tokens; reasoning_tokens is
// usage.completion_tokens_details.reasoning_tokens.
// `usage_object`, when given, is set to the top-level usage object's text
// (a view into `json_text`) when one was read.
std::optional<ScannedUsage> scan_openai_usage(std::string_view json_text, std::string_view* usage_object = nullptr);

// The value of the text's last top-level "usage" member, as a view into
// `json_text` (any JSON value: an object, null, …); nullopt when the text is
// not one JSON object or has no such member. Only the top level is walked,
// from the end and up to that member: a "usage" inside a string or a nested
// object is not it, and the text before the member is not validated.
std::optional<std::string_view> top_level_usage(std::string_view json_text);

// Anthropic's counts as they accumulate over one answer (PROTOCOLS.md §2.5,
// §2.6): `input_tokens` excludes both cache counts.
struct AnthropicUsage {
  std::int64_t input = 0, output = 0, cache_read = 0, cache_creation = 0;
  // prompt = input + cache reads + cache writes; cached = cache reads;
  // cache_write = cache writes. Thinking is part of output (no own count).
  ScannedUsage scanned() const;
};

// Reads an Anthropic body or stream event: the top-level "usage" (a body,
// message_delta) or "message"."usage" (message_start). Numeric counts
// replace those in `counts` (message_delta's are cumulative); absent or null
// ones keep theirs. False, `counts` unchanged, when there is no valid usage
// object.
// `usage_object` as for scan_openai_usage: set only for a top-level usage
// (a body, message_delta), never for message_start's.
bool scan_anthropic_usage(std::string_view json_text, AnthropicUsage& counts, std::string_view* usage_object = nullptr);

// Reads an OpenAI Responses body's top-level "usage", or a stream event's
// "response"."usage" (response.completed / .incomplete / .failed):
// input_tokens, output_tokens, total_tokens (else their sum),
// input_tokens_details.cached_tokens, output_tokens_details.reasoning_tokens.
// nullopt when there is none (or it is null or not valid JSON).
// `usage_object` as for scan_openai_usage: set only for a top-level usage
// (a body), never for a stream event's.
std::optional<ScannedUsage> scan_responses_usage(std::string_view json_text, std::string_view* usage_object = nullptr);

// The usage reader of one passthrough answer, chosen once per attempt by the
// upstream's wire format (client and upstream speak the same one there).
class UsageScanner {
 public:
  enum class Wire : std::uint8_t { openai, anthropic, openai_responses };
  explicit UsageScanner(Wire wire) : wire_(wire) {}

  // Reads a whole body or one stream event's data; true, with `out` set to
  // the usage so far, when it held usage.
  bool read(std::string_view json_text, ScannedUsage& out) {
    usage_object_ = {};
    if (wire_ != Wire::anthropic) {
      auto u = wire_ == Wire::openai ? scan_openai_usage(json_text, &usage_object_)
                                     : scan_responses_usage(json_text, &usage_object_);
      if (u) out = *u;
      return u.has_value();
    }
    if (!scan_anthropic_usage(json_text, anthropic_, &usage_object_)) return false;
    out = anthropic_.scanned();
    return true;
  }

  // The top-level usage object the last read() found (a view into the text
  // it read; empty when none, or when it was message_start's): where the
  // relay writes usage.effective_context, without a second scan.
  std::string_view usage_object() const { return usage_object_; }

 private:
  Wire wire_;
  AnthropicUsage anthropic_;
  std::string_view usage_object_;
};

}  // namespace aisbf
