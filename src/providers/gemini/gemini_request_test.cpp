// Gemini provider codec, request side: contents, tools, schema cleaning,
// generation config, headers and paths (tests/fixtures/gemini/request_*).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "providers/gemini/gemini_test_util.hpp"
#include "providers/gemini/gemini_wire.hpp"

namespace aisbf::gemini::test {
namespace {

json::value encoded_body(const ChatRequest& request, const UpstreamTarget& t = target()) {
  auto encoded = gemini_adapter().encode_chat(request, t);
  EXPECT_TRUE(encoded) << encoded.error().message;
  return encoded ? json::parse(encoded->body) : json::value();
}

constexpr const char* kWeatherSchema = R"({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "city": {"type": "string", "description": "City name"},
    "unit": {"type": ["string", "null"], "enum": ["C", "F"]},
    "days": {"type": "integer", "minimum": 1, "maximum": 7, "exclusiveMaximum": 8},
    "when": {"type": "string", "format": "date-time"},
    "source": {"type": "string", "format": "uri"},
    "tags": {"type": "array", "items": {"$ref": "#/$defs/tag"}},
    "mode": {"anyOf": [{"const": "fast"}, {"const": "cheap"}]},
    "level": {"enum": [1, 2, 3]},
    "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "description": "Optional note"},
    "extra": {}
  },
  "required": ["city", "missing", "city"],
  "$defs": {"tag": {"type": "string", "minLength": 1}}
})";

// Multi-turn: system + developer, an image (inline, https, plain http), a
// signed parallel call answered by two tool messages, a later unsigned call
// answered with an error, and tools whose schemas need cleaning.
ChatRequest rich_request() {
  ChatRequest r;
  r.model = "my-gemini";
  r.messages.push_back(msg(Role::system, {TextBlock{"You are a helpful weather assistant."}}));
  r.messages.push_back(msg(Role::developer, {TextBlock{"Answer "}, TextBlock{"briefly."}}));
  r.messages.push_back(msg(Role::user, {TextBlock{"Weather in Paris and the time there? What is in these pictures?"},
                                        ImageBlock{"", "image/png", "iVBORw0KGgo=", "high"},
                                        ImageBlock{"https://example.com/photos/cat.JPG?size=large", "", "", ""},
                                        ImageBlock{"http://example.com/insecure.png", "", "", ""}}));
  r.messages.push_back(msg(Role::assistant, {ThinkingBlock{"", "gemini:CiQBsig"},
                                             ToolCallBlock{"call_1", "get_weather", R"({"city":"Paris"})"},
                                             ToolCallBlock{"call_2", "get_time", R"({"tz":"Europe/Paris"})"}}));
  r.messages.push_back(msg(Role::tool, {ToolResultBlock{"call_1", "Sunny, 21C", false}}));
  r.messages.push_back(msg(Role::tool, {ToolResultBlock{"call_2", R"({"time":"14:05"})", false}}));
  r.messages.push_back(msg(Role::assistant, {TextBlock{"Sunny, 21C, and it is 14:05."}}));
  r.messages.push_back(msg(Role::user, {TextBlock{"Thanks! Book a taxi to the Louvre."}}));
  r.messages.push_back(msg(Role::assistant, {ThinkingBlock{"Anthropic thinking", "EqQBCkgIARAB"}, TextBlock{"Booking."},
                                             ToolCallBlock{"toolu_3", "book_taxi", R"({"to":"Louvre"})"}}));
  r.messages.push_back(msg(Role::user, {ToolResultBlock{"toolu_3", "no taxis available", true}}));
  r.tools.push_back({"get_weather", "Current weather", json::parse(kWeatherSchema)});
  r.tools.push_back({"get_time", "", json::parse(R"({"type":"object","properties":{"tz":{"type":"string"}}})")});
  r.tools.push_back({"book_taxi", "Book a taxi", json::parse(R"({"type":"object","properties":{}})")});
  r.tool_choice = {ToolChoiceMode::auto_, ""};
  r.max_tokens = 1024;
  r.temperature = 0.7;
  r.top_p = 0.95;
  r.stop = {"END"};
  r.extensions = json::parse(R"({"seed":42,"user":"u-1","logit_bias":{"50256":-100}})").as_object();
  return r;
}

