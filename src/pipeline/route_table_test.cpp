// The gateway's own route table: every route and alias of today, its
// policy and format, and the reserved words check-config gets from it.
#include "pipeline/route_table.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace aisbf {
namespace {

using Outcome = api::RouteMatch::Outcome;

std::string_view kind(std::string_view method, std::string_view target) {
  auto m = route_matcher().match(method, target);
  if (m.outcome == Outcome::not_found) return "not_found";
  if (m.outcome == Outcome::method_not_allowed) return "method_not_allowed";
  return route_table()[m.route].spec.name;
}

const Route& route_of(std::string_view method, std::string_view target) {
  return route_table()[route_matcher().match(method, target).route];
}

TEST(RouteTable, GlobalRoutes) {
  EXPECT_EQ(kind("GET", "/health"), "health");
  EXPECT_EQ(kind("HEAD", "/health"), "health");
  EXPECT_EQ(kind("GET", "/"), "status");
  for (auto path : {"/api/models", "/api/v1/models", "/v1/models", "/models", "/v1/models/", "/models?x=1"})
    EXPECT_EQ(kind("GET", path), "models_list") << path;
  for (auto path : {"/api/v1/chat/completions", "/v1/chat/completions"}) EXPECT_EQ(kind("POST", path), "chat") << path;
  EXPECT_EQ(kind("POST", "/v1/messages"), "messages");
  EXPECT_EQ(kind("POST", "/api/v1/messages"), "messages");
  EXPECT_EQ(kind("POST", "/v1/messages/count_tokens"), "count_tokens");
  EXPECT_EQ(kind("POST", "/api/v1/messages/count_tokens"), "count_tokens");
  EXPECT_EQ(kind("POST", "/v1/completions"), "completions");
  EXPECT_EQ(kind("POST", "/api/v1/completions"), "completions");
  EXPECT_EQ(kind("POST", "/api/rotations/chat/completions"), "rotations_chat");
  EXPECT_EQ(kind("POST", "/api/autoselect/chat/completions"), "autoselect_chat");
  EXPECT_EQ(kind("GET", "/api/rotations"), "rotations_list");
  EXPECT_EQ(kind("GET", "/api/rotations/models"), "rotations_models");
  EXPECT_EQ(kind("GET", "/api/autoselect"), "autoselects_list");
  EXPECT_EQ(kind("GET", "/api/autoselect/models"), "autoselect_models");  // not /api/{scope}/models
  EXPECT_EQ(kind("GET", "/api/u/bob/autoselects/models"), "u_autoselect_models");
  EXPECT_EQ(kind("GET", "/api/u/bob/autoselections/models"), "u_autoselect_models");  // AISBF's alias
  EXPECT_EQ(kind("GET", "/api/admin/health"), "admin_health");
  EXPECT_EQ(kind("POST", "/api/admin/health/reset"), "admin_health_reset");
  EXPECT_EQ(kind("POST", "/api/admin/reload"), "admin_reload");
}

TEST(RouteTable, WrongMethodAndUnknownPaths) {
  EXPECT_EQ(kind("POST", "/health"), "method_not_allowed");
  EXPECT_EQ(kind("GET", "/v1/chat/completions"), "method_not_allowed");
  EXPECT_EQ(kind("GET", "/api/rotations/chat/completions"), "method_not_allowed");
  EXPECT_EQ(kind("POST", "/api/autoselect/models"), "method_not_allowed");
  EXPECT_EQ(kind("POST", "/api/mock/models"), "method_not_allowed");
  EXPECT_EQ(kind("GET", "/api/admin/reload"), "method_not_allowed");
  // The model id route came first: a POST there is refused, not served as a scoped chat.
  EXPECT_EQ(kind("POST", "/api/models/chat/completions"), "method_not_allowed");
  EXPECT_EQ(kind("GET", "/nope"), "not_found");
  EXPECT_EQ(kind("POST", "/api/mock/unknown"), "not_found");
  EXPECT_EQ(kind("POST", "/api//chat/completions"), "not_found");
}

TEST(RouteTable, ModelIdsMayContainSlashesAndEscapes) {
  auto m = route_matcher().match("GET", "/api/v1/models/mock/org/nested-model");
  EXPECT_EQ(route_table()[m.route].spec.name, "model_get");
  EXPECT_EQ(m.param("model_id"), "mock/org/nested-model");
  m = route_matcher().match("GET", "/v1/models/mock%2Fmock-model");
  EXPECT_EQ(m.param("model_id"), "mock/mock-model");
  EXPECT_FALSE(m.bad_escape);
  EXPECT_TRUE(route_matcher().match("GET", "/v1/models/mock%zz").bad_escape);
  EXPECT_EQ(kind("GET", "/api/models/models"), "model_get");  // not /api/{scope}/models
}

TEST(RouteTable, ScopedRoutesDecodeTheirId) {
  auto m = route_matcher().match("POST", "/api/my%20provider/chat/completions");
  EXPECT_EQ(route_table()[m.route].spec.name, "scoped_chat");
  EXPECT_EQ(m.param("scope"), "my provider");
  EXPECT_EQ(kind("POST", "/api/mock/v1/chat/completions"), "scoped_chat");
  EXPECT_EQ(kind("GET", "/api/mock/models"), "scoped_models");
  EXPECT_EQ(kind("POST", "/api/mock/v1/messages"), "scoped_messages");
  EXPECT_EQ(kind("POST", "/api/mock/messages"), "scoped_messages");
  EXPECT_EQ(kind("POST", "/api/mock/completions"), "scoped_completions");
  EXPECT_EQ(kind("POST", "/api/mock/v1/completions"), "scoped_completions");
  EXPECT_EQ(kind("POST", "/api/mock/v1/responses"), "scoped_responses");
  EXPECT_EQ(kind("POST", "/api/user/v1/responses"), "user_responses");
  EXPECT_EQ(kind("POST", "/v1/responses"), "responses");
  EXPECT_EQ(kind("POST", "/api/v1/v1/messages"), "scoped_messages");
}

TEST(RouteTable, PoliciesAndFormats) {
  using auth::AuthPolicy;
  EXPECT_EQ(route_of("GET", "/health").spec.policy, AuthPolicy::public_route);
  EXPECT_EQ(route_of("POST", "/v1/chat/completions").spec.policy, AuthPolicy::gateway_token);
  EXPECT_EQ(route_of("GET", "/api/admin/health").spec.policy, AuthPolicy::admin);
  EXPECT_EQ(route_of("POST", "/api/mock/v1/messages").spec.format, api::ClientFormat::anthropic_messages);
  EXPECT_EQ(route_of("POST", "/v1/messages/count_tokens").spec.format, api::ClientFormat::anthropic_messages);
  EXPECT_EQ(route_of("POST", "/api/mock/completions").spec.format, api::ClientFormat::openai_completions);
  for (auto path : {"/v1/responses", "/api/v1/responses", "/api/mock/v1/responses", "/api/u/ana/v1/responses"}) {
    EXPECT_EQ(route_of("POST", path).spec.format, api::ClientFormat::openai_responses) << path;
    EXPECT_EQ(route_of("POST", path).spec.policy, AuthPolicy::gateway_token) << path;
  }
  EXPECT_EQ(route_of("POST", "/api/user/v1/responses").spec.policy, AuthPolicy::user);
  for (auto path : {"/v1/embeddings", "/api/v1/embeddings", "/api/embeddings", "/api/mock/embeddings",
                    "/api/rotations/embeddings", "/api/u/ana/embeddings"}) {
    EXPECT_EQ(route_of("POST", path).spec.format, api::ClientFormat::openai_chat) << path;
    EXPECT_EQ(route_of("POST", path).spec.policy, AuthPolicy::gateway_token) << path;
    EXPECT_FALSE(route_of("POST", path).spec.state_changing) << path;
  }
  EXPECT_EQ(route_of("POST", "/api/user/embeddings").spec.policy, AuthPolicy::user);
  for (const auto& r : route_table()) {
    EXPECT_NE(r.handler, nullptr) << r.spec.pattern;
    // A state-changing route (an admin action, a user's own account, the
    // dashboard's login) takes at most a JSON body, and never by GET.
    // A multipart form needs no preflight: an upload route checks the
    // Origin as a state-changing one does (a cross-site form would spend
    // the operator's provider credits).
    if (r.spec.body == api::BodyRule::multipart) EXPECT_TRUE(r.spec.state_changing) << r.spec.pattern;
    if (r.spec.state_changing) {
      EXPECT_NE(r.spec.body, api::BodyRule::any) << r.spec.pattern;
      EXPECT_EQ(r.spec.methods & api::kGet, 0) << r.spec.pattern;
    }
    // Every non-GET admin or user route changes state, but for the chat
    // doors of a user's namespace (a chat request, as on /api/v1/…).
    const bool chat_door =
        r.spec.name == "user_chat" || r.spec.name == "user_messages" || r.spec.name == "user_completions" ||
        r.spec.name == "user_responses" || r.spec.name == "user_embeddings";
    if ((r.spec.policy == AuthPolicy::admin || r.spec.policy == AuthPolicy::user) && r.spec.methods != api::kGet &&
        !chat_door) {
      EXPECT_TRUE(r.spec.state_changing) << r.spec.pattern;
    }
  }
}

TEST(RouteTable, DashboardAppIsPublicAndLeavesItsApiRoutes) {
  using auth::AuthPolicy;
  EXPECT_EQ(kind("GET", "/dashboard"), "dashboard_app");
  EXPECT_EQ(kind("GET", "/dashboard/"), "dashboard_app");
  EXPECT_EQ(kind("GET", "/dashboard/user/tokens"), "dashboard_app");
  EXPECT_EQ(kind("GET", "/dashboard/response-cache"), "dashboard_app");
  EXPECT_EQ(kind("GET", "/dashboard/assets/index-AbC.js"), "dashboard_asset");
  EXPECT_EQ(kind("GET", "/dashboard/response-cache/stats"), "dashboard_cache_stats");
  EXPECT_EQ(kind("POST", "/dashboard/response-cache/clear"), "dashboard_cache_clear");
  for (auto path : {"/dashboard", "/dashboard/profile", "/dashboard/assets/x.css"}) {
    EXPECT_EQ(route_of("GET", path).spec.policy, AuthPolicy::public_route) << path;
  }
  EXPECT_EQ(route_of("GET", "/dashboard/response-cache/stats").spec.policy, AuthPolicy::admin);
}

TEST(RouteTable, ReservedWords) {
  auto words = reserved_route_words();
  std::sort(words.begin(), words.end());
  // "openapi.json": /api/openapi.json (an id with a dot is unusual anyway).
  // "autoselections": AISBF's alias /api/autoselections/models.
  std::vector<std::string_view> want{"admin",  "audio",  "auth",         "autoselect", "autoselections", "embeddings",
                                     "images", "models", "openapi.json", "proxy",      "rotations",      "u",
                                     "user",   "v1"};
  EXPECT_EQ(words, want);  // config.cpp's list of today, now derived from the table
}

}  // namespace
}  // namespace aisbf
