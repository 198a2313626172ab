// A provider's `api` (issue 14): "chat" by default, "responses" for an
// `openai` provider that speaks the Responses API, always "responses" for
// `codex`; anything else is a config error that names what is allowed.
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config/config_test_util.hpp"

namespace aisbf::config_test {
namespace {

// The base rotation names the provider "openai": keep it so the files stay consistent.
std::string with_p(const std::string& fields) {
  return R"({"providers": {"openai": {"endpoint": "https://api.openai.com/v1", "type": "openai", "api_key": "sk-secret-123"},
                           "p": {)" +
         fields + "}}}";
}

const std::string kE = "error: providers.json: providers.p.";

LoadResult load_with(const std::string& providers, TempDir& dir) {
  write_base_files(dir);
  dir.write("providers.json", providers);
  return load_config(dir.path());
}

TEST(ConfigApi, ChatByDefaultResponsesWhenAskedAlwaysForCodex) {
  TempDir dir;
  LoadResult result = load_with(R"({"providers": {
      "openai": {"endpoint": "https://api.openai.com/v1", "type": "openai"},
      "resp": {"endpoint": "https://api.openai.com/v1", "type": "openai", "api": "responses"},
      "chat": {"endpoint": "https://api.openai.com/v1", "type": "openai", "api": "chat"},
      "codex": {"endpoint": "https://chatgpt.com/backend-api", "type": "codex", "api_key": "tok"},
      "claude": {"endpoint": "https://api.anthropic.com/v1", "type": "anthropic"}}})",
                                dir);
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  const Config& c = *result.config;
  EXPECT_EQ(c.find_provider("openai")->api, "chat");
  EXPECT_EQ(c.find_provider("resp")->api, "responses");
  EXPECT_EQ(c.find_provider("chat")->api, "chat");
  EXPECT_EQ(c.find_provider("codex")->api, "responses");
  EXPECT_EQ(c.find_provider("claude")->api, "chat");
}

// A codex provider without an endpoint goes to the ChatGPT backend, as
// AISBF's own does, and says so.
TEST(ConfigApi, CodexWithoutEndpointUsesTheChatGptBackend) {
  TempDir dir;
  LoadResult result = load_with(R"({"providers": {
      "openai": {"endpoint": "https://api.openai.com/v1", "type": "openai"},
      "codex": {"type": "codex", "api_key": "tok"}}})",
                                dir);
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  EXPECT_EQ(result.config->find_provider("codex")->endpoint, "https://chatgpt.com/backend-api");
  const auto lines = formatted(result.diagnostics);
  ASSERT_EQ(lines.size(), 1u) << testing::PrintToString(lines);
  EXPECT_EQ(lines[0], "warning: providers.json: providers.codex.endpoint: missing or empty; the codex type uses "
                      "\"https://chatgpt.com/backend-api\"");
}

const BadCase kApiCases[] = {
    {"UnknownApi", "providers.json", with_p(R"("type": "openai", "endpoint": "https://x/v1", "api": "completions")"),
     {kE + "api: unknown value \"completions\"; expected \"chat\" (chat completions, the default) or \"responses\" "
           "(the Responses API)"}},
    {"ApiWrongType", "providers.json", with_p(R"("type": "openai", "endpoint": "https://x/v1", "api": 1)"),
     {kE + "api: expected a string or null, got number"}},
    {"ResponsesOnAnthropic", "providers.json",
     with_p(R"("type": "anthropic", "endpoint": "https://x/v1", "api": "responses")"),
     {kE + "api: \"responses\" applies to the \"openai\" type without a preset, not \"anthropic\""}},
    {"ResponsesOnAPreset", "providers.json", with_p(R"("type": "groq", "api_key": "k", "api": "responses")"),
     {kE + "api: \"responses\" applies to the \"openai\" type without a preset, not \"groq\""}},
    {"CodexSpeaksOnlyResponses", "providers.json",
     with_p(R"("type": "codex", "endpoint": "https://chatgpt.com/backend-api", "api": "chat")"),
     {kE + "api: the codex type speaks only the Responses API; remove \"api\" or set it to \"responses\""}},
    {"ChatOnAnthropicIsFine", "providers.json", with_p(R"("type": "anthropic", "endpoint": "https://x/v1", "api": "chat")"),
     {}},
};

INSTANTIATE_TEST_SUITE_P(Api, ConfigBadInput, testing::ValuesIn(kApiCases), case_name);

}  // namespace
}  // namespace aisbf::config_test
