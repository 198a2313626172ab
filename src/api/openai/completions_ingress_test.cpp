// OpenAI legacy completions ingress: decoding, answer and stream encoding.
#include "api/openai/completions_ingress.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "api/openai/ingress_test_util.hpp"

namespace aisbf::api {
namespace {

namespace json = boost::json;
using openai_ingress::test::encode_stream;
using openai_ingress::test::fixture;
using openai_ingress::test::sse_payloads;

const IngressCodec& codec() { return openai_completions_ingress(); }

TEST(OpenAiCompletionsIngress, DecodesRequest) {
  auto r = codec().decode_request(fixture("completions_request.json"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->model, "gpt-3.5-turbo-instruct");
  ASSERT_EQ(r->messages.size(), 1u);
  EXPECT_EQ(r->messages[0].role, Role::user);
  EXPECT_EQ(std::get<TextBlock>(r->messages[0].content.at(0)).text, "Say this is a test");
  EXPECT_EQ(r->max_tokens, 7);
  EXPECT_EQ(r->temperature, 0.0);
  EXPECT_EQ(r->top_p, 1.0);
  EXPECT_EQ(r->stop, (std::vector<std::string>{"\n", "END"}));
  EXPECT_FALSE(r->stream);
  EXPECT_TRUE(r->tools.empty());
  // logprobs (an int here, a bool in chat), best_of, echo and suffix never go on.
  EXPECT_EQ(json::value(r->extensions), json::parse(R"({"n":1,"presence_penalty":0.5,"frequency_penalty":0,
    "logit_bias":{"50256":-100},"seed":42,"user":"u-1"})"));
}

TEST(OpenAiCompletionsIngress, DefaultsAndStreamOptions) {
  auto r = codec().decode_request(
      R"({"model":"m","prompt":"Once upon","stream":true,"stream_options":{"include_usage":true},"suffix":"END"})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->max_tokens, 16);  // OpenAI's default for this endpoint
  EXPECT_TRUE(r->stream);
  EXPECT_TRUE(r->include_usage);
  EXPECT_EQ(std::get<TextBlock>(r->messages[0].content.at(0)).text, "Once upon");
  EXPECT_FALSE(r->extensions.contains("suffix"));
}

TEST(OpenAiCompletionsIngress, RejectsWhatItCannotServe) {
  struct Case {
    std::string body, message, code;
  };
  const std::vector<Case> cases = {
      {R"({"model":"m"})", "prompt: required", "missing_field"},
      {R"({"model":"m","prompt":["a","b"]})", "prompt: only one prompt per request is supported", "unsupported_value"},
      {R"({"model":"m","prompt":[1,2,3]})", "prompt: token arrays are not supported; send the prompt as text",
       "unsupported_value"},
      {R"({"model":"m","prompt":[[1,2]]})", "prompt: token arrays are not supported; send the prompt as text",
       "unsupported_value"},
      {R"({"model":"m","prompt":[]})", "prompt: must not be empty", "invalid_value"},
      {R"({"model":"m","prompt":{}})", "prompt: expected a string or an array of strings", "invalid_type"},
      {R"({"model":"m","prompt":"x","echo":true})", "echo: not supported (the prompt cannot be echoed back)",
       "unsupported_value"},
      {R"({"model":"m","prompt":"x","max_tokens":-1})", "max_tokens: must be at least 1", "invalid_value"},
      {R"({"prompt":"x"})", "model: required", "missing_field"},
      {"{\"model\":", "", "invalid_json"},
  };
  for (const auto& c : cases) {
    auto r = codec().decode_request(c.body);
    ASSERT_FALSE(r) << c.body;
    EXPECT_EQ(r.error().status, 400) << c.body;
    if (!c.message.empty()) {
      EXPECT_EQ(r.error().message, c.message) << c.body;
    }
    EXPECT_EQ(r.error().code, c.code) << c.body;
  }
  const std::string body = fixture("completions_request.json");
  for (std::size_t n = 0; n < body.size(); ++n) EXPECT_NO_THROW((void)codec().decode_request(body.substr(0, n)));
}

TEST(OpenAiCompletionsIngress, EncodesAnswer) {
  ChatResponse r;
  r.id = "cmpl-uqkvlQyYK7bGYrRHQ0eXlWi7";
  r.created = 1735689600;
  r.message = Message{Role::assistant, {ThinkingBlock{"hidden", ""}, TextBlock{"\n\nThis is indeed a test"}}, {}};
  r.finish_reason = FinishReason::length;
  r.usage = Usage{5, 7, 12, 0, 0, 0, std::nullopt};
  EXPECT_EQ(json::parse(codec().encode_response(r, {"gpt-3.5-turbo-instruct", false})),
            json::parse(fixture("completions_response.json")));

  r.usage->effective_context = 6;  // the gateway's count, beside the upstream's
  EXPECT_EQ(json::parse(codec().encode_response(r, {"m", false})).at("usage").at("effective_context"), 6);

  r.id.clear();
  r.usage.reset();
  r.finish_reason = FinishReason::tool_calls;  // not a value of this format
  auto out = json::parse(codec().encode_response(r, {"m", false}));
  EXPECT_EQ(std::string(out.at("id").as_string()).rfind("cmpl-", 0), 0u);
  EXPECT_EQ(out.at("choices").at(0).at("finish_reason"), "stop");
  EXPECT_FALSE(out.as_object().contains("usage"));
}

TEST(OpenAiCompletionsIngress, EncodesStream) {
  std::vector<StreamEvent> events{
      StreamStart{"cmpl-1", "x", 1735689600}, TextDelta{" world"}, ReasoningDelta{"ignored", ""},
      ToolCallDelta{0, "c", "f", "{}"},       TextDelta{"!"},      FinishEvent{FinishReason::stop}};
  EXPECT_EQ(encode_stream(codec(), {"gpt-3.5-turbo-instruct", false}, events), fixture("completions_stream.sse"));
}

TEST(OpenAiCompletionsIngress, StreamUsageAndErrors) {
  auto payloads =
      sse_payloads(encode_stream(codec(), {"m", true}, {TextDelta{"hi"}, UsageEvent{Usage{2, 1, 3, 0, 0, 0, std::nullopt}}}));
  ASSERT_EQ(payloads.size(), 4u);
  auto first = json::parse(payloads[0]);
  EXPECT_EQ(first.at("object"), "text_completion");
  EXPECT_TRUE(first.at("usage").is_null());
  EXPECT_EQ(json::parse(payloads[1]).at("choices").at(0).at("finish_reason"), "stop");  // added at the end
  auto usage_chunk = json::parse(payloads[2]);
  EXPECT_TRUE(usage_chunk.at("choices").as_array().empty());
  EXPECT_EQ(usage_chunk.at("usage"), json::parse(R"({"prompt_tokens":2,"completion_tokens":1,"total_tokens":3})"));
  EXPECT_EQ(usage_chunk.at("id"), first.at("id"));
  EXPECT_EQ(payloads[3], "[DONE]");

  auto error = make_error(ErrorKind::upstream_timeout, "upstream timed out");
  auto out = encode_stream(codec(), {"m", false}, {TextDelta{"par"}}, error);
  payloads = sse_payloads(out);
  ASSERT_EQ(payloads.size(), 2u);
  EXPECT_EQ(json::parse(payloads[1]).at("error").at("message"), "upstream timed out");
  EXPECT_EQ(out.find("[DONE]"), std::string::npos);
  EXPECT_EQ(codec().encode_error(error),
            R"({"error":{"message":"upstream timed out","type":"api_error","param":null,"code":null}})");
}

}  // namespace
}  // namespace aisbf::api
