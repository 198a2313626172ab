// Anthropic ingress stream encoder: exact bytes against recorded samples in
// tests/fixtures/anthropic_ingress/, and every output replayed through a
// checker that applies the rules of the official SDK's stream accumulator
// (@anthropic-ai/sdk MessageStream: message_start first and once; blocks
// pushed in index order; deltas and stops refer to the last started block;
// message_delta with usage.output_tokens; message_stop last).
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <fstream>
#include <sstream>

#include "api/anthropic/messages_ingress.hpp"

#ifndef AISBF_SOURCE_DIR
#define AISBF_SOURCE_DIR "."
#endif

namespace aisbf::api {
namespace {

namespace json = boost::json;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(AISBF_SOURCE_DIR) + "/tests/fixtures/anthropic_ingress/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "missing fixture " << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The encoder's output, split into (event name, parsed data). Our encoder
// writes exactly `event: x\ndata: y\n\n`; anything else fails the test.
std::vector<std::pair<std::string, json::object>> events_of(const std::string& sse) {
  std::vector<std::pair<std::string, json::object>> out;
  std::size_t pos = 0;
  while (pos < sse.size()) {
    std::size_t end = sse.find("\n\n", pos);
    EXPECT_NE(end, std::string::npos) << "unterminated event";
    if (end == std::string::npos) break;
    std::string event = sse.substr(pos, end - pos);
    pos = end + 2;
    std::size_t nl = event.find('\n');
    EXPECT_EQ(event.rfind("event: ", 0), 0u) << event;
    EXPECT_EQ(event.find("data: ", nl), nl + 1) << event;
    out.emplace_back(event.substr(7, nl - 7), json::parse(event.substr(nl + 7)).as_object());
  }
  return out;
}

// What the SDK would build from the stream, or the rule the stream broke.
struct Accumulated {
  json::object message;
  std::optional<json::object> error;  // the `error` event's error object
  std::vector<std::string> violations;
};

class SdkAccumulator {
 public:
  Accumulated run(const std::string& sse) {
    for (const auto& [name, data] : events_of(sse)) step(name, data);
    if (!result_.error && !stopped_) fail("stream ended without message_stop");
    return std::move(result_);
  }

 private:
  void fail(std::string why) { result_.violations.push_back(std::move(why)); }

  void step(const std::string& name, const json::object& data) {
    if (stopped_ || result_.error) return fail("event after the end: " + name);
    if (data.at("type").as_string() != name) fail("event name differs from type: " + name);
    if (name == "error") {
      result_.error = data.at("error").as_object();
    } else if (name == "message_start") {
      if (started_) return fail("second message_start");
      started_ = true;
      result_.message = data.at("message").as_object();
      if (!result_.message.at("content").as_array().empty()) fail("message_start with content");
      if (!result_.message.at("usage").as_object().at("input_tokens").is_int64()) fail("no input_tokens");
    } else if (!started_) {
      fail(name + " before message_start");
    } else {
      block_event(name, data);
    }
  }

  json::array& content() { return result_.message.at("content").as_array(); }

  void block_event(const std::string& name, const json::object& data) {
    if (name == "content_block_start") {
      if (open_) fail("content_block_start while a block is open");
      if (data.at("index").as_int64() != static_cast<std::int64_t>(content().size())) fail("start index out of order");
      content().push_back(data.at("content_block"));
      open_ = true;
      json_buf_.clear();
    } else if (name == "content_block_delta") {
      if (!open_ || data.at("index").as_int64() + 1 != static_cast<std::int64_t>(content().size()))
        return fail("delta not for the open last block");
      apply_delta(content().back().as_object(), data.at("delta").as_object());
    } else if (name == "content_block_stop") {
      if (!open_ || data.at("index").as_int64() + 1 != static_cast<std::int64_t>(content().size()))
        return fail("stop not for the open last block");
      open_ = false;
      json::object& block = content().back().as_object();
      if (block.at("type") != "tool_use") return;
      boost::system::error_code ec;
      json::value input = json_buf_.empty() ? json::value(json::object()) : json::parse(json_buf_, ec);
      if (ec || !input.is_object()) return fail("tool input is not a JSON object: " + json_buf_);
      block["input"] = std::move(input);
    } else if (name == "message_delta") {
      if (open_) fail("message_delta with an open block");
      if (!data.at("usage").as_object().at("output_tokens").is_int64()) fail("message_delta without output_tokens");
      result_.message["stop_reason"] = data.at("delta").at("stop_reason");
      result_.message["stop_sequence"] = data.at("delta").at("stop_sequence");
      for (const auto& [k, v] : data.at("usage").as_object()) result_.message["usage"].as_object()[k] = v;
      saw_delta_ = true;
    } else if (name == "message_stop") {
      if (!saw_delta_) fail("message_stop without message_delta");
      stopped_ = true;
    } else {
      fail("unknown event " + name);
    }
  }

