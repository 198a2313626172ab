// QuotaTap on its own: the subjects a principal's specs make, one decision
// on both, and the release of a request that made no attempt, with usage
// recording off (no recorder) as well as on.
#include "pipeline/quota_gate.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>

#include "auth/principal.hpp"
#include "pipeline/usage_tap.hpp"

namespace aisbf {
namespace {

auth::Principal user_token(std::shared_ptr<const limits::QuotaSpec> user, std::shared_ptr<const limits::QuotaSpec> token) {
  auth::Principal p;
  p.kind = auth::PrincipalKind::user_token;
  p.role = auth::Role::user;
  p.user_id = "alice";
  p.token_id = "tok_1";
  p.user_quotas = std::move(user);
  p.token_quotas = std::move(token);
  return p;
}

std::shared_ptr<const limits::QuotaSpec> per_day(std::int64_t n) {
  limits::QuotaSpec s;
  s.requests_per_day = n;
  return std::make_shared<const limits::QuotaSpec>(s);
}

limits::WallMs now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// One request through a tap: reserve, `attempts` noted, settle at the end.
// Its prompt is counted (as 5 tokens) only for a principal with quotas.
std::optional<GatewayError> request(limits::QuotaLedger& ledger, const auth::Principal& p, int attempts) {
  UsageTap usage;  // no recorder: recording off
  QuotaTap tap;
  tap.ledger = &ledger;
  int counted = 0;
  auto refused = tap.reserve(
      p, R"({"max_tokens":8})", [&] { return ++counted, std::int64_t{5}; }, std::nullopt, usage);
  if (!refused) EXPECT_EQ(usage.quota_held, p.user_quotas || p.token_quotas);  // noted for the quota only
  EXPECT_EQ(counted, p.user_quotas || p.token_quotas ? 1 : 0);
  usage.attempts = attempts;
  return refused;  // the tap settles here
}

std::int64_t day_requests(const limits::QuotaLedger& ledger, std::string_view key) {
  auto u = ledger.usage(key, now_ms());
  return u ? u->day_requests : 0;
}

TEST(QuotaTap, NoQuotasNeverReachTheLedger) {
  auto ledger = limits::make_in_process_quota_ledger();
  EXPECT_FALSE(request(*ledger, user_token(nullptr, nullptr), 1));
  EXPECT_EQ(ledger->tracked().keys, 0u);
}

TEST(QuotaTap, ARequestWithNoAttemptIsReleasedWithRecordingOff) {
  auto ledger = limits::make_in_process_quota_ledger();
  const auto p = user_token(per_day(1), nullptr);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(request(*ledger, p, 0)) << i;
  EXPECT_EQ(day_requests(*ledger, "user:alice"), 0);
  EXPECT_FALSE(request(*ledger, p, 1));
  EXPECT_EQ(day_requests(*ledger, "user:alice"), 1);
  auto refused = request(*ledger, p, 1);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 429);
  EXPECT_EQ(refused->code, "quota_exceeded");
}

TEST(QuotaTap, UserAndTokenInOneDecisionNamingTheRefuser) {
  auto ledger = limits::make_in_process_quota_ledger();
  const auto p = user_token(per_day(3), per_day(1));
  EXPECT_FALSE(request(*ledger, p, 1));
  auto refused = request(*ledger, p, 1);
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->message.find("token tok_1: requests_per_day 1 reached"), std::string::npos) << refused->message;
  // The token's refusal charged the user nothing.
  EXPECT_EQ(day_requests(*ledger, "user:alice"), 1);
  EXPECT_EQ(day_requests(*ledger, "token:tok_1"), 1);
  // A session carries no token quotas: only the user's count.
  auto session = user_token(per_day(3), per_day(1));
  session.kind = auth::PrincipalKind::session;
  session.token_quotas = nullptr;
  EXPECT_FALSE(request(*ledger, session, 1));
  EXPECT_EQ(day_requests(*ledger, "user:alice"), 2);
}

