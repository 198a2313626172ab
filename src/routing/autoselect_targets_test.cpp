// An autoselect's candidates and fallback resolved once per RoutingTable:
// what each is served as, whether it can serve plain, image and tool
// requests, the dearest prices, and that the table answers only for its own
// snapshot's entry.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "routing/autoselect_targets.hpp"
#include "routing/rotation.hpp"

namespace aisbf::routing {
namespace {

ModelConfig model(std::string name, std::vector<std::string> capabilities, std::string_view pricing = {}) {
  ModelConfig m;
  m.name = std::move(name);
  m.capabilities = std::move(capabilities);
  if (!pricing.empty()) m.raw = boost::json::parse(pricing).as_object();
  return m;
}

// Provider p: "eye" (vision, dear), "hand" (tools, cheap), "bare" (declares
// nothing: anything goes); provider "open" lists no models (any name goes);
// rotation "rot" over eye and hand; autoselect "pick" over every kind of id,
// and "other", which "pick" names too.
std::shared_ptr<Config> config_with_autoselects() {
  auto config = std::make_shared<Config>();
  ProviderConfig p;
  p.id = "p";
  p.models = {model("eye", {"vision"}, R"({"pricing":{"prompt":5,"completion":20}})"),
              model("hand", {"function_calling"}, R"({"pricing":{"prompt":1,"completion":2}})"),
              model("bare", {})};
  ProviderConfig open;
  open.id = "open";
  config->providers = {p, open};
  RotationConfig rot;
  rot.id = "rot";
  RotationProvider entry;
  entry.provider_id = "p";
  RotationModel eye, hand;
  eye.name = "eye";
  hand.name = "hand";
  entry.models = {eye, hand};
  rot.providers = {entry};
  config->rotations = {rot};
  AutoselectConfig pick;
  pick.id = "pick";
  pick.fallback = "p/bare";
  for (const char* id : {"rot", "p/hand", "nowhere", "other", "open/any", "p/unlisted"}) pick.candidates.push_back({.model_id = id});
  AutoselectConfig other;
  other.id = "other";
  other.candidates.push_back({.model_id = "p/eye"});
  config->autoselects = {pick, other};
  return config;
}

TEST(AutoselectTargets, ResolvedOncePerTable) {
  const RoutingTable table(config_with_autoselects());
  const AutoselectConfig& pick = table.config().autoselects[0];
  const AutoselectTargets* t = table.autoselect_targets(pick);
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->candidates.size(), 6u);

  const AutoselectTarget& rot = t->candidates[0];  // any of the rotation's models
  EXPECT_EQ(rot.target, "rotation/rot");
  EXPECT_TRUE(rot.serves && rot.images && rot.tools);
  const AutoselectTarget& hand = t->candidates[1];
  EXPECT_EQ(hand.target, "p/hand");
  EXPECT_TRUE(hand.serves && hand.tools);
  EXPECT_FALSE(hand.images);
  EXPECT_FALSE(t->candidates[2].target);  // names nothing
  EXPECT_FALSE(t->candidates[2].serves);
  EXPECT_FALSE(t->candidates[3].target);  // an autoselect is never a target
  const AutoselectTarget& any = t->candidates[4];  // unlisted: declares nothing, anything goes
  EXPECT_EQ(any.target, "open/any");
  EXPECT_TRUE(any.serves && any.images && any.tools);
  const AutoselectTarget& unlisted = t->candidates[5];  // p lists its models: no other name resolves
  EXPECT_EQ(unlisted.target, "p/unlisted");
  EXPECT_FALSE(unlisted.serves);

  // What serves is kept resolved, as resolve_chat answers its target (a
  // choice is served without resolving it again); what does not is not.
  ASSERT_TRUE(rot.resolved);
  ASSERT_NE(rot.resolved->rotation, nullptr);
  EXPECT_EQ(rot.resolved->rotation, &table.config().rotations[0]);
  ASSERT_TRUE(hand.resolved);
  EXPECT_EQ(hand.resolved->rotation, nullptr);
  EXPECT_EQ(hand.resolved->target.provider, &table.config().providers[0]);
  EXPECT_EQ(hand.resolved->target.upstream_model, "hand");
  EXPECT_FALSE(t->candidates[2].resolved);
  EXPECT_FALSE(t->candidates[3].resolved);
  ASSERT_TRUE(any.resolved);
  EXPECT_EQ(any.resolved->target.upstream_model, "any");
  EXPECT_FALSE(unlisted.resolved);

  // The rotation's dear model sets them; the fallback (unpriced) does not lower them.
  ASSERT_TRUE(t->highest_prices);
  EXPECT_EQ(t->highest_prices->prompt, 5);
  EXPECT_EQ(t->highest_prices->completion, 20);
}

TEST(AutoselectTargets, OnlyForTheTablesOwnEntry) {
  const RoutingTable table(config_with_autoselects());
  // A user's autoselect may share an id with a global one: never its answer.
  const AutoselectConfig copy = table.config().autoselects[1];
  EXPECT_EQ(table.autoselect_targets(copy), nullptr);
  const AutoselectTargets* own = table.autoselect_targets(table.config().autoselects[1]);
  ASSERT_NE(own, nullptr);
  EXPECT_EQ(own->candidates.at(0).target, "p/eye");
}

TEST(AutoselectTargets, FallbackPricesCount) {
  auto config = config_with_autoselects();
  config->autoselects[0].candidates = {{.model_id = "p/bare"}};
  config->autoselects[0].fallback = "p/hand";
  const RoutingTable table(config);
  const AutoselectTargets* t = table.autoselect_targets(table.config().autoselects[0]);
  ASSERT_NE(t, nullptr);
  ASSERT_TRUE(t->highest_prices);
  EXPECT_EQ(t->highest_prices->prompt, 1);
}

}  // namespace
}  // namespace aisbf::routing
