#include "pipeline/attempt_report.hpp"

#include <algorithm>
#include <ctime>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

namespace aisbf {

namespace {

std::string describe(const AttemptRecord& r) {
  if (r.skipped) return fmt::format("{} skipped: {}", r.target, r.error);
  if (r.status != 0) return fmt::format("{} failed with status {}: {}", r.target, r.status, r.error);
  return fmt::format("{} failed: {}", r.target, r.error);
}

std::string attempts_json(const std::vector<AttemptRecord>& records) {
  boost::json::array out;
  for (const auto& r : records) {
    boost::json::object o;
    o["target"] = r.target;
    o["status"] = r.status;
    o["error"] = r.error;
    if (r.skipped) o["skipped"] = true;
    if (r.rate_limited) o["rate_limited"] = true;
    if (r.retry_after) o["retry_after_s"] = static_cast<double>(r.retry_after->count()) / 1000.0;
    out.emplace_back(std::move(o));
  }
  return boost::json::serialize(out);
}

}  // namespace

std::string retry_after_seconds(std::chrono::milliseconds wait) {
  return std::to_string(std::max<std::int64_t>(1, (wait.count() + 999) / 1000));
}

GatewayError all_candidates_failed(std::string_view rotation_id, const std::vector<AttemptRecord>& records) {
  std::string list;
  int sent = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (!records[i].skipped) ++sent;
    list += fmt::format("{}{}) {}", i == 0 ? "" : "; ", i + 1, describe(records[i]));
  }
  const bool all_rate_limited =
      !records.empty() && std::all_of(records.begin(), records.end(), [](const auto& r) { return r.rate_limited; });
  std::string message =
      records.empty() ? fmt::format("rotation '{}' has no candidate that can serve this request", rotation_id)
                      : fmt::format("rotation '{}': no candidate could answer ({} tried, {} in all): {}", rotation_id,
                                    sent, records.size(), list);
  auto e = make_error(all_rate_limited ? ErrorKind::rate_limited : ErrorKind::unavailable, std::move(message));
  e.code = "all_candidates_failed";
  e.attempts_json = attempts_json(records);
  if (all_rate_limited) {
    std::optional<std::chrono::milliseconds> soonest;
    for (const auto& r : records) {
      if (r.retry_after && (!soonest || *r.retry_after < *soonest)) soonest = r.retry_after;
    }
    e.retry_after = retry_after_seconds(soonest.value_or(std::chrono::milliseconds::zero()));
  }
  return e;
}

ChatResponse notify_response(const GatewayError& error) {
  ChatResponse response;
  response.created = static_cast<std::int64_t>(std::time(nullptr));
  response.message.role = Role::assistant;
  response.message.content.emplace_back(TextBlock{error.message});
  response.finish_reason = FinishReason::stop;
  return response;
}

}  // namespace aisbf
