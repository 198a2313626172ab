// The usage row made of a request's tap (the capture itself is driven
// through the binary in tests/integration/usage.test.mjs).
#include "pipeline/usage_capture.hpp"

#include <gtest/gtest.h>

namespace aisbf {
namespace {

// A prompt of `tokens` in `bytes`, counting how often it is asked and for which model.
struct Prompt {
  std::uint64_t bytes;
  std::int64_t tokens;
  int asked = 0;
  std::string model;
  std::int64_t operator()(std::string_view m) {
    ++asked;
    model = m;
    return tokens;
  }
  PromptMeasure measure() { return {bytes, *this}; }  // refers to this Prompt
};

RequestContext context() {
  RequestContext ctx;
  ctx.started = std::chrono::steady_clock::now() - std::chrono::milliseconds(40);
  ctx.principal.kind = auth::PrincipalKind::user_token;
  ctx.principal.user_id = "alice";
  ctx.principal.token_id = "tok1";
  ctx.usage.route = "chat";
  return ctx;
}

TEST(UsageCapture, ReportedUsageAndCost) {
  auto ctx = context();
  auto& tap = ctx.usage;
  tap.provider = "mock";
  tap.model = "mock-model";
  tap.attempts = 2;
  tap.rotation = "rot";
  tap.prices = routing::ModelPrices{.prompt = 0.5, .completion = 2.0};
  tap.usage = {.prompt_tokens = 10, .completion_tokens = 3, .total_tokens = 13, .cached_tokens = 4, .reported = true};
  tap.status = 200;
  tap.first_byte = ctx.started + std::chrono::milliseconds(15);
  tap.bytes_out = 400;
  Prompt prompt{1000, 250};
  const auto r = make_usage_record(ctx, "rot", prompt.measure(), false);
  EXPECT_EQ(prompt.asked, 0);  // the upstream's usage is the figure: nothing is counted
  EXPECT_EQ(r.username, "alice");
  EXPECT_EQ(r.token_id, "tok1");
  EXPECT_EQ(r.route, "chat");
  EXPECT_EQ(r.requested_model, "rot");
  EXPECT_EQ(r.rotation, "rot");
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(r.prompt_tokens, 10);
  EXPECT_EQ(r.completion_tokens, 3);
  EXPECT_EQ(r.cached_tokens, 4);
  EXPECT_FALSE(r.tokens_estimated);
  ASSERT_TRUE(r.cost.has_value());
  EXPECT_EQ(*r.cost, 10 * 0.5 + 3 * 2.0);  // no cache price: cached at the prompt price
  EXPECT_EQ(r.ttfb_ms, 15);
  EXPECT_GE(r.latency_ms, 40);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.error_kind.empty());
  const auto wall = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(r.time_ms, wall - 40);
  EXPECT_GT(r.time_ms, wall - 60'000);
}

TEST(UsageCapture, AnAnswerWithoutUsageIsEstimated) {
  auto ctx = context();
  ctx.usage.status = 200;
  ctx.usage.streamed = true;
  ctx.usage.bytes_out = 401;
  ctx.usage.model = "gpt-4o";
  Prompt prompt{100, 30};
  const auto r = make_usage_record(ctx, "m", prompt.measure(), true);
  EXPECT_TRUE(r.tokens_estimated);
  EXPECT_EQ(prompt.asked, 1);
  EXPECT_EQ(prompt.model, "gpt-4o");  // counted in the last attempt's model's encoding
  EXPECT_EQ(r.prompt_tokens, 30);
  EXPECT_EQ(r.completion_tokens, 120);  // 401 bytes at 0.3 tokens per byte, rounded
  EXPECT_TRUE(r.aborted);
  EXPECT_TRUE(r.streamed);
  EXPECT_FALSE(r.cost.has_value());  // no prices: null, not 0
}

// The row keeps the attempt's effective context; without reported usage it
// is the estimated prompt (a condensed request's count, not the original's).
TEST(UsageCapture, TheEffectiveContextIsStoredAndIsTheEstimatedPrompt) {
  auto ctx = context();
  ctx.usage.status = 200;
  ctx.usage.bytes_out = 100;
  ctx.usage.model = "gpt-4o";
  ctx.usage.effective_context = 40;
  Prompt prompt{200, 90};  // the original request: 90 tokens in 200 bytes
  auto r = make_usage_record(ctx, "m", prompt.measure(), false);
  EXPECT_EQ(prompt.asked, 0);
  EXPECT_TRUE(r.tokens_estimated);
  EXPECT_EQ(r.effective_context, 40);
  EXPECT_EQ(r.prompt_tokens, 40);
  EXPECT_EQ(r.completion_tokens, 20);  // 100 bytes at 40 tokens per 200 bytes
  ctx.usage.usage = {.prompt_tokens = 38, .completion_tokens = 5, .total_tokens = 43, .reported = true};
  r = make_usage_record(ctx, "m", prompt.measure(), false);
  EXPECT_FALSE(r.tokens_estimated);
  EXPECT_EQ(r.prompt_tokens, 38);  // the upstream's own count
  EXPECT_EQ(r.effective_context, 40);
}

// An autoselect's choice and how it was made, from the tap; a request
// without one keeps both empty.
TEST(UsageCapture, TheAutoselectChoiceAndHowItWasMade) {
  auto ctx = context();
  ctx.usage.status = 200;
  Prompt prompt{10, 3};
  auto r = make_usage_record(ctx, "mock/mock-model", prompt.measure(), false);
  EXPECT_TRUE(r.autoselected.empty());
  EXPECT_TRUE(r.autoselected_by.empty());

  ctx.usage.autoselected = "team; by=x/coding";  // a model_id is the operator's text
  ctx.usage.autoselected_by = "cache";
  r = make_usage_record(ctx, "autoselect/team", prompt.measure(), false);
  EXPECT_EQ(r.autoselected, "team; by=x/coding");
  EXPECT_EQ(r.autoselected_by, "cache");
}

TEST(UsageCapture, ARefusalHasNoTokensAndItsErrorKind) {
  auto ctx = context();
  ctx.usage.status = 404;
  ctx.usage.bytes_out = 120;
  ctx.usage.error = ErrorKind::not_found;
  ctx.usage.first_byte = ctx.started;
  Prompt prompt{80, 20};
  const auto r = make_usage_record(ctx, "nope/x", prompt.measure(), false);
  EXPECT_EQ(prompt.asked, 0);
  EXPECT_EQ(r.error_kind, "not_found");
  EXPECT_EQ(r.prompt_tokens, 0);
  EXPECT_FALSE(r.tokens_estimated);
  EXPECT_EQ(r.attempts, 0);
  EXPECT_TRUE(r.provider.empty());
}

TEST(UsageCapture, NothingSent) {
  auto ctx = context();
  Prompt prompt{10, 3};
  const auto r = make_usage_record(ctx, "m", prompt.measure(), true);
  EXPECT_EQ(prompt.asked, 0);
  EXPECT_EQ(r.ttfb_ms, -1);
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.tokens_estimated);
}

}  // namespace
}  // namespace aisbf
