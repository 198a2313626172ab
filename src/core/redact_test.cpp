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

TEST(Redact, Base64ValuesAreMaskedWhole) {
  EXPECT_EQ(redact_text("Authorization: Bearer abc/def+ghi= next"), "Authorization: Bearer *** next");
  EXPECT_EQ(redact_text("sent Bearer abc/def+ghi="), "sent Bearer ***");
  EXPECT_EQ(redact_text("token=abc/defghij&x=1"), "token=***&x=1");
  EXPECT_EQ(redact_text("key=a+b/c==; next"), "key=***; next");
  EXPECT_EQ(redact_text("secret=abc,def"), "secret=***,def");
  EXPECT_EQ(redact_target("/x?token=abc/def+g=&a=1"), "/x?token=***&a=1");
}

TEST(Redact, SuffixedNamesAreCredentials) {
  for (auto name : {"refresh_token", "client_secret", "id_token", "private_key", "auth_token", "x-goog-api-key",
                    "new_password", "code"}) {
    EXPECT_TRUE(is_secret_parameter(name)) << name;
    EXPECT_EQ(redact_target(std::string("/cb?") + name + "=v4lue&state=1"), std::string("/cb?") + name + "=***&state=1")
        << name;
  }
  for (auto name : {"refresh_token", "client_secret", "id_token", "private_key", "auth_token", "x-goog-api-key"}) {
    EXPECT_EQ(redact_text(std::string(name) + "=abcdef"), std::string(name) + "=***") << name;
    EXPECT_EQ(redact_text(std::string("{\"") + name + "\": \"abc def\"}"), std::string("{\"") + name + "\": \"***\"}")
        << name;
  }
  EXPECT_EQ(redact_text("x-goog-api-key: AIzaXYZ"), "x-goog-api-key: ***");
  EXPECT_EQ(redact_text("GET https://h/cb?code=4/0Aabc&state=s"), "GET https://h/cb?code=***&state=s");
  EXPECT_EQ(redact_text(R"({"error": {"code": "rate_limit_exceeded"}})"),
            R"({"error": {"code": "rate_limit_exceeded"}})");
  for (auto name : {"page", "model", "max_tokens", "prompt_tokens", "monkey", "keyboard", "state"})
    EXPECT_FALSE(is_secret_parameter(name)) << name;
  EXPECT_EQ(redact_text("max_tokens=100 prompt_tokens: 7"), "max_tokens=100 prompt_tokens: 7");
}

TEST(Redact, PythonAndEscapedJsonQuoting) {
  EXPECT_EQ(redact_text("{'api_key': 'sec ret', 'model': 'm'}"), "{'api_key': '***', 'model': 'm'}");
  EXPECT_EQ(redact_text(R"({\"api_key\":\"secret-1\",\"model\":\"m\"})"), R"({\"api_key\":\"***\",\"model\":\"m\"})");
  EXPECT_EQ(redact_text(R"("{\"password\": \"p/w+=\"}")"), R"("{\"password\": \"***\"}")");
  EXPECT_EQ(redact_text("Cookie: session=abc123"), "Cookie: ***");
}

TEST(Redact, TokenShapes) {
  EXPECT_TRUE(looks_like_token("AbCdEfGhIjKlMnOpQrStUvWxYz"));  // letters only, both cases
  EXPECT_TRUE(looks_like_token("a1b2c3d4e5f6a7b8"));            // 16 bytes
  EXPECT_TRUE(looks_like_token("Zx81mQp02LkV7tRw3"));           // 17
  EXPECT_FALSE(looks_like_token("chat-completions-stream"));
  EXPECT_FALSE(looks_like_token("gpt-4o-mini-2024"));
  EXPECT_FALSE(looks_like_token("abcdefghijklmnopqrstuvwxyz"));  // one case: a word
  EXPECT_FALSE(looks_like_token("short1"));
  EXPECT_EQ(redact_target("/t/a1b2c3d4e5f6a7b8/x"), "/t/***/x");
}

}  // namespace
}  // namespace aisbf