TEST(GeminiRequest, EncodesRichMultiTurnRequest) {
  auto encoded = gemini_adapter().encode_chat(rich_request(), target());
  ASSERT_TRUE(encoded) << encoded.error().message;
  EXPECT_EQ(encoded->method, "POST");
  EXPECT_EQ(encoded->path_suffix, "/models/gemini-2.5-flash:generateContent");
  EXPECT_EQ(encoded->headers, (HeaderList{{"x-goog-api-key", "AIza-test"}, {"Content-Type", "application/json"}}));
  EXPECT_EQ(json::parse(encoded->body), json::parse(fixture("request_rich.json"))) << encoded->body;
}

TEST(GeminiRequest, HeadersAndPaths) {
  const auto& adapter = gemini_adapter();
  EXPECT_EQ(adapter.type(), "google");
  EXPECT_EQ(adapter.passthrough_format(), BodyFormat::none);
  UpstreamTarget t = target();
  t.extra_headers = {{"x-goog-user-project", "proj-1"}};
  EXPECT_EQ(adapter.auth_headers(t), (HeaderList{{"x-goog-api-key", "AIza-test"}, {"x-goog-user-project", "proj-1"}}));
  EXPECT_TRUE(adapter.auth_headers(target("")).empty());
  EXPECT_EQ(adapter.chat_path(t, true), "/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
  EXPECT_EQ(adapter.chat_path(target("k", "models/gemini-2.5-pro"), false), "/models/gemini-2.5-pro:generateContent");
  EXPECT_EQ(adapter.chat_path(target("k", "tunedModels/my-tune-7"), false), "/tunedModels/my-tune-7:generateContent");
  EXPECT_EQ(adapter.chat_path(target("k", "odd/../name:x?y"), false),
            "/models/odd%2F..%2Fname%3Ax%3Fy:generateContent");
}

TEST(GeminiRequest, ToolChoiceModes) {
  ChatRequest r;
  r.messages.push_back(msg(Role::user, {TextBlock{"hi"}}));
  EXPECT_FALSE(encoded_body(r).as_object().contains("toolConfig"));
  r.tool_choice.mode = ToolChoiceMode::required;  // no tools: no toolConfig either
  EXPECT_FALSE(encoded_body(r).as_object().contains("toolConfig"));
  r.tools.push_back({"now", "", nullptr});
  EXPECT_EQ(encoded_body(r).at("tools"), json::parse(R"([{"functionDeclarations":[{"name":"now"}]}])"));
  auto mode = [&](ToolChoiceMode m, std::string name = {}) {
    r.tool_choice = {m, std::move(name)};
    return encoded_body(r).at("toolConfig");
  };
  EXPECT_EQ(mode(ToolChoiceMode::none), json::parse(R"({"functionCallingConfig":{"mode":"NONE"}})"));
  EXPECT_EQ(mode(ToolChoiceMode::auto_), json::parse(R"({"functionCallingConfig":{"mode":"AUTO"}})"));
  EXPECT_EQ(mode(ToolChoiceMode::required), json::parse(R"({"functionCallingConfig":{"mode":"ANY"}})"));
  EXPECT_EQ(mode(ToolChoiceMode::specific, "now"),
            json::parse(R"({"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["now"]}})"));
}

TEST(GeminiRequest, ResponseFormatAndParameters) {
  ChatRequest r;
  r.messages.push_back(msg(Role::user, {TextBlock{"list two colors"}}));
  r.stop = {"a", "b", "c", "d", "e", "f"};
  r.extensions = json::parse(R"({"response_format":{"type":"json_schema","json_schema":{"name":"colors","strict":true,
      "schema":{"type":"object","properties":{"colors":{"type":"array","items":{"type":"string"}}},
                "required":["colors"],"additionalProperties":false}}},
      "presence_penalty":0.5,"frequency_penalty":0.25,"top_k":40,"reasoning_effort":"low","seed":"x"})")
                     .as_object();
  auto expected = json::parse(R"({"stopSequences":["a","b","c","d","e"],"responseMimeType":"application/json",
      "responseSchema":{"type":"OBJECT","properties":{"colors":{"type":"ARRAY","items":{"type":"STRING"}}},
                        "required":["colors"]},
      "presencePenalty":0.5,"frequencyPenalty":0.25,"topK":40,
      "thinkingConfig":{"thinkingBudget":1024,"includeThoughts":true}})");
  EXPECT_EQ(encoded_body(r).at("generationConfig"), expected) << json::serialize(encoded_body(r));
  r.stop.clear();
  r.extensions = json::parse(R"({"response_format":{"type":"json_object"},"reasoning_effort":"extreme"})").as_object();
  EXPECT_EQ(encoded_body(r).at("generationConfig"), json::parse(R"({"responseMimeType":"application/json"})"));
  r.extensions =
      json::parse(R"({"response_format":{"type":"text"},"stream_options":{"include_usage":true}})").as_object();
  EXPECT_FALSE(encoded_body(r).as_object().contains("generationConfig"));
}

