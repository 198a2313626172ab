// OpenAI chat ingress: request decoding (rich and malformed requests) and
// answer encoding, against samples in tests/fixtures/openai_ingress/.
#include "api/openai/chat_ingress.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "api/openai/ingress_test_util.hpp"

namespace aisbf::api {
namespace {

namespace json = boost::json;
using openai_ingress::test::fixture;

const IngressCodec& codec() { return openai_chat_ingress(); }

template <class T>
const T& block(const Message& message, std::size_t i) {
  return std::get<T>(message.content.at(i));
}

TEST(OpenAiChatIngress, DecodesRichRequest) {
  auto r = codec().decode_request(fixture("chat_request_rich.json"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->model, "claude-sonnet");
  ASSERT_EQ(r->messages.size(), 8u);
  const auto& m = r->messages;
  EXPECT_EQ(m[0].role, Role::system);
  EXPECT_EQ(block<TextBlock>(m[0], 0).text, "You are terse.");
  EXPECT_EQ(m[1].role, Role::developer);
  EXPECT_EQ(block<TextBlock>(m[1], 0).text, "Answer in French.");

  EXPECT_EQ(m[2].role, Role::user);
  EXPECT_EQ(m[2].name, "ana");
  ASSERT_EQ(m[2].content.size(), 3u);  // the audio part is dropped
  EXPECT_EQ(block<TextBlock>(m[2], 0).text, "What is in this picture, and what is the weather there?");
  const auto& inline_image = block<ImageBlock>(m[2], 1);
  EXPECT_EQ(inline_image.url, "");
  EXPECT_EQ(inline_image.media_type, "image/png");
  EXPECT_EQ(inline_image.data_base64, "iVBORw0KGgo=");
  EXPECT_EQ(inline_image.detail, "low");
  EXPECT_EQ(block<ImageBlock>(m[2], 2).url, "https://example.com/paris.jpg");

  EXPECT_EQ(m[3].role, Role::assistant);
  ASSERT_EQ(m[3].content.size(), 2u);
  const auto& call = block<ToolCallBlock>(m[3], 0);
  EXPECT_EQ(call.id, "call_abc123");
  EXPECT_EQ(call.name, "get_weather");
  EXPECT_EQ(call.arguments_json, R"({"city":"Paris"})");
  EXPECT_EQ(block<ToolCallBlock>(m[3], 1).arguments_json, R"({ "tz" : "Europe/Paris" })");  // kept as sent

  EXPECT_EQ(m[4].role, Role::tool);
  EXPECT_EQ(block<ToolResultBlock>(m[4], 0).tool_call_id, "call_abc123");
  EXPECT_EQ(block<ToolResultBlock>(m[4], 0).content, "Sunny, 21C");
  EXPECT_EQ(block<ToolResultBlock>(m[5], 0).tool_call_id, "call_def456");
  EXPECT_EQ(block<ToolResultBlock>(m[5], 0).content, "14:05 CEST");  // text parts joined
  EXPECT_EQ(block<TextBlock>(m[6], 0).text, "C'est la tour Eiffel; il fait beau.");
  EXPECT_EQ(m[7].role, Role::user);

  ASSERT_EQ(r->tools.size(), 2u);  // the custom tool is dropped
  EXPECT_EQ(r->tools[0].name, "get_weather");
  EXPECT_EQ(r->tools[0].description, "Current weather");
  EXPECT_EQ(r->tools[0].parameters.at("required"), json::parse(R"(["city"])"));
  EXPECT_EQ(r->tools[1].name, "get_time");
  EXPECT_TRUE(r->tools[1].parameters.is_null());
  EXPECT_EQ(r->tool_choice.mode, ToolChoiceMode::specific);
  EXPECT_EQ(r->tool_choice.name, "get_weather");

  EXPECT_EQ(r->max_tokens, 512);  // max_completion_tokens wins over max_tokens
  EXPECT_EQ(r->temperature, 0.2);
  EXPECT_EQ(r->top_p, 1.0);
  EXPECT_EQ(r->stop, std::vector<std::string>{"END"});
  EXPECT_TRUE(r->stream);
  EXPECT_TRUE(r->include_usage);
  EXPECT_EQ(json::value(r->extensions), json::parse(R"({"stream_options":{"include_usage":true},"seed":7,
    "response_format":{"type":"json_object"},"reasoning_effort":"low","user":"user-1234",
    "metadata":{"team":"docs"},"n":1,"parallel_tool_calls":false})"));
}

TEST(OpenAiChatIngress, DecodesPlainShapesAndDefaults) {
  auto r = codec().decode_request(R"({"model":"m","messages":[{"role":"user","content":"hi"}],
    "max_tokens":64,"stop":["a","b"],"stream":null,"stream_options":{"include_usage":true},"temperature":null})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->max_tokens, 64);
  EXPECT_EQ(r->stop, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(r->stream);
  EXPECT_FALSE(r->include_usage);  // stream_options without a stream means nothing
  EXPECT_FALSE(r->temperature);
  EXPECT_EQ(r->tool_choice.mode, ToolChoiceMode::unset);
  EXPECT_EQ(block<TextBlock>(r->messages[0], 0).text, "hi");

  for (auto [choice, mode] : {std::pair{R"("none")", ToolChoiceMode::none},
                              {R"("auto")", ToolChoiceMode::auto_},
                              {R"("required")", ToolChoiceMode::required}}) {
    auto c = codec().decode_request(std::string(R"({"model":"m","messages":[{"role":"user","content":"x"}],)") +
                                    R"("tool_choice":)" + choice + "}");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->tool_choice.mode, mode) << choice;
  }
}

TEST(OpenAiChatIngress, DecodesDeprecatedFunctions) {
  auto r = codec().decode_request(R"({"model":"m","messages":[
    {"role":"user","content":"weather?"},
    {"role":"assistant","content":null,"function_call":{"name":"get_weather","arguments":"{\"city\":\"Rome\"}"}},
    {"role":"function","name":"get_weather","content":"Rainy"}],
    "functions":[{"name":"get_weather","parameters":{"type":"object"}}],"function_call":{"name":"get_weather"}})");
  ASSERT_TRUE(r) << r.error().message;
  const auto& call = block<ToolCallBlock>(r->messages[1], 0);
  EXPECT_EQ(call.name, "get_weather");
  EXPECT_EQ(call.arguments_json, R"({"city":"Rome"})");
  EXPECT_FALSE(call.id.empty());
  EXPECT_EQ(r->messages[2].role, Role::tool);
  EXPECT_EQ(block<ToolResultBlock>(r->messages[2], 0).tool_call_id, call.id);  // linked to the call
  EXPECT_EQ(block<ToolResultBlock>(r->messages[2], 0).content, "Rainy");
  ASSERT_EQ(r->tools.size(), 1u);
  EXPECT_EQ(r->tools[0].name, "get_weather");
  EXPECT_EQ(r->tool_choice.mode, ToolChoiceMode::specific);
  EXPECT_EQ(r->tool_choice.name, "get_weather");
  EXPECT_TRUE(r->extensions.empty());
}

