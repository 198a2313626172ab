// OpenAI chat ingress stream encoder: exact bytes for recorded samples, and a
// client-side check that replays what the OpenAI Node SDK's stream helper
// (ChatCompletionStream) requires of a stream.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <map>

#include "api/openai/chat_ingress.hpp"
#include "api/openai/ingress_test_util.hpp"

namespace aisbf::api {
namespace {

namespace json = boost::json;
using openai_ingress::test::encode_stream;
using openai_ingress::test::fixture;
using openai_ingress::test::sse_payloads;
using Events = std::vector<StreamEvent>;

std::string encode(const EgressContext& context, const Events& events,
                   const std::optional<GatewayError>& error = std::nullopt) {
  return encode_stream(openai_chat_ingress(), context, events, error);
}

ToolCallDelta call(int index, std::string id, std::string name, std::string arguments) {
  return ToolCallDelta{index, std::move(id), std::move(name), std::move(arguments)};
}

TEST(OpenAiChatStream, EncodesText) {
  Events events{StreamStart{"chatcmpl-1", "upstream-name", 1735689600}, TextDelta{"Hello"}, TextDelta{""},
                FinishEvent{FinishReason::stop}};
  EXPECT_EQ(encode({"gpt-4o-mini", false}, events), fixture("chat_stream_text.sse"));
}

TEST(OpenAiChatStream, EncodesParallelToolCalls) {
  Events events{StreamStart{"msg_01", "claude-sonnet-4-5", 1735689600},
                call(0, "call_abc123", "get_weather", ""),
                call(0, "", "", R"({"ci)"),
                call(1, "call_def456", "get_time", R"({"tz":)"),
                call(0, "", "", R"(ty":"Paris"})"),
                call(1, "", "", ""),  // an empty fragment sends nothing
                call(1, "", "", R"("Europe/Paris"})"),
                UsageEvent{Usage{10, 5, 15, 0, 0, 0, std::nullopt}},  // not asked for: not sent
                FinishEvent{FinishReason::tool_calls}};
  EXPECT_EQ(encode({"claude-sonnet", false}, events), fixture("chat_stream_tool_calls.sse"));
}

TEST(OpenAiChatStream, IncludeUsageAddsTheUsageChunkLast) {
  Events events{StreamStart{"chatcmpl-2", "gemini-2.5-flash", 1735689600},
                ReasoningDelta{"6 times 7…", ""},
                ReasoningDelta{"", "signature-only"},
                UsageEvent{Usage{19, 1, 20, 16, 0, 0, std::nullopt}},
                TextDelta{"42"},
                UsageEvent{Usage{19, 10, 29, 16, 0, 8, std::nullopt}},  // each report replaces the previous one
                FinishEvent{FinishReason::length}};
  EXPECT_EQ(encode({"gemini-flash", true}, events), fixture("chat_stream_usage.sse"));
}

TEST(OpenAiChatStream, EffectiveContextInTheUsageChunkOnly) {
  Usage u{19, 10, 29, 16, 0, 8, std::nullopt};
  u.effective_context = 21;
  const Events events{StreamStart{"chatcmpl-2", "m", 1735689600}, TextDelta{"42"}, UsageEvent{u},
                      FinishEvent{FinishReason::stop}};
  const auto payloads = sse_payloads(encode({"m", true}, events));
  ASSERT_GE(payloads.size(), 3u);
  const auto usage_chunk = json::parse(payloads[payloads.size() - 2]);
  EXPECT_EQ(usage_chunk.at("usage").at("effective_context"), 21);
  EXPECT_EQ(usage_chunk.at("usage").at("prompt_tokens"), 19);
  for (std::size_t i = 0; i + 2 < payloads.size(); ++i) {
    EXPECT_EQ(payloads[i].find("effective_context"), std::string::npos) << payloads[i];
  }
  // Usage not asked for: no chunk, no figure.
  EXPECT_EQ(encode({"m", false}, events).find("effective_context"), std::string::npos);
}

TEST(OpenAiChatStream, ErrorEndsWithAnErrorEventAndNoDone) {
  auto error = make_error(ErrorKind::upstream_protocol, "upstream stream ended before message_stop");
  error.code = "upstream_cut";
  Events events{StreamStart{"chatcmpl-3", "", 1735689600}, TextDelta{"Par"}};
  EXPECT_EQ(encode({"claude-sonnet", false}, events, error), fixture("chat_stream_error.sse"));
}

TEST(OpenAiChatStream, EndsCleanlyWithoutAFinishOrAStart) {
  // No StreamStart, no FinishEvent: an id is generated and kept, "stop" is added.
  auto payloads = sse_payloads(encode({"m", false}, {TextDelta{"a"}, TextDelta{"b"}}));
  ASSERT_EQ(payloads.size(), 5u);
  std::string id(json::parse(payloads[0]).at("id").as_string());
  EXPECT_EQ(id.rfind("chatcmpl-", 0), 0u);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(json::parse(payloads[i]).at("id"), json::value(id));
  EXPECT_EQ(json::parse(payloads[3]).at("choices").at(0).at("finish_reason"), "stop");
  EXPECT_EQ(payloads[4], "[DONE]");

  // Tool calls opened and no finish: the added finish says tool_calls; a missing call id is generated.
  payloads = sse_payloads(encode({"m", false}, {call(0, "", "f", "{}")}));
  ASSERT_EQ(payloads.size(), 4u);
  std::string call_id(
      json::parse(payloads[1]).at("choices").at(0).at("delta").at("tool_calls").at(0).at("id").as_string());
  EXPECT_EQ(call_id.rfind("call_", 0), 0u);
  EXPECT_EQ(json::parse(payloads[2]).at("choices").at(0).at("finish_reason"), "tool_calls");

  // An empty stream still makes a valid answer: role, stop, [DONE].
  payloads = sse_payloads(encode({"m", true}, {}));
  ASSERT_EQ(payloads.size(), 3u);
  EXPECT_EQ(json::parse(payloads[1]).at("choices").at(0).at("finish_reason"), "stop");
}

TEST(OpenAiChatStream, OneFinishAndNothingAfterTheEnd) {
  auto encoder = openai_chat_ingress().make_stream_encoder({"m", false});
  encoder->on_event(FinishEvent{FinishReason::stop});
  EXPECT_EQ(encoder->on_event(FinishEvent{FinishReason::length}), "");
  EXPECT_EQ(encoder->on_end(std::nullopt), "data: [DONE]\n\n");
  EXPECT_EQ(encoder->on_event(TextDelta{"late"}), "");
  EXPECT_EQ(encoder->on_end(make_error(ErrorKind::internal, "late")), "");
}

TEST(OpenAiChatStream, EscapesText) {
  auto payloads = sse_payloads(encode({"m\"x", false}, {TextDelta{"line\n\"quoted\"\\ é 🙂\x01"}}));
  auto chunk = json::parse(payloads.at(1));
  EXPECT_EQ(chunk.at("model"), "m\"x");
  EXPECT_EQ(chunk.at("choices").at(0).at("delta").at("content"), "line\n\"quoted\"\\ é 🙂\x01");
}

// What the OpenAI Node SDK's ChatCompletionStream checks while it
// accumulates chunks and when it builds the final completion.
struct SdkView {
  std::string content, reasoning, finish_reason, role;
  std::map<std::int64_t, json::object> calls;
  std::optional<json::value> usage;
};

void accumulate(const json::object& chunk, SdkView& view, bool first) {
  const auto& choices = chunk.at("choices").as_array();
  if (choices.empty()) {  // the usage chunk
    view.usage = chunk.at("usage");
    return;
  }
  const auto& choice = choices.at(0).as_object();
  const auto& delta = choice.at("delta").as_object();
  if (first) {
    EXPECT_EQ(delta.at("role"), "assistant") << "the first chunk carries the role";
  }
  if (const auto* role = delta.if_contains("role")) view.role = role->as_string();
  if (const auto* text = delta.if_contains("content"); text != nullptr && text->is_string())
    view.content += text->as_string();
  if (const auto* text = delta.if_contains("reasoning_content")) view.reasoning += text->as_string();
  if (const auto* calls = delta.if_contains("tool_calls")) {
    for (const auto& entry : calls->as_array()) {
      auto index = entry.at("index").as_int64();
      auto [it, opened] = view.calls.try_emplace(index, entry.as_object());
      auto& function = it->second["function"].as_object();
      if (opened) continue;
      EXPECT_FALSE(entry.as_object().contains("id")) << "id only on a call's first fragment";
      function["arguments"] = std::string(function["arguments"].as_string()) +
                              std::string(entry.at("function").at("arguments").as_string());
    }
  }
  if (const auto& reason = choice.at("finish_reason"); reason.is_string()) view.finish_reason = reason.as_string();
}

TEST(OpenAiChatStream, DecodedRequestToEncodedStreamSatisfiesTheNodeSdk) {
  auto request = openai_chat_ingress().decode_request(
      R"({"model":"claude-sonnet","stream":true,"stream_options":{"include_usage":true},
          "messages":[{"role":"user","content":"Weather in Paris and Rome?"}],
          "tools":[{"type":"function","function":{"name":"get_weather"}}]})");
  ASSERT_TRUE(request) << request.error().message;
  EgressContext context{request->model, request->include_usage};
  Events events{StreamStart{"msg_7", "claude-sonnet-4-5-20250929", 1735689600},
                ReasoningDelta{"Two cities.", ""},
                TextDelta{"Checking "},
                TextDelta{"both."},
                call(0, "toolu_1", "get_weather", ""),
                call(0, "", "", R"({"city":)"),
                call(1, "toolu_2", "get_weather", R"({"city":"Rome"})"),
                call(0, "", "", R"("Paris"})"),
                UsageEvent{Usage{40, 30, 70, 0, 0, 5, std::nullopt}},
                FinishEvent{FinishReason::tool_calls}};
  auto payloads = sse_payloads(encode(context, events));
  ASSERT_GE(payloads.size(), 3u);
  EXPECT_EQ(payloads.back(), "[DONE]");
  SdkView view;
  for (std::size_t i = 0; i + 1 < payloads.size(); ++i) {
    auto chunk = json::parse(payloads[i]).as_object();
    EXPECT_EQ(chunk.at("object"), "chat.completion.chunk");
    EXPECT_EQ(chunk.at("id"), "msg_7");
    EXPECT_EQ(chunk.at("created"), 1735689600);
    EXPECT_EQ(chunk.at("model"), "claude-sonnet");  // the client's name, not the upstream's
    EXPECT_TRUE(chunk.contains("usage"));
    if (i + 2 < payloads.size()) {
      EXPECT_TRUE(chunk.at("usage").is_null()) << payloads[i];
    }
    accumulate(chunk, view, i == 0);
  }
  EXPECT_EQ(view.role, "assistant");
  EXPECT_EQ(view.content, "Checking both.");
  EXPECT_EQ(view.reasoning, "Two cities.");
  EXPECT_EQ(view.finish_reason, "tool_calls");
  ASSERT_EQ(view.calls.size(), 2u);
  for (auto& [index, c] : view.calls) {  // the SDK's finalizeChatCompletion throws without these
    EXPECT_EQ(c.at("type"), "function");
    EXPECT_TRUE(c.at("function").at("name").is_string());
    EXPECT_NO_THROW((void)json::parse(c.at("function").at("arguments").as_string())) << index;
  }
  EXPECT_EQ(view.calls[0].at("function").at("arguments"), R"({"city":"Paris"})");
  ASSERT_TRUE(view.usage);
  EXPECT_EQ(view.usage->at("total_tokens"), 70);
  EXPECT_EQ(view.usage->at("completion_tokens_details").at("reasoning_tokens"), 5);
}

}  // namespace
}  // namespace aisbf::api
