#include "routing/pricing.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace aisbf::routing {
namespace {

boost::json::object entry(std::string_view json) { return boost::json::parse(json).as_object(); }

TEST(Pricing, ReadsAisbfPerTokenFieldsAsStringsOrNumbers) {
  auto p = prices_of(entry(R"({"name":"m","pricing":{"prompt":"0.0000025","completion":0.00001,"request":"0",)"
                           R"("image":"0.003613","internal_reasoning":"0.00002","input_cache_read":"0.00000125",)"
                           R"("input_cache_write":3e-6}})"));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(*p->prompt, 0.0000025);
  EXPECT_EQ(*p->completion, 0.00001);
  EXPECT_EQ(*p->request, 0.0);
  EXPECT_EQ(*p->reasoning, 0.00002);
  EXPECT_EQ(*p->cache_read, 0.00000125);
  EXPECT_EQ(*p->cache_write, 3e-6);
}

TEST(Pricing, CacheAliasesAndUnusableValues) {
  auto p = prices_of(entry(R"({"pricing":{"prompt":"-1","completion":"abc","cache_read":0.5,"cache_write":"0.25"}})"));
  ASSERT_TRUE(p.has_value());
  EXPECT_FALSE(p->prompt.has_value());      // OpenRouter's -1: varies
  EXPECT_FALSE(p->completion.has_value());  // not a number
  EXPECT_EQ(*p->cache_read, 0.5);
  EXPECT_EQ(*p->cache_write, 0.25);
  EXPECT_FALSE(prices_of(entry(R"({"name":"m"})")).has_value());
  EXPECT_FALSE(prices_of(entry(R"({"pricing":{}})")).has_value());
  EXPECT_FALSE(prices_of(entry(R"({"pricing":"cheap"})")).has_value());
  EXPECT_FALSE(prices_of(entry(R"({"pricing":{"prompt":null}})")).has_value());
}

TEST(Pricing, PromptAndCompletion) {
  ModelPrices p;
  p.prompt = 0.5;
  p.completion = 2.0;
  EXPECT_EQ(*cost_of(p, {.prompt = 10, .completion = 3}), 11.0);
  EXPECT_EQ(*cost_of(p, {}), 0.0);  // priced, no tokens: a real 0
}

TEST(Pricing, EveryComponentAtItsOwnPrice) {
  ModelPrices p;
  p.prompt = 1.0;
  p.completion = 4.0;
  p.cache_read = 0.25;
  p.cache_write = 2.0;
  p.reasoning = 8.0;
  p.request = 100.0;
  // prompt 100 = 60 fresh + 30 cached + 10 written; completion 20 = 15 text + 5 reasoning
  const TokenCounts t{.prompt = 100, .completion = 20, .cached = 30, .cache_write = 10, .reasoning = 5};
  EXPECT_EQ(*cost_of(p, t), 100.0 + 60 * 1.0 + 30 * 0.25 + 10 * 2.0 + 15 * 4.0 + 5 * 8.0);
}

TEST(Pricing, CacheAndReasoningFallBackToPromptAndCompletion) {
  ModelPrices p;
  p.prompt = 1.0;
  p.completion = 4.0;
  const TokenCounts t{.prompt = 100, .completion = 20, .cached = 30, .cache_write = 10, .reasoning = 5};
  EXPECT_EQ(*cost_of(p, t), 100 * 1.0 + 20 * 4.0);
}

TEST(Pricing, RealisticFigures) {
  auto p = prices_of(entry(R"({"pricing":{"prompt":"0.000003","completion":"0.000015","input_cache_read":"0.0000003"}})"));
  // 1200 prompt tokens of which 1000 cached, 300 completion
  const double cost = *cost_of(p, {.prompt = 1200, .completion = 300, .cached = 1000});
  EXPECT_NEAR(cost, 200 * 0.000003 + 1000 * 0.0000003 + 300 * 0.000015, 1e-15);
  EXPECT_NEAR(cost, 0.0054, 1e-15);
}

TEST(Pricing, UnpricedIsNullNeverZero) {
  EXPECT_FALSE(cost_of(std::nullopt, {.prompt = 10, .completion = 3}).has_value());
  ModelPrices prompt_only;
  prompt_only.prompt = 1.0;
  EXPECT_FALSE(cost_of(prompt_only, {.prompt = 10, .completion = 3}).has_value());
  EXPECT_EQ(*cost_of(prompt_only, {.prompt = 10}), 10.0);
  ModelPrices request_only;
  request_only.request = 0.01;
  EXPECT_FALSE(cost_of(request_only, {.prompt = 1}).has_value());
}

TEST(Pricing, InconsistentCountsAreClipped) {
  ModelPrices p;
  p.prompt = 1.0;
  p.completion = 1.0;
  p.cache_read = 0.5;
  EXPECT_EQ(*cost_of(p, {.prompt = 10, .completion = 0, .cached = 50}), 5.0);  // all 10 cached, not 50
}

TEST(Pricing, CascadeFieldByField) {
  ModelPrices rotation_entry;
  rotation_entry.completion = 9.0;
  ModelPrices provider_model;
  provider_model.prompt = 1.0;
  provider_model.completion = 2.0;
  auto p = cascade(rotation_entry, provider_model);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(*p->prompt, 1.0);
  EXPECT_EQ(*p->completion, 9.0);
  EXPECT_FALSE(cascade(std::nullopt, std::nullopt).has_value());
  EXPECT_EQ(*cascade(std::nullopt, provider_model)->completion, 2.0);
}

}  // namespace
}  // namespace aisbf::routing
