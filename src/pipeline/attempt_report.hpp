// What each failover attempt of a rotation came to, and the answer a client
// gets when none succeeded: an error listing every attempt, or (with
// `notifyerrors`) the same text as an ordinary assistant message.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/chat_types.hpp"
#include "core/gateway_error.hpp"

namespace aisbf {

struct AttemptRecord {
  std::string target;         // "provider/model"
  bool skipped = false;       // never sent: cooling down, over a limit, not capable
  bool rate_limited = false;  // a 429, or skipped for a rate limit
  int status = 0;             // the HTTP status it ended with; 0 when none
  std::string error;          // why it failed or was skipped
  std::optional<std::chrono::milliseconds> retry_after;  // rate limited: when it may work again
};

// A Retry-After value: whole seconds, rounded up, never 0.
std::string retry_after_seconds(std::chrono::milliseconds wait);

// 503 `all_candidates_failed` listing every record, or 429 with Retry-After
// (the soonest of the records') when every record was a rate limit.
GatewayError all_candidates_failed(std::string_view rotation_id, const std::vector<AttemptRecord>& records);

// The error text as an ordinary assistant answer (`notifyerrors`).
ChatResponse notify_response(const GatewayError& error);

}  // namespace aisbf
