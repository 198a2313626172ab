// Gemini provider codec, answer side: documented responses, finish reasons,
// usage, thought signatures round-tripping, and error classification
// (tests/fixtures/gemini/response_*, error_*).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "providers/gemini/gemini_test_util.hpp"
#include "providers/gemini/gemini_wire.hpp"

namespace aisbf::gemini::test {
namespace {

ChatResponse decoded(const std::string& name) {
  auto r = gemini_adapter().decode_chat(fixture(name));
  EXPECT_TRUE(r) << name << ": " << r.error().message;
  return r ? std::move(r).value() : ChatResponse{};
}

TEST(GeminiResponse, DecodesText) {
  ChatResponse r = decoded("response_text.json");
  EXPECT_EQ(r.id, "Il0taOTHN5-xz7IPhNPGyAk");
  EXPECT_EQ(r.model, "gemini-2.5-flash");
  EXPECT_EQ(r.message.role, Role::assistant);
  ASSERT_EQ(r.message.content.size(), 1u);
  EXPECT_EQ(std::get<TextBlock>(r.message.content[0]).text,
            "AI learns patterns from data to make predictions or decisions.");
  EXPECT_EQ(r.finish_reason, FinishReason::stop);
  ASSERT_TRUE(r.usage);
  EXPECT_EQ(r.usage->prompt_tokens, 8);
  EXPECT_EQ(r.usage->completion_tokens, 12);
  EXPECT_EQ(r.usage->total_tokens, 20);
  EXPECT_EQ(r.usage->cached_tokens, 0);
}

TEST(GeminiResponse, DecodesParallelFunctionCalls) {
  ChatResponse r = decoded("response_function_call.json");
  ASSERT_EQ(r.message.content.size(), 3u);
  // The first call's signature rides on a text-less thinking block before it.
  const auto& sig = std::get<ThinkingBlock>(r.message.content[0]);
  EXPECT_EQ(sig.text, "");
  EXPECT_EQ(sig.signature, "gemini:CiQBVKhc7oXfVDoqYGLXcTdBuuZKC3vL0kLGoCTqDQOCRfqLpOwKYgFUqFzu");
  const auto& paris = std::get<ToolCallBlock>(r.message.content[1]);
  const auto& london = std::get<ToolCallBlock>(r.message.content[2]);
  EXPECT_EQ(paris.name, "get_current_temperature");
  EXPECT_EQ(json::parse(paris.arguments_json), json::parse(R"({"location":"Paris"})"));
  EXPECT_EQ(json::parse(london.arguments_json), json::parse(R"({"location":"London"})"));
  EXPECT_EQ(paris.id, tool_call_id("m5PlaXyZ-2", 0, ""));
  EXPECT_EQ(london.id, tool_call_id("m5PlaXyZ-2", 1, ""));
  EXPECT_NE(paris.id, london.id);
  EXPECT_NE(paris.id, tool_call_id("another-response", 0, ""));
  EXPECT_EQ(paris.id.rfind("call_", 0), 0u);
  EXPECT_EQ(r.finish_reason, FinishReason::tool_calls);  // STOP with calls
  EXPECT_EQ(r.usage->prompt_tokens, 1200);
  EXPECT_EQ(r.usage->completion_tokens, 150);  // candidates + thoughts
  EXPECT_EQ(r.usage->reasoning_tokens, 120);
  EXPECT_EQ(r.usage->cached_tokens, 1024);
  EXPECT_EQ(r.usage->total_tokens, 1350);
}

TEST(GeminiResponse, DecodesThoughtsAndTextSignature) {
  ChatResponse r = decoded("response_thinking.json");
  ASSERT_EQ(r.message.content.size(), 3u);
  EXPECT_EQ(std::get<ThinkingBlock>(r.message.content[0]).text,
            "**Computing the product**\n\nSix times seven is forty-two.");
  EXPECT_EQ(std::get<TextBlock>(r.message.content[1]).text, "The answer is 42.");
  EXPECT_EQ(std::get<ThinkingBlock>(r.message.content[2]).signature,
            "gemini:EiYKJGUyNDhmZDA0LTU1ZTYtNDFmZS1iNDIxLTQ5ZGM4YzQ2MjFmNQ==");
  EXPECT_EQ(r.usage->completion_tokens, 84);
  EXPECT_EQ(r.usage->reasoning_tokens, 78);
}

TEST(GeminiResponse, SafetyBlocks) {
  ChatResponse blocked = decoded("response_prompt_blocked.json");
  EXPECT_TRUE(blocked.message.content.empty());
  EXPECT_EQ(blocked.finish_reason, FinishReason::content_filter);
  EXPECT_EQ(blocked.usage->prompt_tokens, 7);
  ChatResponse filtered = decoded("response_candidate_safety.json");
  EXPECT_TRUE(filtered.message.content.empty());
  EXPECT_EQ(filtered.finish_reason, FinishReason::content_filter);
}

TEST(GeminiResponse, MapsFinishReasons) {
  auto finish = [](const std::string& reason, bool call = false) {
    std::string part = call ? R"({"functionCall":{"name":"f"}})" : R"({"text":"x"})";
    auto r = gemini_adapter().decode_chat(R"({"candidates":[{"content":{"parts":[)" + part + R"(]},"finishReason":")" +
                                          reason + R"("}]})");
    return r ? r->finish_reason : FinishReason::error;
  };
  EXPECT_EQ(finish("STOP"), FinishReason::stop);
  EXPECT_EQ(finish("STOP", true), FinishReason::tool_calls);
  EXPECT_EQ(finish("MAX_TOKENS"), FinishReason::length);
  EXPECT_EQ(finish("MAX_TOKENS", true), FinishReason::length);
  for (const char* filtered : {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"})
    EXPECT_EQ(finish(filtered), FinishReason::content_filter) << filtered;
  for (const char* other : {"OTHER", "LANGUAGE", "MALFORMED_FUNCTION_CALL", "IMAGE_OTHER", "SOMETHING_NEW"})
    EXPECT_EQ(finish(other), FinishReason::stop) << other;
  auto none = gemini_adapter().decode_chat(R"({"candidates":[{"content":{"parts":[{"text":"x"}]}}]})");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->finish_reason, FinishReason::none);
  EXPECT_FALSE(none->usage);
}

