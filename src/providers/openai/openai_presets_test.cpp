// OpenAI-compatible presets: the table, the registry, Azure's paths and
// headers, and the quirks applied on the translating path (encode_chat).
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "providers/openai/openai_adapter.hpp"
#include "providers/registry.hpp"
#include "providers/openai/openai_presets.hpp"

namespace aisbf::openai {
namespace {

namespace json = boost::json;

UpstreamTarget preset_target(std::string preset, std::string endpoint = "https://api.example.com/v1",
                             std::string model = "m1") {
  UpstreamTarget t{"p", preset, std::move(endpoint), "sk-test", std::move(model), {}};
  t.preset = std::move(preset);
  return t;
}

UpstreamTarget azure(std::string api_version = "", std::string endpoint = "https://myres.openai.azure.com") {
  UpstreamTarget t = preset_target("azure_openai", std::move(endpoint), "gpt-4o");
  t.api_version = std::move(api_version);
  return t;
}

ChatRequest hello(bool stream = false) {
  ChatRequest r;
  Message m{Role::user, {TextBlock{"hi"}}, {}};
  m.name = "alice";
  r.messages.push_back(std::move(m));
  r.max_tokens = 100;
  r.stream = stream;
  r.include_usage = stream;
  return r;
}

json::object encode(const ChatRequest& r, const UpstreamTarget& t) {
  auto encoded = OpenAiAdapter{}.encode_chat(r, t);
  EXPECT_TRUE(encoded);
  return json::parse(encoded->body).as_object();
}

bool has_header(const HeaderList& headers, std::string_view name) {
  for (const auto& [n, v] : headers)
    if (n == name) return true;
  return false;
}

// ---- the table ----

TEST(OpenAiPresets, FindsEveryPresetWithItsEndpoint) {
  const std::pair<std::string_view, std::string_view> expected[] = {
      {"openai", "https://api.openai.com/v1"},
      {"openrouter", "https://openrouter.ai/api/v1"},
      {"deepseek", "https://api.deepseek.com"},
      {"groq", "https://api.groq.com/openai/v1"},
      {"mistral", "https://api.mistral.ai/v1"},
      {"together", "https://api.together.ai/v1"},
      {"xai", "https://api.x.ai/v1"},
      {"fireworks", "https://api.fireworks.ai/inference/v1"},
      {"perplexity", "https://api.perplexity.ai"},
      {"cerebras", "https://api.cerebras.ai/v1"},
      {"lmstudio", "http://localhost:1234/v1"},
      {"vllm", "http://localhost:8000/v1"},
      {"llamacpp", "http://localhost:8080/v1"},
      {"azure_openai", ""},
  };
  ASSERT_EQ(openai_presets().size(), std::size(expected));
  for (const auto& [name, endpoint] : expected) {
    const OpenAiPreset* p = find_openai_preset(name);
    ASSERT_NE(p, nullptr) << name;
    EXPECT_EQ(p->name, name);
    EXPECT_EQ(p->endpoint, endpoint) << name;
    EXPECT_FALSE(p->source.empty()) << name;
    EXPECT_EQ(p->auth, name == "azure_openai" ? PresetAuth::azure : PresetAuth::bearer) << name;
  }
}

TEST(OpenAiPresets, KeyRequirementAndUnknownNames) {
  for (auto local : {"lmstudio", "vllm", "llamacpp"}) EXPECT_FALSE(find_openai_preset(local)->key_required) << local;
  for (auto cloud : {"openai", "groq", "azure_openai", "openrouter", "mistral"})
    EXPECT_TRUE(find_openai_preset(cloud)->key_required) << cloud;
  EXPECT_EQ(find_openai_preset(""), nullptr);
  EXPECT_EQ(find_openai_preset("Groq"), nullptr);  // names are exact
  EXPECT_EQ(find_openai_preset("anthropic"), nullptr);
  EXPECT_EQ(find_openai_preset("groqq"), nullptr);
  const std::string names = openai_preset_names();
  EXPECT_EQ(names.rfind("openai, openrouter, deepseek, groq", 0), 0u) << names;
  EXPECT_NE(names.find("azure_openai"), std::string::npos);
}

TEST(OpenAiPresets, EveryPresetTypeUsesTheOpenAiAdapter) {
  for (const auto& preset : openai_presets()) {
    const ProviderAdapter* adapter = find_provider_adapter(preset.name);
    ASSERT_NE(adapter, nullptr) << preset.name;
    EXPECT_EQ(adapter->type(), "openai");
    EXPECT_EQ(adapter->passthrough_format(), BodyFormat::openai_chat) << preset.name;  // bytes as the client sent them
  }
  EXPECT_EQ(find_provider_adapter("groqq"), nullptr);
  EXPECT_EQ(find_provider_adapter("anthropic")->type(), "anthropic");
}

TEST(OpenAiPresets, OpenRouterAttributionHeaders) {
  const OpenAiPreset& openrouter = *find_openai_preset("openrouter");
  EXPECT_EQ(preset_headers(openrouter, "https://example.com", "My App"),
            (HeaderList{{"HTTP-Referer", "https://example.com"}, {"X-Title", "My App"}}));
  EXPECT_EQ(preset_headers(openrouter, "", "My App"), (HeaderList{{"X-Title", "My App"}}));
  EXPECT_TRUE(preset_headers(openrouter, "", "").empty());
  EXPECT_TRUE(preset_headers(openrouter, "https://x\r\nEvil: 1", "").empty());  // never a header injection
  EXPECT_TRUE(preset_headers(*find_openai_preset("groq"), "https://example.com", "My App").empty());
}

TEST(OpenAiPresets, BearerPresetsKeepTheOpenAiPathAndSendExtraHeaders) {
  OpenAiAdapter adapter;
  UpstreamTarget t = preset_target("openrouter", "https://openrouter.ai/api/v1");
  t.extra_headers = preset_headers(*find_openai_preset("openrouter"), "https://example.com", "App");
  EXPECT_EQ(adapter.chat_path(t, false), "/chat/completions");
  EXPECT_EQ(
      adapter.auth_headers(t),
      (HeaderList{{"Authorization", "Bearer sk-test"}, {"HTTP-Referer", "https://example.com"}, {"X-Title", "App"}}));
  t.api_key.clear();  // local servers (lmstudio, vllm, llamacpp) need none
  EXPECT_EQ(adapter.auth_headers(t), (HeaderList{{"HTTP-Referer", "https://example.com"}, {"X-Title", "App"}}));
}

// ---- Azure OpenAI ----

TEST(AzurePreset, DatedApiPathWithDefaultVersionAndApiKeyHeader) {
  OpenAiAdapter adapter;
  UpstreamTarget t = azure();
  EXPECT_EQ(adapter.chat_path(t, false), "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21");
  EXPECT_EQ(adapter.chat_path(t, true), "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21");
  HeaderList headers = adapter.auth_headers(t);
  EXPECT_EQ(headers, (HeaderList{{"api-key", "sk-test"}}));
  EXPECT_FALSE(has_header(headers, "Authorization"));
}

TEST(AzurePreset, DeploymentAndApiVersionFromConfig) {
  OpenAiAdapter adapter;
  UpstreamTarget t = azure("2025-04-01-preview");
  t.deployment = "gpt4o-prod";
  EXPECT_EQ(adapter.chat_path(t, false),
            "/openai/deployments/gpt4o-prod/chat/completions?api-version=2025-04-01-preview");
  t.deployment = "a b/c?d";  // never breaks out of its path segment
  t.api_version = "x&y=1";
  EXPECT_EQ(adapter.chat_path(t, false), "/openai/deployments/a%20b%2Fc%3Fd/chat/completions?api-version=x%26y%3D1");
}

TEST(AzurePreset, EndpointMayAlreadyEndInOpenai) {
  OpenAiAdapter adapter;
  EXPECT_EQ(adapter.chat_path(azure("", "https://myres.openai.azure.com/openai/"), false),
            "/deployments/gpt-4o/chat/completions?api-version=2024-10-21");
  EXPECT_EQ(adapter.chat_path(azure("", "http://127.0.0.1:9999"), false),
            "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21");
}

TEST(AzurePreset, V1ApiUsesBearerAndTheDeploymentAsModel) {
  OpenAiAdapter adapter;
  UpstreamTarget t = azure("v1");
  EXPECT_EQ(adapter.chat_path(t, false), "/openai/v1/chat/completions");
  EXPECT_EQ(adapter.chat_path(azure("v1", "https://myres.openai.azure.com/openai/v1/"), false), "/chat/completions");
  EXPECT_EQ(adapter.chat_path(azure("v1", "https://myres.openai.azure.com/openai"), false), "/v1/chat/completions");
  EXPECT_EQ(adapter.auth_headers(t), (HeaderList{{"Authorization", "Bearer sk-test"}}));
  t.deployment = "gpt4o-prod";
  EXPECT_EQ(encode(hello(), t).at("model"), "gpt4o-prod");
}

TEST(AzurePreset, EncodeChatUsesTheSamePathHeadersAndNewTokenField) {
  UpstreamTarget t = azure();
  auto encoded = OpenAiAdapter{}.encode_chat(hello(true), t);
  ASSERT_TRUE(encoded);
  EXPECT_EQ(encoded->path_suffix, "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21");
  EXPECT_EQ(encoded->headers, (HeaderList{{"api-key", "sk-test"}, {"Content-Type", "application/json"}}));
  json::object body = json::parse(encoded->body).as_object();
  EXPECT_EQ(body.at("max_completion_tokens"), 100);
  EXPECT_FALSE(body.contains("max_tokens"));
  EXPECT_EQ(body.at("stream_options"), json::parse(R"({"include_usage":true})"));
  EXPECT_EQ(body.at("model"), "gpt-4o");
}

TEST(AzurePreset, OlderDatedVersionsGetMaxTokensAndNoStreamOptions) {
  json::object body = encode(hello(true), azure("2024-06-01"));
  EXPECT_EQ(body.at("max_tokens"), 100);
  EXPECT_FALSE(body.contains("max_completion_tokens"));
  EXPECT_FALSE(body.contains("stream_options"));
  EXPECT_EQ(body.at("stream"), true);
  body = encode(hello(true), azure("2024-09-01-preview"));
  EXPECT_EQ(body.at("max_completion_tokens"), 100);
  EXPECT_TRUE(body.contains("stream_options"));
}

// ---- quirks on the translating path ----

TEST(PresetQuirks, WithoutAPresetTheBodyIsUnchanged) {
  ChatRequest r = hello(true);
  r.extensions = json::parse(R"({"logprobs":true,"logit_bias":{"1":2},"n":2,"seed":3})").as_object();
  UpstreamTarget plain = preset_target("");
  json::object body = encode(r, plain);
  EXPECT_EQ(body.at("max_tokens"), 100);
  EXPECT_EQ(body.at("messages").at(0).at("name"), "alice");
  EXPECT_EQ(body.at("n"), 2);
  EXPECT_TRUE(body.contains("logit_bias"));
  EXPECT_TRUE(body.contains("stream_options"));
  // A preset without quirks (together) gives the same body.
  EXPECT_EQ(encode(r, preset_target("together")), body);
}

TEST(PresetQuirks, GroqDropsWhatItRejects) {
  ChatRequest r = hello(true);
  r.extensions =
      json::parse(R"({"logprobs":true,"top_logprobs":2,"logit_bias":{"1":2},"n":3,"seed":7,"user":"u"})").as_object();
  json::object body = encode(r, preset_target("groq"));
  for (auto field : {"logprobs", "top_logprobs", "logit_bias", "n", "max_tokens"})
    EXPECT_FALSE(body.contains(field)) << field << " in " << json::serialize(body);
  EXPECT_FALSE(body.at("messages").at(0).as_object().contains("name"));
  EXPECT_EQ(body.at("max_completion_tokens"), 100);
  EXPECT_EQ(body.at("seed"), 7);
  EXPECT_EQ(body.at("user"), "u");
  EXPECT_TRUE(body.contains("stream_options"));

  r.extensions = json::parse(R"({"n":1})").as_object();  // n = 1 is allowed
  EXPECT_EQ(encode(r, preset_target("groq")).at("n"), 1);
}

TEST(PresetQuirks, MistralKeepsOnlyItsSchema) {
  ChatRequest r = hello(true);
  r.extensions = json::parse(R"({"seed":7,"user":"u","metadata":{"a":"b"},"logprobs":true,"store":true,
    "presence_penalty":0.5,"frequency_penalty":0.1,"response_format":{"type":"json_object"},"n":2,
    "parallel_tool_calls":false,"reasoning_effort":"low"})")
                     .as_object();
  json::object body = encode(r, preset_target("mistral"));
  const json::object expected = json::parse(R"({"model":"m1","messages":[{"role":"user","content":"hi"}],
    "max_tokens":100,"stream":true,"random_seed":7,"presence_penalty":0.5,"frequency_penalty":0.1,
    "response_format":{"type":"json_object"},"n":2,"parallel_tool_calls":false})")
                                    .as_object();
  EXPECT_EQ(body, expected) << json::serialize(body);
}

