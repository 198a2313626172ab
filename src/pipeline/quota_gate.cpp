#include "pipeline/quota_gate.hpp"

#include <charconv>
#include <chrono>

#include "auth/account_index.hpp"
#include "auth/principal.hpp"
#include "pipeline/usage_tap.hpp"

namespace aisbf {
namespace {

limits::WallMs wall_now() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// The first `"<name>": <digits>` in the body. A scan, not a parse: the body
// is parsed later by the codec, and a wrong figure only moves the estimate.
std::optional<std::int64_t> scan_count(std::string_view body, std::string_view name) {
  const auto at = body.find(name);
  if (at == std::string_view::npos) return std::nullopt;
  std::size_t i = at + name.size();
  while (i < body.size() && (body[i] == ' ' || body[i] == ':' || body[i] == '\t' || body[i] == '\n')) ++i;
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(body.data() + i, body.data() + body.size(), value);
  if (ec != std::errc() || value < 0) return std::nullopt;
  return std::min<std::int64_t>(value, 10'000'000);
}

}  // namespace

limits::QuotaAmount quota_estimate(std::string_view body, const std::optional<routing::ModelPrices>& prices) {
  const std::int64_t prompt = static_cast<std::int64_t>(body.size() / 4);
  auto answer = scan_count(body, "\"max_completion_tokens\"");
  if (!answer) answer = scan_count(body, "\"max_tokens\"");
  const std::int64_t completion = answer.value_or(kDefaultQuotaAnswerTokens);
  const auto cost = routing::cost_of(prices, {prompt, completion, 0, 0, 0});
  return {prompt + completion, cost.value_or(0)};
}

GatewayError quota_error(const limits::QuotaRefusal& refusal) {
  GatewayError e = make_error(ErrorKind::rate_limited, refusal.message());
  e.retryable = false;
  e.code = "quota_exceeded";
  e.retry_after = std::to_string(refusal.retry_after_s);
  return e;
}

std::optional<GatewayError> QuotaTap::reserve(const auth::Principal& principal, std::string_view body,
                                              const std::optional<routing::ModelPrices>& prices,
                                              const UsageTap& usage) {
  using auth::PrincipalKind;
  if (ledger == nullptr || index == nullptr || held_.held() || usage_ != nullptr) return std::nullopt;
  if (principal.kind != PrincipalKind::user_token && principal.kind != PrincipalKind::session) return std::nullopt;
  const auto user = index->user(principal.user_id);
  if (!user || user->quotas_json.empty() || user->quotas_json == "{}") return std::nullopt;
  auto parsed = limits::parse_quotas(user->quotas_json);
  if (!parsed.spec || !parsed.spec->any()) return std::nullopt;  // refused at PATCH; an old row is no limit
  auto decision = ledger->reserve({{"user:" + principal.user_id, &*parsed.spec}}, quota_estimate(body, prices),
                                  wall_now());
  if (decision.refusal) return quota_error(*decision.refusal);
  held_ = std::move(*decision.reservation);
  usage_ = &usage;
  return std::nullopt;
}

void QuotaTap::settle() {
  if (!held_.held()) return;
  // No attempt was made (every candidate skipped, the deadline passed
  // first): the request never reached an upstream and costs nothing.
  if (usage_ != nullptr && usage_->on() && usage_->attempts == 0) return ledger->release(held_, wall_now());
  limits::QuotaAmount actual;
  if (usage_ != nullptr) {
    const ScannedUsage& u = usage_->usage;
    actual.tokens = u.prompt_tokens + u.completion_tokens;
    actual.cost = routing::cost_of(usage_->prices, {u.prompt_tokens, u.completion_tokens, u.cached_tokens,
                                                    u.cache_write_tokens, u.reasoning_tokens})
                      .value_or(0);
  }
  ledger->settle(held_, actual, wall_now());
}

}  // namespace aisbf
