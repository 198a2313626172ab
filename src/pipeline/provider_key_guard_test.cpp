#include "pipeline/provider_key_guard.hpp"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include <boost/json/parse.hpp>

namespace aisbf {
namespace {

namespace json = boost::json;

json::object entry(std::string_view text) { return json::parse(text).as_object(); }

const json::object kStored = entry(
    R"({"type": "openai", "endpoint": "https://api.example.com/v1", "api_key": "sk-live-0123456789", "models": []})");

TEST(ProviderKeyGuard, AMaskedKeyStaysWhereItWasSaved) {
  // The same destination: other fields may change (path, name, models).
  for (const char* sent : {
           R"({"type": "openai", "endpoint": "https://api.example.com/v1", "api_key": "sk-…6789", "name": "x"})",
           R"({"type": "openai", "endpoint": "https://API.example.com:443/other", "api_key": "sk-…6789"})",
           R"({"type": "openai", "endpoint": "https://api.example.com/v1", "api_key": "sk-…6789", "api": "chat"})",
       }) {
    EXPECT_FALSE(masked_key_elsewhere(entry(sent), &kStored)) << sent;
  }
}

TEST(ProviderKeyGuard, AMaskedKeyGoesNowhereElse) {
  struct Case {
    const char* sent;
    const char* changed;
  };
  for (const auto& c : {
           Case{R"({"type": "openai", "endpoint": "https://attacker.example/v1", "api_key": "sk-…6789"})", "endpoint"},
           Case{R"({"type": "openai", "endpoint": "http://api.example.com/v1", "api_key": "sk-…6789"})", "endpoint"},
           Case{R"({"type": "openai", "endpoint": "https://api.example.com:8443/v1", "api_key": "sk-…6789"})",
                "endpoint"},
           Case{R"({"type": "anthropic", "endpoint": "https://api.example.com/v1", "api_key": "sk-…6789"})", "type"},
           Case{R"({"type": "openai", "preset": "groq", "endpoint": "https://api.example.com/v1", "api_key": "…"})",
                "preset"},
           Case{R"({"type": "openai", "api": "responses", "endpoint": "https://api.example.com/v1", "api_key": "…"})",
                "api"},
           Case{
               R"({"type": "openai", "api_version": "2024", "endpoint": "https://api.example.com/v1", "api_key": "…"})",
               "api_version"},
           Case{R"({"type": "openai", "proxy": "socks5://10.0.0.9:1080", "endpoint": "https://api.example.com/v1",
                    "api_key": "…"})",
                "proxy"},
           Case{R"({"type": "openai", "api_key": "sk-…6789"})", "endpoint"},  // no endpoint at all
       }) {
    auto e = masked_key_elsewhere(entry(c.sent), &kStored);
    ASSERT_TRUE(e) << c.sent;
    EXPECT_EQ(e->status, 400);
    EXPECT_EQ(e->code, "masked_value");
    EXPECT_EQ(e->param, "api_key");
    EXPECT_NE(e->message.find(std::string("the ") + c.changed + " changed: enter the key again"), std::string::npos)
        << e->message;
  }
  // The admin API names the field by its path in the file.
  auto e = masked_key_elsewhere(entry(R"({"type": "openai", "endpoint": "https://x/v1", "api_key": "…"})"), &kStored,
                                "providers.mock");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->param, "providers.mock.api_key");
}

TEST(ProviderKeyGuard, OnlyAMaskedSecretIsHeldBack) {
  // A key typed in full goes wherever its owner sends it.
  EXPECT_FALSE(masked_key_elsewhere(entry(R"({"type": "openai", "endpoint": "https://x/v1", "api_key": "sk-new-key"})"),
                                    &kStored));
  EXPECT_FALSE(masked_key_elsewhere(entry(R"({"type": "openai", "endpoint": "https://x/v1"})"), &kStored));
  // A new entry has nothing stored to keep (restore_masked refuses its masks).
  EXPECT_FALSE(
      masked_key_elsewhere(entry(R"({"type": "openai", "endpoint": "https://x/v1", "api_key": "…"})"), nullptr));
  // A masked secret deeper in the entry counts as well.
  auto e = masked_key_elsewhere(
      entry(R"({"type": "openai", "endpoint": "https://x/v1", "models": [{"name": "m", "api_key": "sk-…6789"}]})"),
      &kStored);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->param, "models[0].api_key");
}

TEST(ProviderKeyGuard, TheDestinationIsTheEffectiveOne) {
  // A preset's default endpoint is where an entry without one goes.
  const json::object groq = entry(R"({"type": "groq", "api_key": "gsk-0123456789"})");
  EXPECT_FALSE(masked_key_elsewhere(
      entry(R"({"type": "groq", "endpoint": "https://api.groq.com/openai/v1", "api_key": "gsk…6789"})"), &groq));
  EXPECT_TRUE(
      masked_key_elsewhere(entry(R"({"type": "groq", "endpoint": "https://evil.example/v1", "api_key": "…"})"), &groq));
  // type "groq" and type "openai" + preset "groq" differ in type: asked again.
  EXPECT_EQ(provider_destination(groq).preset, "groq");
  EXPECT_EQ(provider_destination(entry(R"({"type": "openai", "preset": "groq"})")).preset, "groq");
  EXPECT_EQ(provider_destination(entry(R"({"type": "anthropic", "preset": "groq"})")).preset, "");
  const ProviderDestination codex = provider_destination(entry(R"({"type": "codex"})"));
  EXPECT_EQ(codex.origin, "https://chatgpt.com:443");
  EXPECT_EQ(codex.api, "responses");
  EXPECT_EQ(provider_destination(entry(R"({"type": "openai", "endpoint": "https://H.example/v1"})")).origin,
            "https://h.example:443");
}

TEST(ProviderKeyGuard, AnEnvKeyIsKeptNeverIntroduced) {
  const json::object stored =
      entry(R"({"type": "openai", "endpoint": "https://api.example.com/v1", "api_key": "env:OPENAI_API_KEY"})");
  // Kept as saved, other fields edited: allowed; a plain key: not this guard's.
  EXPECT_FALSE(env_key_introduced(
      entry(R"({"type": "openai", "endpoint": "https://api.example.com/v2", "api_key": "env:OPENAI_API_KEY"})"),
      &stored));
  EXPECT_FALSE(
      env_key_introduced(entry(R"({"type": "openai", "endpoint": "https://x.example", "api_key": "sk-1"})"), nullptr));
  // New entry, another variable, another destination: refused, naming the field.
  for (const auto& [sent, old] : std::vector<std::pair<const char*, const json::object*>>{
           {R"({"type": "openai", "endpoint": "https://api.example.com/v1", "api_key": "env:OPENAI_API_KEY"})",
            nullptr},
           {R"({"type": "openai", "endpoint": "https://api.example.com/v1", "api_key": "env:GROQ_API_KEY"})", &stored},
           {R"({"type": "openai", "endpoint": "https://attacker.example/v1", "api_key": "env:OPENAI_API_KEY"})",
            &stored},
           {R"({"type": "openai", "endpoint": "https://api.example.com/v1", "api_key": "sk-1"})", nullptr},
       }) {
    const auto refused = env_key_introduced(entry(sent), old, "providers.p");
    if (std::string_view(sent).find("env:") == std::string_view::npos) {
      EXPECT_FALSE(refused) << sent;
      continue;
    }
    ASSERT_TRUE(refused) << sent;
    EXPECT_EQ(refused->param, "providers.p.api_key");
    EXPECT_EQ(refused->code, "env_key_refused");
  }
}

}  // namespace
}  // namespace aisbf