TEST(GeminiResponse, ToleratesOddShapes) {
  // Several candidates: index 0 wins wherever it is; missing counts and an
  // upstream call id; int64 counts as strings; text parts are joined.
  auto r = gemini_adapter().decode_chat(R"({"candidates":[
      {"index":1,"content":{"parts":[{"text":"other"}]}},
      {"content":{"parts":[{"text":"a"},{"text":"b"},{"functionCall":{"name":"f","args":{"k":[1]},"id":"fc_9"}},
                           {"inlineData":{"mimeType":"image/png","data":"iVBO"}},{"executableCode":{}}]},
       "finishReason":"STOP"}],
      "usageMetadata":{"promptTokenCount":"5","toolUsePromptTokenCount":2,"candidatesTokenCount":3}})");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->message.content.size(), 3u);
  EXPECT_EQ(std::get<TextBlock>(r->message.content[0]).text, "ab");
  EXPECT_EQ(std::get<ToolCallBlock>(r->message.content[1]).id, "fc_9");
  EXPECT_EQ(std::get<ToolCallBlock>(r->message.content[1]).arguments_json, R"({"k":[1]})");
  EXPECT_EQ(std::get<ImageBlock>(r->message.content[2]).media_type, "image/png");
  EXPECT_EQ(r->usage->prompt_tokens, 7);
  EXPECT_EQ(r->usage->total_tokens, 10);
  EXPECT_EQ(tool_call_id("r", 0, "bad id!"), tool_call_id("r", 0, ""));
}

TEST(GeminiResponse, RejectsMalformedAnswers) {
  const auto& adapter = gemini_adapter();
  for (std::string_view body :
       {"", "not json", "[1]", "{}", R"({"candidates":[]})", R"({"candidates":[{"index":2}]})"}) {
    auto r = adapter.decode_chat(body);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().kind, ErrorKind::upstream_protocol) << body;
  }
  auto err = adapter.decode_chat(fixture("error_503.json"));
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().status, 503);
  EXPECT_TRUE(err.error().retryable);
  for (const char* name : {"response_text.json", "response_function_call.json", "response_thinking.json"}) {
    std::string body = fixture(name);
    for (std::size_t n = 0; n < body.size(); ++n) EXPECT_NO_THROW((void)adapter.decode_chat(body.substr(0, n)));
  }
}

