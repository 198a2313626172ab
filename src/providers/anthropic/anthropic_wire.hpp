// Anthropic Messages wire constants and the small readers shared by the
// response decoder, the stream decoder and the error classifier
// (PROTOCOLS.md §2). Nothing here throws on upstream input.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "core/chat_types.hpp"
#include "core/expected.hpp"
#include "core/gateway_error.hpp"
#include "core/json_read.hpp"

namespace aisbf::anthropic {

// The version whose streams have named events and no `[DONE]` (§2.1).
inline constexpr std::string_view kApiVersion = "2023-06-01";
// `max_tokens` is required by the API; used when the caller sent none (§5.9 trap 1).
inline constexpr std::int64_t kDefaultMaxTokens = 4096;

// Extension keys copied to the body as they are: top-level request fields
// only Anthropic defines (§2.2). `metadata` and `service_tier` are checked
// separately because OpenAI uses the same names with other values.
inline constexpr std::array<std::string_view, 6> kPassthroughExtensions{"top_k",         "thinking",  "output_config",
                                                                        "cache_control", "container", "inference_geo"};

namespace wire {

// The shared readers (core/json_read.hpp), under the names the codecs use.
using json_read::excerpt;
using json_read::object_member;
using json_read::optional_int_member;
using json_read::parse_object;
using json_read::protocol_error;
using json_read::string_member;

// Defined in anthropic_response.cpp.
FinishReason map_stop_reason(std::string_view reason);

// Anthropic's token counts as reported; a report may carry only some of
// them (stream deltas), so each present, non-null count replaces the last.
struct UsageCounts {
  std::int64_t input = 0;  // excludes both cache counts
  std::int64_t cache_read = 0;
  std::int64_t cache_creation = 0;
  std::int64_t output = 0;    // includes thinking
  std::int64_t thinking = 0;  // output_tokens_details.thinking_tokens (newer responses)

  void merge(const boost::json::object& usage);
  Usage canonical() const;
};

// Defined in anthropic_errors.cpp. An Anthropic error `{"type", "message"}`
// (the inner object of `{"type":"error","error":{...}}`) as a GatewayError;
// `status` is the HTTP status, or 0 when the error came inside a 200 answer
// or a stream (then the error type decides it).
GatewayError error_from_object(int status, const boost::json::object& error, std::string_view provider_id);

}  // namespace wire
}  // namespace aisbf::anthropic
