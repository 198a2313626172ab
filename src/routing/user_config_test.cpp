// A user's namespace over an in-memory global config: validation as
// check-config does it, the view's internal ids, and model-id resolution in
// the global and a user's namespace.
#include <gtest/gtest.h>

#include <cstdlib>

#include <boost/json/parse.hpp>

#include "routing/resolve.hpp"
#include "routing/user_config.hpp"

namespace aisbf::routing {
namespace {

namespace json = boost::json;
using store::DocKind;

std::shared_ptr<const Config> global_config() {
  ConfigValues values;
  values.aisbf = json::parse(R"({"server":{"host":"127.0.0.1","port":17765}})");
  values.providers = json::parse(R"({"providers":{
    "shared":{"id":"shared","name":"shared","endpoint":"http://127.0.0.1:9/v1","type":"openai",
              "models":[{"name":"g1"}]}}})");
  values.rotations = json::parse(R"({"rotations":{"grot":{"model_name":"g","providers":[{"provider_id":"shared"}]}}})");
  values.autoselect = json::parse("{}");
  auto loaded = load_config_values(values);
  EXPECT_TRUE(loaded.ok());
  for (const auto& d : loaded.diagnostics) ADD_FAILURE() << format_diagnostic(d);
  return loaded.config;
}

UserDoc doc(DocKind kind, std::string id, std::string_view text) {
  return UserDoc{kind, std::move(id), json::parse(text).as_object()};
}

UserDoc mine() {
  return doc(DocKind::provider, "mine",
             R"({"name":"mine","endpoint":"https://api.example.com/v1","type":"openai","api_key":"sk-user-secret-1234",
                 "models":[{"name":"m1"},{"name":"m2"}]})");
}

constexpr std::string_view kNoWords[] = {"models", "v1", "user", "u"};

TEST(UserConfig, BuildsTheViewUnderInternalIds) {
  auto global = global_config();
  std::vector<UserDoc> docs{mine(), doc(DocKind::rotation, "both", R"({"model_name":"b","providers":[
      {"provider_id":"mine","models":[{"name":"m1"}]},{"provider_id":"shared"}]})")};
  auto built = build_user_view(global, "alice", docs, false, kNoWords);
  ASSERT_TRUE(built.view) << (built.diagnostics.empty() ? "" : format_diagnostic(built.diagnostics[0]));
  const UserView& v = *built.view;
  ASSERT_NE(v.provider("mine"), nullptr);
  EXPECT_EQ(v.provider("mine")->id, "~alice/mine");
  EXPECT_TRUE(v.provider("mine")->public_addresses_only);
  
  EXPECT_EQ(v.provider("mine")->api_key, "sk-user-secret-1234");
  EXPECT_EQ(v.config().find_provider("mine"), nullptr);  // never under the plain id
  ASSERT_NE(v.rotation("both"), nullptr);
  const auto* plan = v.routes->rotation("~alice/both");
  ASSERT_NE(plan, nullptr);
  ASSERT_EQ(plan->candidates.size(), 2u);
  EXPECT_EQ(plan->candidates[0].key, "~alice/mine/m1");  // own provider first
  EXPECT_EQ(plan->candidates[1].key, "shared/g1");       // else the global one
  EXPECT_FALSE(plan->candidates[1].provider->public_addresses_only);
  
}

TEST(UserConfig, AllowanceLiftsTheAddressRule) {
  auto built = build_user_view(global_config(), "bob", {mine()}, true, kNoWords);
  ASSERT_TRUE(built.view);
  EXPECT_FALSE(built.view->provider("mine")->public_addresses_only);
  
}

