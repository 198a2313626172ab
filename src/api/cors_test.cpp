#include "api/cors.hpp"

#include <gtest/gtest.h>

namespace aisbf::api {
namespace {

std::string header(const HeaderList& list, std::string_view name) {
  for (const auto& [k, v] : list) {
    if (k == name) return v;
  }
  return "<none>";
}

TEST(Cors, OnlyTheGatewayTokenRoutes) {
  EXPECT_TRUE(cors_route({.name = "chat", .methods = kPost, .pattern = "/v1/chat/completions"}));
  EXPECT_FALSE(cors_route({.name = "a", .pattern = "/api/admin/x", .policy = auth::AuthPolicy::admin}));
  EXPECT_FALSE(cors_route({.name = "u", .pattern = "/api/user/x", .policy = auth::AuthPolicy::user}));
  EXPECT_FALSE(cors_route({.name = "m", .pattern = "/mcp", .policy = auth::AuthPolicy::mcp}));
  EXPECT_FALSE(cors_route({.name = "h", .pattern = "/health", .policy = auth::AuthPolicy::public_route}));
  // Gateway-token routes of the dashboard's side (route_table.cpp's names).
  EXPECT_FALSE(cors_route({.name = "auth_me", .pattern = "/api/auth/me"}));
  EXPECT_FALSE(cors_route({.name = "provider_presets", .pattern = "/api/admin/provider-presets"}));
}

TEST(Cors, PreflightAllowsWhatWasAskedWhenItReadsAsHeaderNames) {
  const auto h = preflight_headers("https://app.example", "POST", "authorization, content-type, x-stainless-os");
  EXPECT_EQ(header(h, "Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_EQ(header(h, "Access-Control-Allow-Methods"), "POST");
  EXPECT_EQ(header(h, "Access-Control-Allow-Headers"), "authorization, content-type, x-stainless-os");
  EXPECT_EQ(header(h, "Vary"), "Origin");
  EXPECT_EQ(header(h, "Access-Control-Allow-Credentials"), "<none>");
  // Not a list of names (or too long): the default list.
  for (std::string asked : {std::string("x\r\ny"), std::string("a;b"), std::string(""), std::string(3000, 'a')}) {
    EXPECT_TRUE(header(preflight_headers("https://a", "GET", asked), "Access-Control-Allow-Headers")
                    .starts_with("Authorization, Content-Type"))
        << asked.substr(0, 20);
  }
}

TEST(Cors, ResponsesExposeTheGatewaysHeaders) {
  const auto h = cors_response_headers("https://app.example");
  EXPECT_EQ(header(h, "Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_NE(header(h, "Access-Control-Expose-Headers").find("X-Request-Id"), std::string::npos);
  EXPECT_EQ(header(h, "Access-Control-Allow-Credentials"), "<none>");
}

}  // namespace
}  // namespace aisbf::api