  void apply_delta(json::object& block, const json::object& delta) {
    const auto& type = delta.at("type").as_string();
    const auto& kind = block.at("type").as_string();
    if (type == "text_delta" && kind == "text") {
      block["text"] = std::string(block.at("text").as_string()) + std::string(delta.at("text").as_string());
    } else if (type == "thinking_delta" && kind == "thinking") {
      block["thinking"] = std::string(block.at("thinking").as_string()) + std::string(delta.at("thinking").as_string());
    } else if (type == "signature_delta" && kind == "thinking") {
      block["signature"] = delta.at("signature");
    } else if (type == "input_json_delta" && kind == "tool_use") {
      json_buf_ += delta.at("partial_json").as_string();
    } else {
      fail("delta type does not match its block");
    }
  }

  Accumulated result_;
  bool started_ = false, open_ = false, saw_delta_ = false, stopped_ = false;
  std::string json_buf_;
};

struct Encoded {
  std::string sse;
  Accumulated result;
};

Encoded encode(const std::vector<StreamEvent>& events, std::optional<GatewayError> error = std::nullopt,
               std::string model = "claude-sonnet-4-5") {
  auto encoder = anthropic_messages_ingress().make_stream_encoder(EgressContext{std::move(model), false});
  Encoded run;
  for (const auto& e : events) run.sse += encoder->on_event(e);
  run.sse += encoder->on_end(error);
  run.result = SdkAccumulator{}.run(run.sse);
  EXPECT_TRUE(run.result.violations.empty()) << run.result.violations.front() << "\n" << run.sse;
  return run;
}

Usage usage(std::int64_t prompt, std::int64_t completion, std::int64_t cached = 0, std::int64_t cache_write = 0) {
  Usage u;
  u.prompt_tokens = prompt;
  u.completion_tokens = completion;
  u.total_tokens = prompt + completion;
  u.cached_tokens = cached;
  u.cache_write_tokens = cache_write;
  return u;
}

TEST(AnthropicIngressStream, TextAnswerMatchesSample) {
  Encoded run = encode({StreamStart{"msg_01Text", "gpt-4o-mini", 1}, TextDelta{"Hel"}, TextDelta{""},
                        TextDelta{"lo \"wörld\"\n"}, FinishEvent{FinishReason::stop}, UsageEvent{usage(12, 3)}});
  EXPECT_EQ(run.sse, fixture("stream_text.sse"));
  EXPECT_EQ(run.result.message.at("content"), json::parse(R"([{"type":"text","text":"Hello \"wörld\"\n"}])"));
}

std::vector<StreamEvent> thinking_text_tools(std::string first_id, std::string second_id) {
  return {StreamStart{"msg_01Tools", "", 0},
          UsageEvent{usage(412, 0, 100, 12)},
          ReasoningDelta{"Two cities:", ""},
          ReasoningDelta{" call both.", ""},
          ReasoningDelta{"", "EqQBCgIYAhIM=="},
          TextDelta{"I'll check both."},
          ToolCallDelta{0, std::move(first_id), "get_weather", ""},
          ToolCallDelta{0, "", "", "{\"city\": \"Par"},
          ToolCallDelta{0, "", "", "is\"}"},
          ToolCallDelta{1, std::move(second_id), "get_weather", "{\"city\":"},
          ToolCallDelta{1, "", "", "\"Oslo\"}"},
          FinishEvent{FinishReason::tool_calls},
          UsageEvent{usage(412, 56, 100, 12)}};
}

TEST(AnthropicIngressStream, ThinkingTextAndTwoToolCallsMatchSample) {
  Encoded run = encode(thinking_text_tools("toolu_01A", "call_B"));
  EXPECT_EQ(run.sse, fixture("stream_thinking_text_tools.sse"));
  const json::array& content = run.result.message.at("content").as_array();
  ASSERT_EQ(content.size(), 4u);
  EXPECT_EQ(content[0],
            json::parse(R"({"type":"thinking","thinking":"Two cities: call both.","signature":"EqQBCgIYAhIM=="})"));
  EXPECT_EQ(content[1], json::parse(R"({"type":"text","text":"I'll check both."})"));
  EXPECT_EQ(content[2].at("input"), json::parse(R"({"city":"Paris"})"));  // joined partial_json parses
  EXPECT_EQ(content[3].at("input"), json::parse(R"({"city":"Oslo"})"));
  EXPECT_EQ(run.result.message.at("stop_reason"), "tool_use");
  EXPECT_EQ(run.result.message.at("usage"), json::parse(R"({"input_tokens":300,"cache_creation_input_tokens":12,
    "cache_read_input_tokens":100,"output_tokens":56})"));
}

TEST(AnthropicIngressStream, MissingToolIdsAreGenerated) {
  Encoded run = encode(thinking_text_tools("", ""));
  const json::array& content = run.result.message.at("content").as_array();
  ASSERT_EQ(content.size(), 4u);
  std::string a(content[2].at("id").as_string()), b(content[3].at("id").as_string());
  EXPECT_EQ(a.rfind("toolu_", 0), 0u);
  EXPECT_EQ(a.size(), 30u);
  EXPECT_NE(a, b);
}

TEST(AnthropicIngressStream, UsageAfterContentGoesToMessageDelta) {
  // OpenAI upstream: the usage chunk comes after finish; message_start has placeholders.
  Encoded run = encode({TextDelta{"ok"}, FinishEvent{FinishReason::stop}, UsageEvent{usage(1000, 7, 600)}});
  auto events = events_of(run.sse);
  EXPECT_EQ(events.front().second.at("message").at("usage"),
            json::parse(
                R"({"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1})"));
  EXPECT_EQ(
      events[events.size() - 2].second.at("usage"),
      json::parse(
          R"({"input_tokens":400,"cache_creation_input_tokens":0,"cache_read_input_tokens":600,"output_tokens":7})"));
}

TEST(AnthropicIngressStream, EffectiveContextGoesToMessageDeltaWhenCounted) {
  Usage u = usage(1000, 7);
  u.effective_context = 950;
  auto events = events_of(encode({TextDelta{"ok"}, FinishEvent{FinishReason::stop}, UsageEvent{u}}).sse);
  EXPECT_FALSE(events.front().second.at("message").at("usage").as_object().contains("effective_context"));
  EXPECT_EQ(events[events.size() - 2].second.at("usage").at("effective_context"), 950);
  // Not counted: not written.
  events = events_of(encode({TextDelta{"ok"}, FinishEvent{FinishReason::stop}, UsageEvent{usage(1000, 7)}}).sse);
  EXPECT_FALSE(events[events.size() - 2].second.at("usage").as_object().contains("effective_context"));
}

TEST(AnthropicIngressStream, LazyStartWithoutStreamStart) {
  Encoded run = encode({TextDelta{"hi"}}, std::nullopt, "my-alias");
  const json::object& message = run.result.message;
  std::string id(message.at("id").as_string());
  EXPECT_EQ(id.rfind("msg_", 0), 0u);
  EXPECT_EQ(id.size(), 28u);
  EXPECT_EQ(message.at("model"), "my-alias");
  EXPECT_EQ(message.at("stop_reason"), "end_turn");  // no FinishEvent at all
  EXPECT_EQ(message.at("usage").at("output_tokens"), 0);
}

TEST(AnthropicIngressStream, StreamStartIdIsNotReusedUnlessAnthropic) {
  Encoded run = encode({StreamStart{"chatcmpl-9", "gpt", 0}, TextDelta{"x"}});
  std::string id(run.result.message.at("id").as_string());
  EXPECT_EQ(id.rfind("msg_", 0), 0u);
  EXPECT_NE(id, "msg_chatcmpl-9");
}

TEST(AnthropicIngressStream, EmptyStreamIsAValidEmptyMessage) {
  Encoded run = encode({});
  EXPECT_TRUE(run.result.message.at("content").as_array().empty());
  EXPECT_EQ(run.result.message.at("stop_reason"), "end_turn");
}

TEST(AnthropicIngressStream, FinishReasonsMap) {
  EXPECT_EQ(encode({TextDelta{"x"}, FinishEvent{FinishReason::length}}).result.message.at("stop_reason"), "max_tokens");
  EXPECT_EQ(encode({FinishEvent{FinishReason::content_filter}}).result.message.at("stop_reason"), "refusal");
  // Some OpenAI-compatible servers say "stop" after tool calls.
  EXPECT_EQ(
      encode({ToolCallDelta{0, "c", "f", "{}"}, FinishEvent{FinishReason::stop}}).result.message.at("stop_reason"),
      "tool_use");
}

TEST(AnthropicIngressStream, ErrorEndsWithAnErrorEventAndNoMessageStop) {
  auto overloaded = make_error(ErrorKind::unavailable, "Overloaded");
  Encoded run = encode({TextDelta{"partial"}}, overloaded);
  ASSERT_TRUE(run.result.error);
  EXPECT_EQ(*run.result.error, json::parse(R"({"type":"overloaded_error","message":"Overloaded"})"));
  EXPECT_EQ(run.sse.substr(run.sse.rfind("event: ")),
            "event: error\ndata: "
            "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n");
  EXPECT_EQ(run.sse.find("message_stop"), std::string::npos);

  Encoded early = encode({}, make_error(ErrorKind::upstream_timeout, "upstream timed out"));
  EXPECT_EQ(early.sse,
            "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"timeout_error\","
            "\"message\":\"upstream timed out\"}}\n\n");
}

TEST(AnthropicIngressStream, ThinkingAfterASignatureOpensANewBlock) {
  Encoded run = encode({ReasoningDelta{"a", ""}, ReasoningDelta{"", "s1"}, ReasoningDelta{"b", "s2"}, TextDelta{"t"},
                        ReasoningDelta{"c", ""}});
  EXPECT_EQ(run.result.message.at("content"), json::parse(R"([{"type":"thinking","thinking":"a","signature":"s1"},
    {"type":"thinking","thinking":"b","signature":"s2"},{"type":"text","text":"t"},{"type":"thinking","thinking":"c","signature":""}])"));
}

TEST(AnthropicIngressStream, ToolWithoutArgumentsAndTextAfterTools) {
  Encoded run = encode({ToolCallDelta{0, "t1", "now", ""}, TextDelta{"done"}, FinishEvent{FinishReason::tool_calls}});
  EXPECT_EQ(run.result.message.at("content"),
            json::parse(R"([{"type":"tool_use","id":"t1","name":"now","input":{}},{"type":"text","text":"done"}])"));
}

TEST(AnthropicIngressStream, InterleavedCallsAreSerialised) {
  // A second call starts while the first one's arguments are incomplete.
  Encoded run =
      encode({ToolCallDelta{0, "a", "f", "{\"x\":"}, ToolCallDelta{1, "b", "g", "{\"y\""},
              ToolCallDelta{1, "", "", ":2}"}, ToolCallDelta{0, "", "", "1}"}, FinishEvent{FinishReason::tool_calls}});
  EXPECT_EQ(run.result.message.at("content"), json::parse(R"([{"type":"tool_use","id":"a","name":"f","input":{"x":1}},
    {"type":"tool_use","id":"b","name":"g","input":{"y":2}}])"));
  // Headers first, arguments later (each call's header before any argument).
  Encoded headers = encode({ToolCallDelta{0, "a", "f", ""}, ToolCallDelta{1, "b", "g", ""},
                            ToolCallDelta{0, "", "", "{\"s\":\"}{\"}"}, ToolCallDelta{1, "", "", "{\"y\":"},
                            ToolCallDelta{1, "", "", "[2]}"}});
  EXPECT_EQ(headers.result.message.at("content"),
            json::parse(R"([{"type":"tool_use","id":"a","name":"f","input":{"s":"}{"}},
    {"type":"tool_use","id":"b","name":"g","input":{"y":[2]}}])"));
  EXPECT_EQ(headers.result.message.at("stop_reason"), "tool_use");
}

TEST(AnthropicIngressStream, FragmentAfterItsCallEndedIsDropped) {
  Encoded run = encode({ToolCallDelta{0, "a", "f", "{}"}, ToolCallDelta{1, "b", "g", "{}"},
                        ToolCallDelta{0, "", "", " "}, FinishEvent{FinishReason::tool_calls}});
  EXPECT_EQ(run.result.message.at("content").as_array().size(), 2u);
  EXPECT_EQ(run.sse.find("\"partial_json\":\" \""), std::string::npos);
}

TEST(AnthropicIngressStream, NothingAfterTheEnd) {
  auto encoder = anthropic_messages_ingress().make_stream_encoder(EgressContext{"m", false});
  EXPECT_FALSE(encoder->on_end(std::nullopt).empty());
  EXPECT_EQ(encoder->on_event(TextDelta{"late"}), "");
  EXPECT_EQ(encoder->on_end(std::nullopt), "");
  EXPECT_EQ(encoder->on_end(make_error(ErrorKind::internal, "x")), "");
}

}  // namespace
}  // namespace aisbf::api