// "proxy": "tor" names the admin's tor only while tor.enabled: otherwise the
// port is an address like any other (loopback: refused at connect time).
TEST(UserConfig, TorProxyIsTrustedOnlyWhileTheAdminHasTorOn) {
  auto over_tor = doc(DocKind::provider, "mine",
                      R"({"name":"mine","endpoint":"https://api.example.com/v1","type":"openai","proxy":"tor",
                          "models":[{"name":"m1"}]})");
  auto off = build_user_view(global_config(), "carol", {over_tor}, false, kNoWords);
  ASSERT_TRUE(off.view);
  ASSERT_TRUE(off.view->provider("mine")->proxy);
  EXPECT_FALSE(off.view->provider("mine")->proxy->tor);
  EXPECT_EQ(off.view->provider("mine")->proxy->host, "127.0.0.1");
  auto allowed = build_user_view(global_config(), "carol", {over_tor}, true, kNoWords);
  ASSERT_TRUE(allowed.view);
  EXPECT_TRUE(allowed.view->provider("mine")->proxy->tor);  // private endpoints allowed anyway
  auto with_tor = std::make_shared<Config>(*global_config());
  with_tor->tor.enabled = true;
  auto on = build_user_view(with_tor, "carol", {over_tor}, false, kNoWords);
  ASSERT_TRUE(on.view);
  EXPECT_TRUE(on.view->provider("mine")->proxy->tor);
}

TEST(UserConfig, ValidationNamesTheEntryPath) {
  auto global = global_config();
  std::vector<UserDoc> docs{doc(DocKind::provider, "bad", R"({"type":"openai","endpoint":"http://h/v1",
                                                             "models":[{"name":"x","context_size":"big"}]})"),
                            doc(DocKind::rotation, "r", R"({"model_name":"r","providers":[{"provider_id":"nope"}]})")};
  auto loaded = load_user_docs(*global, docs, kNoWords);
  EXPECT_FALSE(loaded.ok());
  bool saw_model = false, saw_rotation = false;
  for (const auto& d : loaded.diagnostics) {
    if (d.file == "provider bad" && d.json_path == "models[0].context_size") saw_model = true;
    if (d.file == "rotation r" && d.json_path == "providers[0].provider_id") saw_rotation = true;
  }
  EXPECT_TRUE(saw_model);
  EXPECT_TRUE(saw_rotation);
  EXPECT_FALSE(build_user_view(global, "alice", docs, false, kNoWords).view);
}

// "env:NAME" keys: read for the operator's providers a user's rotation
// borrows, never for the user's own (the server's environment is not theirs),
// unless the caller says the documents are the operator's (an admin's draft).
TEST(UserConfig, EnvKeysOnlyForTheOperatorsProviders) {
  ::setenv("AISBF_USER_CONFIG_TEST_KEY", "sk-operator-env-1234", 1);
  ConfigValues values;
  values.providers = json::parse(R"({"providers":{"ops":{"id":"ops","endpoint":"http://127.0.0.1:9/v1",
      "type":"openai","api_key":"env:AISBF_USER_CONFIG_TEST_KEY","models":[{"name":"g1"}]}}})");
  values.rotations = json::parse(R"({"rotations":{}})");
  values.autoselect = json::parse("{}");
  auto global = load_config_values(values).config;
  ASSERT_TRUE(global);
  EXPECT_EQ(global->find_provider("ops")->api_key, "sk-operator-env-1234");
  std::vector<UserDoc> docs{
      doc(DocKind::provider, "mine", R"({"endpoint":"https://api.example.com/v1","type":"openai",
          "api_key":"env:AISBF_USER_CONFIG_TEST_KEY","models":[{"name":"m1"}]})"),
      doc(DocKind::rotation, "r", R"({"model_name":"r","providers":[{"provider_id":"ops"},{"provider_id":"mine"}]})")};
  auto loaded = load_user_docs(*global, docs, kNoWords);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded.config->find_provider("ops")->api_key, "sk-operator-env-1234");
  EXPECT_EQ(loaded.config->find_provider("mine")->api_key, "");
  bool warned = false;
  for (const auto& d : loaded.diagnostics) {
    EXPECT_EQ(format_diagnostic(d).find("sk-operator"), std::string::npos);
    warned = warned || (d.file == "provider mine" && d.json_path == "api_key");
  }
  EXPECT_TRUE(warned);
  auto admins = load_user_docs(*global, docs, kNoWords, true);
  ASSERT_TRUE(admins.ok());
  EXPECT_EQ(admins.config->find_provider("mine")->api_key, "sk-operator-env-1234");
  ::unsetenv("AISBF_USER_CONFIG_TEST_KEY");
}