// A cache hit counts as a request and is refused by a request count as a
// miss is; a token budget it cannot add to does not refuse it, and it
// charges nothing but the request.
TEST(QuotaTap, AHitCountsAsARequestAndCostsNothing) {
  auto ledger = limits::make_in_process_quota_ledger();
  limits::QuotaSpec spec;
  spec.requests_per_day = 2;
  spec.tokens_per_day = 0;  // spent: any miss is refused
  const auto p = user_token(std::make_shared<const limits::QuotaSpec>(spec), per_day(5));
  auto miss = request(*ledger, p, 1);
  ASSERT_TRUE(miss);
  EXPECT_NE(miss->message.find("tokens_per_day"), std::string::npos) << miss->message;
  auto hit = [&] {
    QuotaTap tap;
    tap.ledger = ledger.get();
    return tap.admit_hit(p);
  };
  EXPECT_FALSE(hit());
  EXPECT_FALSE(hit());
  const auto u = ledger->usage("user:alice", now_ms());
  EXPECT_EQ(u->day_requests, 2);
  EXPECT_EQ(u->day_tokens, 0);
  EXPECT_EQ(u->in_flight, 0);
  EXPECT_EQ(day_requests(*ledger, "token:tok_1"), 2);
  auto refused = hit();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code, "quota_exceeded");
  EXPECT_NE(refused->message.find("requests_per_day"), std::string::npos) << refused->message;
}

// A hit after an autoselect reserved (before its choice): the reservation
// settles as a request at zero, not released as one that made no attempt.
TEST(QuotaTap, AHitSettlesAHeldReservationAtZero) {
  auto ledger = limits::make_in_process_quota_ledger();
  const auto p = user_token(per_day(3), nullptr);
  UsageTap usage;
  {
    QuotaTap tap;
    tap.ledger = ledger.get();
    ASSERT_FALSE(tap.reserve(p, "{}", [] { return std::int64_t{5}; }, std::nullopt, usage));
    EXPECT_FALSE(tap.admit_hit(p));
  }
  const auto u = ledger->usage("user:alice", now_ms());
  EXPECT_EQ(u->day_requests, 1);
  EXPECT_EQ(u->day_tokens, 0);
  EXPECT_EQ(u->in_flight, 0);
}

// A principal without quotas, or a process without a ledger: nothing to ask.
TEST(QuotaTap, AHitWithoutQuotasNeverReachesTheLedger) {
  auto ledger = limits::make_in_process_quota_ledger();
  QuotaTap tap;
  EXPECT_FALSE(tap.admit_hit(user_token(per_day(0), nullptr)));  // no ledger
  tap.ledger = ledger.get();
  EXPECT_FALSE(tap.admit_hit(user_token(nullptr, nullptr)));
  EXPECT_EQ(ledger->tracked().keys, 0u);
}

// An answer without usage settles at the prompt as sent (the attempt's
// effective context: a condensed request's condensed count), not at zero
// and not at the estimate's original count; reported usage wins.
TEST(QuotaTap, AnAnswerWithoutUsageSettlesAtThePromptAsSent) {
  auto ledger = limits::make_in_process_quota_ledger();
  limits::QuotaSpec spec;
  spec.tokens_per_day = 1'000'000;
  const auto p = user_token(std::make_shared<const limits::QuotaSpec>(spec), nullptr);
  auto day_tokens = [&] { return ledger->usage("user:alice", now_ms())->day_tokens; };
  {
    UsageTap usage;
    QuotaTap tap;
    tap.ledger = ledger.get();
    ASSERT_FALSE(tap.reserve(p, R"({"max_tokens":8})", [] { return std::int64_t{5000}; }, std::nullopt, usage));
    EXPECT_EQ(day_tokens(), 5008);  // the estimate: the original prompt and max_tokens
    usage.attempts = 1;
    usage.effective_context = 1200;  // condensed to this
    tap.settle_answered(ScannedUsage{});  // the upstream reported none
    EXPECT_EQ(day_tokens(), 1200);
  }
  {
    UsageTap usage;
    QuotaTap tap;
    tap.ledger = ledger.get();
    ASSERT_FALSE(tap.reserve(p, "{}", [] { return std::int64_t{5000}; }, std::nullopt, usage));
    usage.attempts = 1;
    usage.effective_context = 1200;
    tap.settle_answered(ScannedUsage{.prompt_tokens = 1100, .completion_tokens = 7, .reported = true});
    EXPECT_EQ(day_tokens(), 1200 + 1107);
  }
}

// A condensation call's tokens settle with the request it served, on both
// subjects; a request refused for its size after condensing (no attempt)
// still pays for the condensation rather than being released.
ScannedUsage used(std::int64_t prompt, std::int64_t completion) {
  ScannedUsage u;
  u.prompt_tokens = prompt;
  u.completion_tokens = completion;
  return u;
}