TEST(OpenAiChatIngress, AllowedToolsKeepsTheListedTools) {
  auto r = codec().decode_request(R"({"model":"m","messages":[{"role":"user","content":"x"}],
    "tools":[{"type":"function","function":{"name":"a"}},{"type":"function","function":{"name":"b"}}],
    "tool_choice":{"type":"allowed_tools","allowed_tools":{"mode":"required",
      "tools":[{"type":"function","function":{"name":"b"}}]}}})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->tool_choice.mode, ToolChoiceMode::required);
  ASSERT_EQ(r->tools.size(), 1u);
  EXPECT_EQ(r->tools[0].name, "b");
}

struct BadRequest {
  std::string body;
  std::string message;
  std::string code;
  std::string param;
};

std::string with_messages(const std::string& messages) { return R"({"model":"m","messages":)" + messages + "}"; }

TEST(OpenAiChatIngress, RejectsMalformedRequestsNamingTheField) {
  const std::vector<BadRequest> cases = {
      {"[1]", "request body must be a JSON object, got an array", "invalid_type", ""},
      {R"({"messages":[]})", "model: required", "missing_field", "model"},
      {R"({"model":7,"messages":[]})", "model: expected a string, got a number", "invalid_type", "model"},
      {R"({"model":"m"})", "messages: required", "missing_field", "messages"},
      {R"({"model":"m","messages":{}})", "messages: expected an array", "invalid_type", "messages"},
      {with_messages("[]"), "messages: must contain at least one message", "invalid_value", "messages"},
      {with_messages(
           R"([{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":7}])"),
       "messages[2].content: expected a string or an array", "invalid_type", "messages[2].content"},
      {with_messages(R"(["hi"])"), "messages[0]: expected an object", "invalid_type", "messages[0]"},
      {with_messages(R"([{"content":"hi"}])"), "messages[0].role: required", "missing_field", "messages[0].role"},
      {with_messages(R"([{"role":"robot","content":"hi"}])"),
       "messages[0].role: unknown role 'robot' (expected system, developer, user, assistant or tool)", "invalid_value",
       "messages[0].role"},
      {with_messages(R"([{"role":"user","content":[{"text":"hi"}]}])"), "messages[0].content[0].type: required",
       "missing_field", "messages[0].content[0].type"},
      {with_messages(R"([{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png,abc"}}]}])"),
       "messages[0].content[0].image_url.url: only base64 data URLs are supported", "unsupported_value",
       "messages[0].content[0].image_url.url"},
      {with_messages(R"([{"role":"user","content":"x"},{"role":"tool","content":"42"}])"),
       "messages[1].tool_call_id: required for a tool message", "missing_field", "messages[1].tool_call_id"},
      {with_messages(
           R"([{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"arguments":"{}"}}]}])"),
       "messages[0].tool_calls[0].function.name: required", "missing_field", "messages[0].tool_calls[0].function.name"},
      {with_messages(R"([{"role":"assistant","tool_calls":[{"id":"c","function":{"name":"f","arguments":7}}]}])"),
       "messages[0].tool_calls[0].function.arguments: expected a string, got a number", "invalid_type",
       "messages[0].tool_calls[0].function.arguments"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function"}]})",
       "tools[0].function: required", "missing_field", "tools[0].function"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":"sometimes"})",
       "tool_choice: unknown value 'sometimes' (expected none, auto, required or an object)", "invalid_value",
       "tool_choice"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":0})", "max_tokens: must be at least 1",
       "invalid_value", "max_tokens"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_completion_tokens":1.5})",
       "max_completion_tokens: expected an integer, got a number", "invalid_type", "max_completion_tokens"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"temperature":"hot"})",
       "temperature: expected a number, got a string", "invalid_type", "temperature"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"stop":["a",1]})",
       "stop[1]: expected a string, got a number", "invalid_type", "stop[1]"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"stream":"yes"})",
       "stream: expected a boolean, got a string", "invalid_type", "stream"},
  };
  for (const auto& c : cases) {
    auto r = codec().decode_request(c.body);
    ASSERT_FALSE(r) << c.body;
    EXPECT_EQ(r.error().kind, ErrorKind::invalid_request) << c.body;
    EXPECT_EQ(r.error().status, 400) << c.body;
    EXPECT_EQ(r.error().message, c.message) << c.body;
    EXPECT_EQ(r.error().code, c.code) << c.body;
    EXPECT_EQ(r.error().param, c.param) << c.body;
  }
}