TEST(UserConfig, ReservedAndSlashIdsAreRefused) {
  auto global = global_config();
  for (const char* id : {"models", "a/b"}) {
    UserDoc d = mine();
    d.id = id;
    std::vector<UserDoc> docs{d};
    EXPECT_FALSE(load_user_docs(*global, docs, kNoWords).ok()) << id;
  }
}

// Resolved to alice's provider `mine`, model m2, in her view.
void expect_mine_m2(const Expected<Resolution>& p, std::string_view what) {
  ASSERT_TRUE(p) << what << ": " << p.error().message;
  EXPECT_TRUE(p->in_user_view);
  EXPECT_EQ(p->target.provider->id, "~alice/mine");
  EXPECT_EQ(p->target.upstream_model, "m2");
}
void expect_alice_r(const Expected<Resolution>& r) {
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->in_user_view);
  EXPECT_EQ(r->rotation->id, "~alice/r");
}

// alice's view: her provider `mine` (m1, m2) and her rotation `r` over it.
BuiltView alice_with_r(const std::shared_ptr<const Config>& global) {
  return build_user_view(global, "alice",
                         {mine(), doc(DocKind::rotation, "r", R"({"model_name":"r","providers":[
                             {"provider_id":"mine"}]})")},
                         false, kNoWords);
}

TEST(UserConfig, ResolvesInTheNamespace) {
  auto global = global_config();
  auto built = alice_with_r(global);
  ASSERT_TRUE(built.view);
  const Namespace alice{"alice", built.view.get()};

  expect_mine_m2(resolve_chat(*global, alice, "", "user-provider/mine/m2"), "user-provider/mine/m2");
  expect_alice_r(resolve_chat(*global, alice, "", "user-rotation/r"));

  auto g = resolve_chat(*global, alice, "", "shared/g1");  // global ids keep working
  ASSERT_TRUE(g);
  EXPECT_FALSE(g->in_user_view);

  EXPECT_EQ(resolve_chat(*global, alice, "", "user-provider/mine/zzz").error().status, 404);
  EXPECT_EQ(resolve_chat(*global, alice, "", "user-provider/shared/g1").error().status, 404);
  EXPECT_EQ(resolve_chat(*global, alice, "", "user-rotation/grot").error().status, 404);
  EXPECT_EQ(resolve_chat(*global, alice, "", "~alice/mine/m1").error().status, 404);  // internal ids stay internal
}

// An autoselect's candidate ids as the model ids a client would name: a
// user's own provider by the id they wrote (not the view's internal one),
// and each of them resolves.
TEST(UserConfig, AutoselectTargetsAreModelIdsThatResolve) {
  auto global = global_config();
  auto built = alice_with_r(global);
  ASSERT_TRUE(built.view);
  const Namespace alice{"alice", built.view.get()};
  EXPECT_EQ(autoselect_target_id(*global, alice, "grot"), "rotation/grot");
  EXPECT_EQ(autoselect_target_id(*global, alice, "shared"), "shared/g1");
  EXPECT_EQ(autoselect_target_id(*global, alice, "r"), "user-rotation/r");
  EXPECT_EQ(autoselect_target_id(*global, alice, "mine"), "user-provider/mine/m1");
  EXPECT_EQ(autoselect_target_id(*global, alice, "shared/g1"), "shared/g1");
  EXPECT_EQ(autoselect_target_id(*global, alice, "autoselect/x"), std::nullopt);
  EXPECT_EQ(autoselect_target_id(*global, alice, "nothing"), std::nullopt);
  EXPECT_EQ(autoselect_target_id(*global, Namespace{}, "mine"), std::nullopt);
  for (const char* id : {"grot", "shared", "r", "mine"}) {
    auto resolved = resolve_chat(*global, alice, {}, *autoselect_target_id(*global, alice, id));
    EXPECT_TRUE(resolved) << id << ": " << (resolved ? "" : resolved.error().message);
  }
}

