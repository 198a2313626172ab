// The usage conformance tests' records: times around a fixed UTC midnight
// and a record with the dimensions and sums a test cares about.
#pragma once

#include <optional>
#include <string>

#include "store/store.hpp"

namespace aisbf::store::testing {

inline constexpr UnixMs kMin = 60'000, kHour = 3'600'000, kDay = 86'400'000;
inline constexpr UnixMs kBase = 1'699'920'000'000;  // 2023-11-14T00:00:00Z

inline UsageRecord rec(UnixMs t, std::string user, std::string token, std::string provider, std::string model,
                       std::string rotation, std::int64_t prompt, std::int64_t completion, std::optional<double> cost) {
  UsageRecord r;
  r.time_ms = t;
  r.username = std::move(user);
  r.token_id = std::move(token);
  r.route = "chat";
  r.requested_model = provider + "/" + model;
  r.provider = std::move(provider);
  r.model = std::move(model);
  r.rotation = std::move(rotation);
  r.attempts = 1;
  r.prompt_tokens = prompt;
  r.completion_tokens = completion;
  r.cost = cost;
  r.latency_ms = 120;
  r.ttfb_ms = 40;
  r.status = 200;
  return r;
}

inline UsageQuery window(UnixMs from, UnixMs to) {
  UsageQuery q;
  q.from_ms = from;
  q.to_ms = to;
  return q;
}

}  // namespace aisbf::store::testing
