#include "api/routes.hpp"

#include <gtest/gtest.h>

namespace aisbf::api {
namespace {

TEST(Routes, GlobalRoutes) {
  EXPECT_EQ(match_route("GET", "/health").kind, RouteKind::health);
  EXPECT_EQ(match_route("GET", "/").kind, RouteKind::status);
  for (auto path : {"/api/models", "/api/v1/models", "/v1/models", "/models", "/v1/models/", "/models?x=1"})
    EXPECT_EQ(match_route("GET", path).kind, RouteKind::models_list) << path;
  for (auto path : {"/api/v1/chat/completions", "/v1/chat/completions"})
    EXPECT_EQ(match_route("POST", path).kind, RouteKind::chat) << path;
  EXPECT_EQ(match_route("POST", "/v1/messages").kind, RouteKind::messages);
  EXPECT_EQ(match_route("POST", "/api/v1/messages").kind, RouteKind::messages);
  EXPECT_EQ(match_route("POST", "/v1/messages/count_tokens").kind, RouteKind::count_tokens);
  EXPECT_EQ(match_route("POST", "/v1/completions").kind, RouteKind::completions);
  EXPECT_EQ(match_route("POST", "/api/rotations/chat/completions").kind, RouteKind::rotations_chat);
  EXPECT_EQ(match_route("POST", "/api/autoselect/chat/completions").kind, RouteKind::autoselect_chat);
}

TEST(Routes, WrongMethodAndUnknownPaths) {
  EXPECT_EQ(match_route("POST", "/health").kind, RouteKind::method_not_allowed);
  EXPECT_EQ(match_route("GET", "/v1/chat/completions").kind, RouteKind::method_not_allowed);
  EXPECT_EQ(match_route("GET", "/nope").kind, RouteKind::not_found);
  EXPECT_EQ(match_route("POST", "/api/mock/unknown").kind, RouteKind::not_found);
  EXPECT_EQ(match_route("POST", "/api//chat/completions").kind, RouteKind::not_found);
}

TEST(Routes, ModelIdsMayContainSlashesAndEscapes) {
  auto r = match_route("GET", "/api/v1/models/mock/org/nested-model");
  EXPECT_EQ(r.kind, RouteKind::model_get);
  EXPECT_EQ(r.model_id, "mock/org/nested-model");
  r = match_route("GET", "/v1/models/mock%2Fmock-model");
  EXPECT_EQ(r.model_id, "mock/mock-model");
  EXPECT_FALSE(r.bad_escape);
  EXPECT_TRUE(match_route("GET", "/v1/models/mock%zz").bad_escape);
}

TEST(Routes, ScopedRoutesDecodeTheirId) {
  auto r = match_route("POST", "/api/my%20provider/chat/completions");
  EXPECT_EQ(r.kind, RouteKind::scoped_chat);
  EXPECT_EQ(r.scope, "my provider");
  EXPECT_EQ(match_route("POST", "/api/mock/v1/chat/completions").kind, RouteKind::scoped_chat);
  EXPECT_EQ(match_route("GET", "/api/mock/models").kind, RouteKind::scoped_models);
  EXPECT_EQ(match_route("POST", "/api/mock/v1/messages").kind, RouteKind::scoped_messages);
  EXPECT_EQ(match_route("POST", "/api/mock/completions").kind, RouteKind::scoped_completions);
  EXPECT_TRUE(is_anthropic_route(RouteKind::scoped_messages));
  EXPECT_FALSE(is_anthropic_route(RouteKind::scoped_chat));
}

}  // namespace
}  // namespace aisbf::api
