// The condensation cascade into Candidate::condense_context / condense_methods:
// each layer winning over the ones below it, aisbf.json's switch, the
// built-in defaults, and a user's namespace cascading the same way.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "routing/condense_defaults.hpp"
#include "routing/rotation.hpp"
#include "routing/user_config.hpp"

namespace aisbf::routing {
namespace {

namespace json = boost::json;
using context::CondenseMethod;
using Methods = std::vector<CondenseMethod>;

// Provider "p": defaults 64 % + code_aware; model "m" 63 % + entity_aware;
// model "bare" sets nothing. Rotation "r": defaults 62 % + importance_based;
// its entry for "m" 61 % + semantic, its entry for "bare" sets nothing.
// Provider "q" sets nothing anywhere.
constexpr const char* kProviders = R"({"providers": {
  "p": {"endpoint": "http://127.0.0.1:9/v1", "type": "openai", "default_context_size": 1000,
        "default_condense_context": 64, "default_condense_method": "code_aware",
        "models": [{"name": "m", "condense_context": 63, "condense_method": ["entity_aware"]}, {"name": "bare"}]},
  "q": {"endpoint": "http://127.0.0.1:9/v1", "type": "openai", "models": [{"name": "plain", "context_size": 500}]}}})";
constexpr const char* kRotations = R"({"rotations": {
  "r": {"model_name": "r", "default_condense_context": 62, "default_condense_method": ["importance_based"],
        "providers": [{"provider_id": "p", "models": [
          {"name": "m", "condense_context": 61, "condense_method": "semantic"}, {"name": "bare"}]}]},
  "r0": {"model_name": "r0", "providers": [{"provider_id": "p", "models": [{"name": "m"}, {"name": "bare"}]}]}}})";

std::shared_ptr<const Config> load(const std::string& aisbf, const std::string& providers = kProviders,
                                   const std::string& rotations = kRotations) {
  ConfigValues v;
  v.aisbf = json::parse(aisbf);
  v.providers = json::parse(providers);
  v.rotations = json::parse(rotations);
  v.autoselect = json::object{};
  LoadResult r = load_config_values(v);
  // The one warning a config may give here: the switch overriding settings.
  for (const auto& d : r.diagnostics) {
    if (d.message.find("feature_controls.context_condensation.mode is \"disabled\"") == std::string::npos) {
      ADD_FAILURE() << format_diagnostic(d);
    }
  }
  return r.config;
}

const Candidate& in_rotation(const RoutingTable& table, std::string_view rotation, std::size_t i) {
  const RotationPlan* plan = table.rotation(rotation);
  EXPECT_NE(plan, nullptr);
  EXPECT_GT(plan->candidates.size(), i);
  return plan->candidates.at(i);
}

Candidate direct(const Config& config, std::string_view provider, std::string_view model) {
  const ProviderConfig& p = *config.find_provider(provider);
  return make_candidate(config, p, p.find_model(model), std::string(model));
}

TEST(CondenseCascade, RotationEntryWins) {
  RoutingTable table(load("{}"));
  const Candidate& c = in_rotation(table, "r", 0);
  EXPECT_EQ(c.condense_context, 61);
  EXPECT_EQ(c.condense_methods, Methods{CondenseMethod::semantic});
}

TEST(CondenseCascade, RotationDefaultsWinOverTheProvider) {
  RoutingTable table(load("{}"));
  const Candidate& c = in_rotation(table, "r", 1);  // "bare": nothing on the entry
  EXPECT_EQ(c.condense_context, 62);
  EXPECT_EQ(c.condense_methods, Methods{CondenseMethod::importance_based});
}

TEST(CondenseCascade, ProviderModelWinsOverProviderDefaults) {
  auto config = load("{}");
  RoutingTable table(config);
  const Candidate& in_plain_rotation = in_rotation(table, "r0", 0);
  EXPECT_EQ(in_plain_rotation.condense_context, 63);
  EXPECT_EQ(in_plain_rotation.condense_methods, Methods{CondenseMethod::entity_aware});
  Candidate c = direct(*config, "p", "m");
  EXPECT_EQ(c.condense_context, 63);
  EXPECT_EQ(c.condense_methods, Methods{CondenseMethod::entity_aware});
}

TEST(CondenseCascade, ProviderDefaultsApplyToBareModels) {
  auto config = load("{}");
  Candidate c = direct(*config, "p", "bare");
  EXPECT_EQ(c.condense_context, 64);
  EXPECT_EQ(c.condense_methods, Methods{CondenseMethod::code_aware});
  EXPECT_EQ(c.context_size, 1000);
}

TEST(CondenseCascade, EachFieldCascadesOnItsOwn) {
  // The entry sets only the method; the percent comes from the provider model.
  auto config = load("{}", kProviders, R"({"rotations": {"r": {"model_name": "r", "providers": [
      {"provider_id": "p", "models": [{"name": "m", "condense_method": "algorithmic"}]}]}}})");
  RoutingTable table(config);
  const Candidate& c = in_rotation(table, "r", 0);
  EXPECT_EQ(c.condense_context, 63);
  EXPECT_EQ(c.condense_methods, Methods{CondenseMethod::algorithmic});
}