TEST(GeminiRequest, SchemaCleaningEdgeCases) {
  std::vector<std::string> dropped;
  // A recursive $ref stops at the expansion limit instead of looping.
  auto tree = to_gemini_schema(json::parse(R"({"type":"object","properties":{"child":{"$ref":"#"}}})"), dropped);
  ASSERT_TRUE(tree);
  EXPECT_EQ(tree->at("type"), "OBJECT");
  // allOf members merge; oneOf becomes anyOf; type arrays become anyOf.
  auto merged = to_gemini_schema(json::parse(R"({"allOf":[
      {"type":"object","properties":{"a":{"type":"string"}},"required":["a"]},
      {"properties":{"b":{"oneOf":[{"type":"integer"},{"type":"boolean"}]},"c":{"type":["number","string"]}},
       "required":["b"]}]})"),
                                 dropped);
  ASSERT_TRUE(merged);
  EXPECT_EQ(json::value(*merged), json::parse(R"({"type":"OBJECT","properties":{
      "a":{"type":"STRING"},
      "b":{"anyOf":[{"type":"INTEGER"},{"type":"BOOLEAN"}]},
      "c":{"anyOf":[{"type":"NUMBER"},{"type":"STRING"}]}},"required":["a","b"]})"))
      << json::serialize(*merged);
  EXPECT_FALSE(to_gemini_schema(json::value("string"), dropped));
  // Deeply nested input is cut, never recursed without bound.
  std::string deep;
  for (int i = 0; i < 60; ++i) deep += R"({"type":"array","items":)";
  deep += "{}";
  for (int i = 0; i < 60; ++i) deep += "}";
  json::parse_options options;
  options.max_depth = 200;
  EXPECT_TRUE(to_gemini_schema(json::parse(deep, {}, options), dropped));
}

TEST(GeminiRequest, OddConversations) {
  ChatRequest only_system;
  only_system.messages.push_back(msg(Role::system, {TextBlock{"rules"}}));
  auto r = gemini_adapter().encode_chat(only_system, target());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::invalid_request);

  ChatRequest odd;
  odd.messages.push_back(msg(Role::user, {TextBlock{""}, ToolResultBlock{"nowhere", "42", false}}));
  odd.messages.push_back(msg(Role::assistant, {ThinkingBlock{"private", ""}, ToolCallBlock{"c1", "f", "not json"}}));
  odd.messages.push_back(msg(Role::assistant, {ThinkingBlock{"", "gemini:tail"}}));  // merged into the model turn
  odd.messages.push_back(msg(Role::user, {ImageBlock{"data:image/webp;base64,UklGRg==", "", "", ""},
                                          ImageBlock{"data:text/plain,hello", "", "", ""}}));
  auto expected = json::parse(R"({"contents":[
      {"role":"user","parts":[{"text":"Result of tool call nowhere:\n42"}]},
      {"role":"model","parts":[{"functionCall":{"name":"f","args":{}},"thoughtSignature":"skip_thought_signature_validator"},
                               {"text":"","thoughtSignature":"tail"}]},
      {"role":"user","parts":[{"inlineData":{"mimeType":"image/webp","data":"UklGRg=="}}]}]})");
  EXPECT_EQ(encoded_body(odd), expected) << json::serialize(encoded_body(odd));
}

}  // namespace
}  // namespace aisbf::gemini::test