TEST(PresetQuirks, MaxCompletionTokensBecomesMaxTokensWhereOnlyThatIsTaken) {
  ChatRequest r = hello();
  r.max_tokens.reset();
  r.extensions = json::parse(R"({"max_completion_tokens":64})").as_object();
  json::object body = encode(r, preset_target("mistral"));
  EXPECT_EQ(body.at("max_tokens"), 64);
  EXPECT_FALSE(body.contains("max_completion_tokens"));
  body = encode(r, preset_target("deepseek"));
  EXPECT_EQ(body.at("max_tokens"), 64);
  EXPECT_FALSE(body.contains("max_completion_tokens"));
}

TEST(PresetQuirks, CerebrasDropsUnsupportedPenaltiesAndTier) {
  ChatRequest r = hello();
  r.extensions = json::parse(R"({"frequency_penalty":1,"presence_penalty":1,"logit_bias":{},"parallel_tool_calls":true,
    "service_tier":"auto","seed":1,"response_format":{"type":"text"}})")
                     .as_object();
  json::object body = encode(r, preset_target("cerebras"));
  for (auto field : {"frequency_penalty", "presence_penalty", "logit_bias", "parallel_tool_calls", "service_tier"})
    EXPECT_FALSE(body.contains(field)) << field;
  EXPECT_EQ(body.at("seed"), 1);
  EXPECT_TRUE(body.contains("response_format"));
  EXPECT_EQ(body.at("max_tokens"), 100);
}

TEST(PresetQuirks, OpenAiPresetSendsMaxCompletionTokens) {
  json::object body = encode(hello(), preset_target("openai", "https://api.openai.com/v1"));
  EXPECT_EQ(body.at("max_completion_tokens"), 100);
  EXPECT_FALSE(body.contains("max_tokens"));
  EXPECT_EQ(body.at("messages").at(0).at("name"), "alice");
}

}  // namespace
}  // namespace aisbf::openai
