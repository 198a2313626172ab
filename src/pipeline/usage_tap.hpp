// UsageTap: what one chat request's usage row needs, noted along the way
// (the route at dispatch, the rotation at resolution, each attempt's target
// and usage, the head status and first byte in UsageSink) and turned into a
// store::UsageRecord once the request is over (usage_capture.hpp). Only
// views into the request's config snapshot and numbers: noting costs no
// allocation on the request path.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/gateway_error.hpp"
#include "core/usage_scan.hpp"
#include "routing/pricing.hpp"

namespace aisbf {

namespace store {
class UsageRecorder;
}
namespace ops {
struct Shard;
}

struct UsageTap {
  store::UsageRecorder* recorder = nullptr;  // null: recording is off, nothing is noted or recorded
  std::string_view route;     // the route table's name (static)
  std::string_view rotation;  // rotation id, into the snapshot
  std::string_view provider;  // of the last attempt, into the snapshot
  // Its upstream model: a view into the snapshot (a listed model's own name,
  // no copy per attempt) or into model_copy (an unlisted candidate's name
  // dies with its attempt). set_model_copy() for any other name.
  std::string_view model;
  std::string model_copy;
  void set_model_copy(std::string_view name) {
    model_copy.assign(name);
    model = model_copy;
  }
  std::string autoselected;   // the candidate an autoselect chose (its model_id); empty: none
  std::string_view autoselected_by;  // how: "llm", "semantic", "cache", "fallback", "only" (static)
  std::optional<routing::ModelPrices> prices;
  int attempts = 0;
  ScannedUsage usage;  // the last attempt's
  // The last attempt's prompt as sent upstream, counted by the gateway
  // (sent_prompt.hpp); 0: not counted.
  std::int64_t effective_context = 0;
  std::optional<ErrorKind> error;
  // What the client got (UsageSink).
  int status = 0;
  bool streamed = false;
  std::chrono::steady_clock::time_point first_byte{};  // epoch: nothing sent
  std::uint64_t bytes_out = 0;

  // A quota reservation settles from the attempts and usage noted here, so
  // they are noted for it even with recording off (quota_gate.hpp).
  bool quota_held = false;
  // Metrics or the access log read them too (server.metrics, server.access_log).
  bool metrics = false;
  ops::Shard* shard = nullptr;     // this thread's metrics (null: server.metrics is off)
  std::string requested_model;     // the model the client named (for the access log)
  std::uint32_t target_label = 0;  // the last attempt's provider/model label (ops::Metrics::target)
  std::chrono::steady_clock::time_point attempt_started{};  // the last attempt's start
  // Every attempt's upstream time (to its answer's head, or its end) and the
  // rate_limit waits: the part of the time to the first byte that is not
  // the gateway's own (gateway overhead = TTFB - this).
  std::chrono::steady_clock::duration upstream_total{};

  bool on() const { return recorder != nullptr; }
  bool noting() const { return recorder != nullptr || quota_held || metrics; }
};

}  // namespace aisbf