// /api/{scope}/…, /api/rotations/… and /api/autoselect/… in a user's
// namespace: the user's own targets after the global ones, never over them.
TEST(UserConfig, ResolvesScopedRoutesInTheNamespace) {
  auto global = global_config();
  auto built = build_user_view(global, "alice",
                               {mine(), doc(DocKind::rotation, "r", R"({"model_name":"r","providers":[
                                   {"provider_id":"mine"}]})"),
                                doc(DocKind::autoselect, "pick", R"({"model_name":"pick","description":"d",
                                   "fallback":"r","available_models":[{"model_id":"r","description":"x"}]})")},
                               false, kNoWords);
  ASSERT_TRUE(built.view);
  const Namespace alice{"alice", built.view.get()};
  for (std::string_view model : {"m2", "mine/m2", "user-provider/mine/m2"}) {
    expect_mine_m2(resolve_chat(*global, alice, "mine", model), model);
  }
  expect_alice_r(resolve_chat(*global, alice, "rotations", "user-rotation/r"));
  expect_alice_r(resolve_chat(*global, alice, "r", "x"));
  EXPECT_EQ(resolve_chat(*global, alice, "rotations", "grot")->rotation->id, "grot");
  EXPECT_EQ(resolve_chat(*global, alice, "rotations", "r").error().status, 404);  // bare ids are the global ones
  // A user's autoselect resolves in their view, on every door.
  for (auto [scope, model] : {std::pair{"autoselect", "user-autoselect/pick"}, std::pair{"pick", "x"},
                              std::pair{"", "user-autoselect/pick"}}) {
    auto a = resolve_chat(*global, alice, scope, model);
    ASSERT_TRUE(a) << scope << " " << model << ": " << a.error().message;
    ASSERT_NE(a->autoselect, nullptr);
    EXPECT_EQ(a->autoselect->id, "~alice/pick");  // its id in the view
    EXPECT_TRUE(a->in_user_view);
  }
  // The global provider keeps its scope; "user-provider/…" is no name of its models.
  auto g = resolve_chat(*global, alice, "shared", "g1");
  ASSERT_TRUE(g);
  EXPECT_FALSE(g->in_user_view);
  EXPECT_EQ(resolve_chat(*global, alice, "shared", "user-provider/shared/g1").error().status, 404);
  // No namespace, or another user's: 404; a view that could not be loaded: 503.
  EXPECT_EQ(resolve_chat(*global, Namespace{}, "mine", "m1").error().status, 404);
  EXPECT_EQ(resolve_chat(*global, Namespace{}, "rotations", "user-rotation/r").error().status, 404);
  EXPECT_EQ(resolve_chat(*global, Namespace{"alice", nullptr}, "mine", "m1").error().status, 503);
  EXPECT_TRUE(names_user_scope(*global, "mine"));
  EXPECT_FALSE(names_user_scope(*global, "shared"));
  EXPECT_FALSE(names_user_scope(*global, "rotations"));
}

TEST(UserConfig, NoNamespaceNoUserIds) {
  auto global = global_config();
  auto e = resolve_chat(*global, Namespace{}, "", "user-provider/mine/m1");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().status, 404);
  auto down = resolve_chat(*global, Namespace{"alice", nullptr}, "", "user-rotation/r");
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().status, 503);
  EXPECT_EQ(down.error().code, "store_unavailable");
}

}  // namespace
}  // namespace aisbf::routing