TEST(QuotaTap, SideCallTokensSettleWithTheRequest) {
  auto ledger = limits::make_in_process_quota_ledger();
  limits::QuotaSpec spec;
  spec.tokens_per_day = 1'000'000;
  const auto p = user_token(std::make_shared<const limits::QuotaSpec>(spec), per_day(10));
  auto day_tokens = [&](std::string_view key) { return ledger->usage(key, now_ms())->day_tokens; };
  // One request with a side call of `side`; `answer` set: an attempt answered with it.
  auto request_with_side_call = [&](const ScannedUsage& side, std::optional<ScannedUsage> answer) {
    UsageTap usage;
    QuotaTap tap;
    tap.ledger = ledger.get();
    ASSERT_FALSE(tap.reserve(
        p, R"({"max_tokens":8})", [] { return std::int64_t{5}; }, std::nullopt, usage));
    tap.add_side_call(side, std::nullopt);
    if (!answer) return;  // no attempt: settled with the side call, not released
    usage.attempts = 1;
    tap.settle_answered(*answer);
  };
  request_with_side_call(used(300, 40), used(20, 7));
  EXPECT_EQ(day_tokens("user:alice"), 367);
  EXPECT_EQ(day_tokens("token:tok_1"), 367);
  request_with_side_call(used(100, 0), std::nullopt);
  EXPECT_EQ(day_tokens("user:alice"), 467);
  EXPECT_EQ(day_requests(*ledger, "user:alice"), 2);
}

ScannedUsage reported(std::int64_t prompt, std::int64_t completion) {
  ScannedUsage u = used(prompt, completion);
  u.reported = true;
  return u;
}

// Alice with a day's token budget, and one request of hers (5 prompt tokens,
// max_tokens 8: an estimate of 13) holding its reservation, settled when it
// goes out of scope.
struct TokenBudget {
  std::unique_ptr<limits::QuotaLedger> ledger = limits::make_in_process_quota_ledger();
  auth::Principal alice = user_token(std::make_shared<const limits::QuotaSpec>([] {
                                       limits::QuotaSpec s;
                                       s.tokens_per_day = 1'000'000;
                                       return s;
                                     }()),
                                     nullptr);
  std::int64_t day_tokens() const { return ledger->usage("user:alice", now_ms())->day_tokens; }
};
struct HeldRequest {
  UsageTap usage;  // outlives the tap, which reads it when it settles
  QuotaTap tap;
  explicit HeldRequest(TokenBudget& b) {
    tap.ledger = b.ledger.get();
    EXPECT_FALSE(tap.reserve(b.alice, R"({"max_tokens":8})", [] { return std::int64_t{5}; }, std::nullopt, usage));
    usage.attempts = 1;
  }
};

// A split's attempt whose later chunk failed unseen (split_attempt.cpp):
// its answered chunks are charged once, whether the request then ends on
// that attempt (the tap keeps the same figures as its usage) or another
// attempt serves it.
TEST(QuotaTap, AFailedAttemptIsChargedOnceWhetherAnotherServesOrNot) {
  TokenBudget budget;
  {
    HeldRequest r(budget);
    r.tap.add_failed_attempt(reported(100, 20), std::nullopt);
    r.usage.usage = reported(100, 20);  // the loop notes the attempt's outcome; the request ends with its error
  }
  EXPECT_EQ(budget.day_tokens(), 120);
  {
    HeldRequest r(budget);
    r.tap.add_failed_attempt(reported(100, 20), std::nullopt);
    r.usage.usage = reported(100, 20);
    r.usage.attempts = 2;  // the next candidate answers
    r.usage.usage = reported(50, 5);
    r.tap.settle_answered(r.usage.usage);
  }
  EXPECT_EQ(budget.day_tokens(), 120 + 175);
}

// A split's chunks add up (each as reported, else its prompt as sent) and
// settle once, when settle_deferred says the last bytes are next; dropped,
// the request settles from the tap as any other.
TEST(QuotaTap, ASplitsChunksSettleOnceTogether) {
  TokenBudget budget;
  {
    HeldRequest r(budget);
    r.tap.defer_answered();
    r.tap.settle_answered(reported(100, 10));
    r.usage.effective_context = 80;  // chunk 2's prompt as sent; its upstream reported no usage
    r.tap.settle_answered(ScannedUsage{});
    EXPECT_EQ(budget.day_tokens(), 13);  // still the estimate
    r.tap.settle_deferred();
    EXPECT_EQ(budget.day_tokens(), 190);
    r.tap.settle_answered(reported(1000, 1000));  // settled already: nothing more
    r.usage.usage = reported(1000, 1000);
  }
  EXPECT_EQ(budget.day_tokens(), 190);
  {
    HeldRequest r(budget);
    r.tap.defer_answered();
    r.tap.settle_answered(reported(100, 10));
    r.tap.drop_deferred();
    r.usage.usage = reported(7, 3);
  }
  EXPECT_EQ(budget.day_tokens(), 190 + 10);
}

}  // namespace
}  // namespace aisbf