TEST(OpenAiChatIngress, RejectsInvalidJsonWithAPosition) {
  auto r = codec().decode_request("{\"model\":\"m\",\n \"messages\": [}");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "invalid_json");
  EXPECT_EQ(r.error().message.rfind("request body is not valid JSON: ", 0), 0u) << r.error().message;
  EXPECT_NE(r.error().message.find("line 2"), std::string::npos) << r.error().message;
  EXPECT_EQ(codec().encode_error(r.error()), json::serialize(json::value{{"error",
                                                                          {{"message", r.error().message},
                                                                           {"type", "invalid_request_error"},
                                                                           {"param", nullptr},
                                                                           {"code", "invalid_json"}}}}));
}

// Every prefix and every single-byte corruption of a valid request is an
// answer (a request or a 400), never an exception or a sanitizer report.
TEST(OpenAiChatIngress, NeverThrowsOnMangledInput) {
  struct QuietLog {  // thousands of requests, each with a dropped-field warning
    spdlog::level::level_enum before = spdlog::get_level();
    QuietLog() { spdlog::set_level(spdlog::level::err); }
    ~QuietLog() { spdlog::set_level(before); }
  } quiet;
  const std::string body = fixture("chat_request_rich.json");
  for (std::size_t n = 0; n < body.size(); ++n) EXPECT_NO_THROW((void)codec().decode_request(body.substr(0, n)));
  for (std::size_t i = 0; i < body.size(); ++i) {
    for (char c : {'"', '{', ']', '0', 'x', '\0'}) {
      std::string mangled = body;
      mangled[i] = c;
      auto r = codec().decode_request(mangled);
      if (!r) {
        EXPECT_EQ(r.error().status, 400);
      }
    }
  }
}