// Gemini answer → canonical → Gemini history: the parts and their
// signatures come back where they were.
TEST(GeminiResponse, SignaturesRoundTrip) {
  ChatRequest next;
  next.messages.push_back(msg(Role::user, {TextBlock{"Temperatures in Paris and London?"}}));
  next.messages.push_back(decoded("response_function_call.json").message);
  const std::vector<ContentBlock> calls = next.messages.back().content;
  next.messages.push_back(msg(Role::tool, {ToolResultBlock{std::get<ToolCallBlock>(calls[1]).id, "18", false}}));
  next.messages.push_back(msg(Role::tool, {ToolResultBlock{std::get<ToolCallBlock>(calls[2]).id, "14", false}}));
  next.messages.push_back(msg(Role::user, {TextBlock{"And the answer?"}}));
  next.messages.push_back(decoded("response_thinking.json").message);
  auto encoded = gemini_adapter().encode_chat(next, target());
  ASSERT_TRUE(encoded);
  auto expected = json::parse(R"([
    {"role":"user","parts":[{"text":"Temperatures in Paris and London?"}]},
    {"role":"model","parts":[
      {"functionCall":{"name":"get_current_temperature","args":{"location":"Paris"}},
       "thoughtSignature":"CiQBVKhc7oXfVDoqYGLXcTdBuuZKC3vL0kLGoCTqDQOCRfqLpOwKYgFUqFzu"},
      {"functionCall":{"name":"get_current_temperature","args":{"location":"London"}}}]},
    {"role":"user","parts":[
      {"functionResponse":{"name":"get_current_temperature","response":{"output":18}}},
      {"functionResponse":{"name":"get_current_temperature","response":{"output":14}}},
      {"text":"And the answer?"}]},
    {"role":"model","parts":[
      {"text":"The answer is 42.",
       "thoughtSignature":"EiYKJGUyNDhmZDA0LTU1ZTYtNDFmZS1iNDIxLTQ5ZGM4YzQ2MjFmNQ=="}]}])");
  EXPECT_EQ(json::parse(encoded->body).at("contents"), expected) << encoded->body;
}

TEST(GeminiErrors, ClassifiesDocumentedErrors) {
  const auto& adapter = gemini_adapter();
  UpstreamTarget t = target();
  auto rate = adapter.classify_error(429, fixture("error_429.json"), t);
  EXPECT_EQ(rate.kind, ErrorKind::rate_limited);
  EXPECT_EQ(rate.status, 429);
  EXPECT_TRUE(rate.retryable);
  EXPECT_NE(rate.message.find("You exceeded your current quota"), std::string::npos) << rate.message;
  EXPECT_EQ(rate.retry_after, "17");
  EXPECT_EQ(rate.code, "resource_exhausted");

  auto bad = adapter.classify_error(400, fixture("error_400_invalid_argument.json"), t);
  EXPECT_EQ(bad.status, 400);
  EXPECT_FALSE(bad.retryable);
  EXPECT_EQ(bad.message,
            "provider 'gem' answered 400 INVALID_ARGUMENT: Invalid JSON payload received. Unknown name \"max_tokens\": "
            "Cannot find field.");

  // A wrong key is a 400 upstream but the gateway's problem: masked, like 401/403.
  for (
      auto [status, body] :
      {std::pair{400, fixture("error_400_api_key.json")},
       std::pair{
           403,
           std::string(
               R"({"error":{"code":403,"message":"Method doesn't allow unregistered callers","status":"PERMISSION_DENIED"}})")},
       std::pair{401, std::string("<html>nope</html>")}}) {
    auto auth = adapter.classify_error(status, body, t);
    EXPECT_EQ(auth.kind, ErrorKind::upstream_auth) << status;
    EXPECT_EQ(auth.status, 502);
    EXPECT_EQ(auth.message.find("API key"), std::string::npos) << auth.message;
  }
  for (int status : {500, 503, 504}) {
    auto e = adapter.classify_error(status, status == 503 ? fixture("error_503.json") : "", t);
    EXPECT_TRUE(e.retryable) << status;
    EXPECT_EQ(e.status, status);
  }
  auto region = adapter.classify_error(
      400,
      R"({"error":{"code":400,"message":"User location is not supported for the API use.","status":"FAILED_PRECONDITION"}})",
      t);
  EXPECT_TRUE(region.retryable);
  EXPECT_EQ(region.status, 502);
  auto array = adapter.classify_error(
      404, R"([{"error":{"code":404,"message":"models/x is not found","status":"NOT_FOUND"}}])", t);
  EXPECT_EQ(array.status, 404);
  EXPECT_NE(array.message.find("models/x is not found"), std::string::npos);
}

}  // namespace
}  // namespace aisbf::gemini::test
