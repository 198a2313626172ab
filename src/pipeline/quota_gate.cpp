#include "pipeline/quota_gate.hpp"

#include <charconv>
#include <chrono>

#include "auth/principal.hpp"
#include "limits/quotas.hpp"
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

// The principal's quota subjects: the user's, and a user token's own.
// `user` and `token`: the specs to check them by (the principal's, or a
// cut of them).
std::vector<limits::QuotaSubject> subjects_of(const auth::Principal& principal, const limits::QuotaSpec* user,
                                              const limits::QuotaSpec* token) {
  std::vector<limits::QuotaSubject> subjects;
  subjects.reserve(2);
  if (user != nullptr) subjects.push_back({"user:" + principal.user_id, user});
  if (token != nullptr && principal.kind == auth::PrincipalKind::user_token)
    subjects.push_back({"token:" + principal.token_id, token});
  return subjects;
}

// The limits a request that costs nothing can reach: how many, not how much.
limits::QuotaSpec request_counts(const limits::QuotaSpec& spec) {
  limits::QuotaSpec counts;
  counts.requests_per_minute = spec.requests_per_minute;
  counts.requests_per_day = spec.requests_per_day;
  counts.max_concurrent = spec.max_concurrent;
  return counts;
}

}  // namespace

limits::QuotaAmount quota_estimate(std::string_view body, std::int64_t prompt,
                                   const std::optional<routing::ModelPrices>& prices) {
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
                                              json_scan::FunctionRef<std::int64_t()> prompt_tokens,
                                              const std::optional<routing::ModelPrices>& prices, UsageTap& usage) {
  // The specs were parsed when the index stored the user and the token: no
  // quotas is two null pointers, and nothing else is looked at.
  if (ledger == nullptr || held_.held() || usage_ != nullptr) return std::nullopt;
  if (!principal.user_quotas && !principal.token_quotas) return std::nullopt;
  const auto subjects = subjects_of(principal, principal.user_quotas.get(), principal.token_quotas.get());
  // One decision on every subject: both admit, or neither is charged.
  auto decision = ledger->reserve(subjects, quota_estimate(body, prompt_tokens(), prices), wall_now());
  if (decision.refusal) return quota_error(*decision.refusal);
  held_ = std::move(*decision.reservation);
  usage_ = &usage;
  usage.quota_held = held_.held();  // settle() needs its attempts, recording on or off
  return std::nullopt;
}

std::optional<GatewayError> QuotaTap::admit_hit(const auth::Principal& principal) {
  if (ledger == nullptr) return std::nullopt;
  if (held_.held()) {
    settle_at({});
    return std::nullopt;
  }
  if (usage_ != nullptr || (!principal.user_quotas && !principal.token_quotas)) return std::nullopt;
  std::optional<limits::QuotaSpec> user, token;
  if (principal.user_quotas) user = request_counts(*principal.user_quotas);
  if (principal.token_quotas) token = request_counts(*principal.token_quotas);
  const auto subjects = subjects_of(principal, user ? &*user : nullptr, token ? &*token : nullptr);
  auto decision = ledger->reserve(subjects, {}, wall_now());
  if (decision.refusal) return quota_error(*decision.refusal);
  if (decision.reservation->held()) ledger->settle(*decision.reservation, {}, wall_now());
  return std::nullopt;
}

void QuotaTap::settle() {
  deferring_ = false;  // the request is over: a split cut short settles from the tap like any request
  if (!held_.held()) return;
  // No attempt was made (every candidate skipped, the deadline passed
  // first): the request never reached an upstream and costs nothing, unless
  // a side call (condensation, then a refusal for size) did.
  const bool side_spent = side_.tokens != 0 || side_.cost != 0;
  if (usage_ != nullptr && usage_->attempts == 0 && !side_spent) return ledger->release(held_, wall_now());
  // The last attempt's usage was charged already (add_failed_attempt): the side calls alone.
  if (usage_ != nullptr && side_attempt_ != 0 && side_attempt_ == usage_->attempts) return settle_at({});
  settle_answered(usage_ != nullptr ? usage_->usage : ScannedUsage{});
}

void QuotaTap::settle_answered(const ScannedUsage& u) {
  if (!held_.held()) return;
  const limits::QuotaAmount amount = answered(u);
  if (!deferring_) return settle_at(amount);
  deferred_.tokens += amount.tokens;
  deferred_.cost += amount.cost;
}

limits::QuotaAmount QuotaTap::answered(const ScannedUsage& u) const {
  limits::QuotaAmount actual;
  // No usage reported: the prompt as sent (a condensed request's condensed
  // count) is what it certainly used.
  const std::int64_t prompt =
      !u.reported && usage_ != nullptr && usage_->effective_context > 0 ? usage_->effective_context : u.prompt_tokens;
  actual.tokens = prompt + u.completion_tokens;
  if (usage_ != nullptr) {
    actual.cost = routing::cost_of(usage_->prices, {prompt, u.completion_tokens, u.cached_tokens,
                                                    u.cache_write_tokens, u.reasoning_tokens})
                      .value_or(0);
  }
  return actual;
}

void QuotaTap::defer_answered() {
  deferring_ = true;
  deferred_ = {};
}

void QuotaTap::settle_deferred() {
  if (!deferring_) return;
  deferring_ = false;
  if (held_.held()) settle_at(deferred_);
}

void QuotaTap::settle_at(limits::QuotaAmount attempt) {
  attempt.tokens += side_.tokens;
  attempt.cost += side_.cost;
  ledger->settle(held_, attempt, wall_now());
}

void QuotaTap::add_side_call(const ScannedUsage& u, const std::optional<routing::ModelPrices>& prices) {
  if (!held_.held()) return;
  side_.tokens += u.prompt_tokens + u.completion_tokens;
  side_.cost += routing::cost_of(prices, {u.prompt_tokens, u.completion_tokens, u.cached_tokens, u.cache_write_tokens,
                                          u.reasoning_tokens})
                    .value_or(0);
}

void QuotaTap::add_failed_attempt(const ScannedUsage& u, const std::optional<routing::ModelPrices>& prices) {
  if (!held_.held()) return;
  add_side_call(u, prices);
  if (usage_ != nullptr) side_attempt_ = usage_->attempts;
}

}  // namespace aisbf
