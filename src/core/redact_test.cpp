// Secrets out of logs: targets, header names and free text.
#include "core/redact.hpp"

#include <gtest/gtest.h>

namespace aisbf {
namespace {

TEST(Redact, QueryKeysAreMasked) {
  EXPECT_EQ(redact_target("/v1beta/models/g:generate?key=AIzaSyABCDEF123456&alt=sse"),
            "/v1beta/models/g:generate?key=***&alt=sse");
  EXPECT_EQ(redact_target("/x?API-KEY=1&token=2&page=3"), "/x?API-KEY=***&token=***&page=3");
  EXPECT_EQ(redact_target("/x?a=1"), "/x?a=1");
  EXPECT_EQ(redact_target("/"), "/");
}

TEST(Redact, TokenLookingPathSegmentsAreMasked) {
  EXPECT_EQ(redact_target("/api/u/alice/v1/chat/completions"), "/api/u/alice/v1/chat/completions");
  EXPECT_EQ(redact_target("/hook/sk-proj-abcdefghijklmnop/x"), "/hook/***/x");
  EXPECT_EQ(redact_target("/t/aisbf_0123456789abcdef0123"), "/t/***");
  EXPECT_EQ(redact_target("/t/a1b2c3d4e5f6a7b8c9d0e1f2a3"), "/t/***");
  EXPECT_EQ(redact_target("/v1/models/gpt-4o-mini-2024-07-18"), "/v1/models/gpt-4o-mini-2024-07-18");
  EXPECT_EQ(redact_target("/dashboard/assets/index-abc123def456ghi789.js"),
            "/dashboard/assets/index-abc123def456ghi789.js");
}

TEST(Redact, SecretHeaders) {
  for (auto name : {"Authorization", "x-api-key", "X-Goog-Api-Key", "Cookie", "proxy-authorization"})
    EXPECT_TRUE(is_secret_header(name)) << name;
  for (auto name : {"Content-Type", "x-request-id", "anthropic-version"}) EXPECT_FALSE(is_secret_header(name)) << name;
}

TEST(Redact, FreeText) {
  EXPECT_EQ(redact_text("Authorization: Bearer sk-abc.def_ghi"), "Authorization: Bearer ***");
  EXPECT_EQ(redact_text(R"({"api_key": "secret-value-1", "model": "m"})"), R"({"api_key": "***", "model": "m"})");
  EXPECT_EQ(redact_text("GET https://h/x?key=AIzaSyXYZ&alt=sse failed"), "GET https://h/x?key=***&alt=sse failed");
  EXPECT_EQ(redact_text("Incorrect API key provided: sk-proj-1234567890abcdefXYZ."),
            "Incorrect API key provided: ***.");
  EXPECT_EQ(redact_text("monkey=banana password=hunter2"), "monkey=banana password=***");
  EXPECT_EQ(redact_text("plain text, nothing secret"), "plain text, nothing secret");
  EXPECT_EQ(redact_text("connect postgresql://aisbf:s3cret@db:5432/x failed"),
            "connect postgresql://aisbf:***@db:5432/x failed");
  EXPECT_EQ(redact_text("see http://host:8080/path"), "see http://host:8080/path");
}

}  // namespace
}  // namespace aisbf