TEST(CondenseCascade, NothingSetMeansNeverCondensed) {
  auto config = load("{}");
  Candidate c = direct(*config, "q", "plain");
  EXPECT_FALSE(c.condense_context);
  EXPECT_TRUE(c.condense_methods.empty());
}

TEST(CondenseCascade, ZeroOrAnEmptyListTurnsItOffAndStopsTheCascade) {
  auto config = load("{}", kProviders, R"({"rotations": {"r": {"model_name": "r", "providers": [
      {"provider_id": "p", "models": [{"name": "m", "condense_context": 0}, {"name": "bare", "condense_method": []}]}]}}})");
  RoutingTable table(config);
  EXPECT_FALSE(in_rotation(table, "r", 0).condense_context);
  EXPECT_TRUE(in_rotation(table, "r", 0).condense_methods.empty());
  EXPECT_FALSE(in_rotation(table, "r", 1).condense_context);
  EXPECT_TRUE(in_rotation(table, "r", 1).condense_methods.empty());
}

TEST(CondenseCascade, BuiltInDefaultsFillTheMissingHalf) {
  auto config = load("{}", R"({"providers": {"q": {"endpoint": "http://127.0.0.1:9/v1", "type": "openai",
      "models": [{"name": "only_method", "condense_method": "sliding_window"},
                 {"name": "only_percent", "condense_context": 70}]}}})",
                     R"({"rotations": {}})");
  Candidate method = direct(*config, "q", "only_method");
  EXPECT_EQ(method.condense_context, kDefaultCondensePercent);
  EXPECT_EQ(method.condense_methods, Methods{CondenseMethod::sliding_window});
  Candidate percent = direct(*config, "q", "only_percent");
  EXPECT_EQ(percent.condense_context, 70);
  EXPECT_EQ(percent.condense_methods, Methods(kDefaultCondenseMethods.begin(), kDefaultCondenseMethods.end()));
}

TEST(CondenseCascade, EnabledSwitchCondensesModelsThatSetNothing) {
  auto config = load(R"({"feature_controls": {"context_condensation": {"mode": "enabled"}}})");
  Candidate plain = direct(*config, "q", "plain");
  EXPECT_EQ(plain.condense_context, kDefaultCondensePercent);
  EXPECT_EQ(plain.condense_methods, Methods(kDefaultCondenseMethods.begin(), kDefaultCondenseMethods.end()));
  Candidate own = direct(*config, "p", "m");  // what a layer sets still wins
  EXPECT_EQ(own.condense_context, 63);
}

TEST(CondenseCascade, DisabledSwitchTurnsEveryLayerOff) {
  auto config = load(R"({"feature_controls": {"context_condensation": {"mode": "disabled"}}})");
  RoutingTable table(config);
  for (const Candidate* c : {&in_rotation(table, "r", 0), &in_rotation(table, "r", 1)}) {
    EXPECT_FALSE(c->condense_context);
    EXPECT_TRUE(c->condense_methods.empty());
  }
  EXPECT_FALSE(direct(*config, "p", "m").condense_context);
}

// A user's own provider and rotation cascade exactly as global ones, under
// the global aisbf.json switch.
TEST(CondenseCascade, UserNamespaceCascadesTheSameWay) {
  constexpr std::string_view kWords[] = {"models", "v1"};
  std::vector<UserDoc> docs{
      UserDoc{store::DocKind::provider, "own",
              json::parse(R"({"endpoint": "https://api.example.com/v1", "type": "openai",
                  "default_condense_context": 74, "default_condense_method": "code_aware",
                  "models": [{"name": "um", "condense_context": 73}]})").as_object()},
      UserDoc{store::DocKind::rotation, "ur",
              json::parse(R"({"model_name": "ur", "default_condense_method": ["hierarchical"], "providers": [
                  {"provider_id": "own", "models": [{"name": "um", "condense_context": 71}, {"name": "x"}]},
                  {"provider_id": "p", "models": [{"name": "bare"}]}]})").as_object()}};
  auto built = build_user_view(load("{}"), "alice", docs, false, kWords);
  ASSERT_TRUE(built.view) << (built.diagnostics.empty() ? "" : format_diagnostic(built.diagnostics[0]));
  const RotationPlan* plan = built.view->routes->rotation(internal_id("alice", "ur"));
  ASSERT_NE(plan, nullptr);
  ASSERT_EQ(plan->candidates.size(), 3u);
  EXPECT_EQ(plan->candidates[0].condense_context, 71);  // entry
  EXPECT_EQ(plan->candidates[0].condense_methods, Methods{CondenseMethod::hierarchical});  // rotation default
  EXPECT_EQ(plan->candidates[1].condense_context, 74);  // user's provider defaults
  EXPECT_EQ(plan->candidates[2].condense_context, 64);  // the borrowed global provider's defaults
  EXPECT_EQ(plan->candidates[2].condense_methods, Methods{CondenseMethod::hierarchical});

  auto off = build_user_view(load(R"({"feature_controls": {"context_condensation": {"mode": "disabled"}}})"), "alice",
                             docs, false, kWords);
  ASSERT_TRUE(off.view);
  for (const Candidate& c : off.view->routes->rotation(internal_id("alice", "ur"))->candidates) {
    EXPECT_FALSE(c.condense_context);
  }
}

}  // namespace
}  // namespace aisbf::routing