ChatResponse response(std::string id, std::vector<ContentBlock> content, FinishReason finish) {
  ChatResponse r;
  r.id = std::move(id);
  r.model = "upstream-model-name";
  r.created = 1735689600;
  r.message = Message{Role::assistant, std::move(content), {}};
  r.finish_reason = finish;
  return r;
}

json::value encoded(const ChatResponse& r, const std::string& model) {
  return json::parse(codec().encode_response(r, EgressContext{model, false}));
}

TEST(OpenAiChatIngress, EncodesTextAnswer) {
  auto r = response("chatcmpl-abc", {TextBlock{"Hello, "}, TextBlock{"world"}}, FinishReason::stop);
  r.usage = Usage{12, 3, 15, 0, 0, 0, std::nullopt};
  EXPECT_EQ(encoded(r, "my-alias"), json::parse(fixture("chat_response_text.json")));
}

TEST(OpenAiChatIngress, EncodesToolCalls) {
  auto r = response("msg_01XFDUDYJgAACzvnptvVoYEL",
                    {ToolCallBlock{"toolu_01A09q90qw90lq917835lq9", "get_weather", R"({"city":"Paris"})"},
                     ToolCallBlock{"toolu_01B", "get_time", ""}},
                    FinishReason::tool_calls);
  r.usage = Usage{82, 17, 99, 64, 0, 0, std::nullopt};
  EXPECT_EQ(encoded(r, "claude-sonnet"), json::parse(fixture("chat_response_tool_calls.json")));
}

TEST(OpenAiChatIngress, EncodesReasoning) {
  auto r = response("chatcmpl-r1", {ThinkingBlock{"6 times 7 is 42.", "sig"}, TextBlock{"The answer is 42."}},
                    FinishReason::length);
  r.usage = Usage{30, 90, 0, 0, 0, 64, std::nullopt};  // total missing: the sum
  EXPECT_EQ(encoded(r, "thinker"), json::parse(fixture("chat_response_reasoning.json")));
}

TEST(OpenAiChatIngress, FillsWhatTheUpstreamLeftOut) {
  // Gemini-like: no id, no created, no call id, "stop" although it called a tool; no usage.
  auto r = response("", {ToolCallBlock{"", "f", "{}"}}, FinishReason::stop);
  r.created = 0;
  json::value out = encoded(r, "gem");
  const auto& root = out.as_object();
  EXPECT_EQ(std::string(root.at("id").as_string()).rfind("chatcmpl-", 0), 0u);
  EXPECT_GT(root.at("created").as_int64(), 1700000000);
  EXPECT_FALSE(root.contains("usage"));
  const auto& choice = root.at("choices").at(0);
  EXPECT_EQ(choice.at("finish_reason"), "tool_calls");
  std::string call_id(choice.at("message").at("tool_calls").at(0).at("id").as_string());
  EXPECT_EQ(call_id.rfind("call_", 0), 0u);
  EXPECT_EQ(call_id.size(), 29u);

  auto empty = encoded(response("x", {}, FinishReason::none), "m");
  EXPECT_EQ(empty.at("choices").at(0).at("message").at("content"), "");
  EXPECT_EQ(empty.at("choices").at(0).at("finish_reason"), "stop");
  EXPECT_EQ(encoded(response("x", {}, FinishReason::content_filter), "m").at("choices").at(0).at("finish_reason"),
            "content_filter");
}

}  // namespace
}  // namespace aisbf::api
