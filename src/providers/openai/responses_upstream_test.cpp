// The Responses upstream codec (responses_upstream.hpp): canonical requests
// encoded as Responses bodies, Responses answers and streams decoded, against
// the samples in tests/fixtures/openai_responses/ (shaped as OpenAI's API
// reference and the openai SDK's types have them). Streams are framed by the
// real SSE parser and fed whole, byte by byte and at every two-piece split.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <sstream>

#include "core/response_fold.hpp"
#include "http/sse_parser.hpp"
#include "providers/openai/responses_upstream.hpp"
#include "providers/registry.hpp"

#ifndef AISBF_SOURCE_DIR
#define AISBF_SOURCE_DIR "."
#endif

namespace aisbf::openai {
namespace {

namespace json = boost::json;
using Events = std::vector<StreamEvent>;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(AISBF_SOURCE_DIR) + "/tests/fixtures/openai_responses/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "missing fixture " << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const ProviderAdapter& adapter() { return responses_adapter(); }

UpstreamTarget target(std::string type = "openai", std::string endpoint = "https://api.openai.com/v1") {
  return {"resp", std::move(type), std::move(endpoint), "sk-test", "o4-mini"};
}

// ---- request ----

ChatRequest rich_request() {
  ChatRequest r;
  r.model = "alias";
  r.messages.push_back(Message{Role::system, {TextBlock{"Be brief."}}, {}});
  r.messages.push_back(Message{Role::developer, {TextBlock{"Use tools."}}, {}});
  r.messages.push_back(
      Message{Role::user, {TextBlock{"Weather?"}, ImageBlock{"", "image/png", "AAAA", "low"}}, {}});
  r.messages.push_back(Message{Role::assistant,
                               {ThinkingBlock{"Need the weather.", {}, "gAAAAenc"},
                                ThinkingBlock{"anthropic thought", "sig-anthropic"},
                                TextBlock{"Checking."},
                                ToolCallBlock{"call_1", "get_weather", R"({"city":"Paris"})"}},
                               {}});
  r.messages.push_back(Message{Role::tool, {ToolResultBlock{"call_1", "18C"}}, {}});
  r.tools.push_back(ToolDefinition{"get_weather", "Weather for a city", json::parse(R"({"type":"object"})")});
  r.tool_choice = ToolChoice{ToolChoiceMode::specific, "get_weather"};
  r.max_tokens = 100;
  r.temperature = 0.5;
  r.top_p = 0.9;
  r.stop = {"END"};
  r.stream = true;
  r.extensions["reasoning_effort"] = "low";
  r.extensions["response_format"] = json::parse(
      R"({"type":"json_schema","json_schema":{"name":"w","schema":{"type":"object"},"strict":true}})");
  r.extensions["parallel_tool_calls"] = false;
  r.extensions["thinking"] = json::parse(R"({"type":"enabled"})");  // Anthropic's: no equivalent
  return r;
}

TEST(ResponsesUpstreamRequest, EncodesTheConversationAsStatelessItems) {
  auto encoded = adapter().encode_chat(rich_request(), target());
  ASSERT_TRUE(encoded) << encoded.error().message;
  EXPECT_EQ(encoded->path_suffix, "/responses");
  const json::value expected = json::parse(R"({
    "model": "o4-mini",
    "instructions": "Be brief.\n\nUse tools.",
    "input": [
      {"type":"message","role":"user","content":[{"type":"input_text","text":"Weather?"},
        {"type":"input_image","image_url":"data:image/png;base64,AAAA","detail":"low"}]},
      {"type":"reasoning","summary":[{"type":"summary_text","text":"Need the weather."}],"encrypted_content":"gAAAAenc"},
      {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Checking."}]},
      {"type":"function_call","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"},
      {"type":"function_call_output","call_id":"call_1","output":"18C"}
    ],
    "tools": [{"type":"function","name":"get_weather","description":"Weather for a city",
               "parameters":{"type":"object"},"strict":false}],
    "tool_choice": {"type":"function","name":"get_weather"},
    "max_output_tokens": 100, "temperature": 0.5, "top_p": 0.9,
    "reasoning": {"effort":"low","summary":"auto"},
    "text": {"format":{"type":"json_schema","name":"w","schema":{"type":"object"},"strict":true}},
    "parallel_tool_calls": false,
    "stream": true, "store": false, "include": ["reasoning.encrypted_content"]
  })");
  EXPECT_EQ(json::parse(encoded->body), expected) << encoded->body;
  bool bearer = false;
  for (const auto& [name, value] : encoded->headers) bearer = bearer || (name == "Authorization" && value == "Bearer sk-test");
  EXPECT_TRUE(bearer);
}

TEST(ResponsesUpstreamRequest, AnthropicSignaturesAndUnsignedThinkingNeverGoUpstream) {
  ChatRequest r;
  r.messages.push_back(Message{Role::user, {TextBlock{"hi"}}, {}});
  r.messages.push_back(Message{Role::assistant, {ThinkingBlock{"t", "sig"}, ThinkingBlock{"plain", {}}, TextBlock{"a"}}, {}});
  const std::string body = encode_responses_body(r, target());
  EXPECT_EQ(body.find("reasoning\""), std::string::npos) << body;
  EXPECT_EQ(body.find("sig"), std::string::npos) << body;
  EXPECT_EQ(json::parse(body).at("store"), false);
}

// OpenAI answers include reasoning.encrypted_content for a non-reasoning
// model (gpt-4o, gpt-4.1) with a 400: it is asked for only when the request
// is about reasoning.
TEST(ResponsesUpstreamRequest, EncryptedReasoningIsAskedForOnlyWhenTheRequestReasons) {
  ChatRequest plain;
  plain.messages.push_back(Message{Role::user, {TextBlock{"hi"}}, {}});
  EXPECT_FALSE(json::parse(encode_responses_body(plain, target())).as_object().contains("include"));

  ChatRequest effort = plain;
  effort.extensions["reasoning_effort"] = "low";
  EXPECT_EQ(json::parse(encode_responses_body(effort, target())).at("include"), json::parse(R"(["reasoning.encrypted_content"])"));

  ChatRequest carried = plain;
  carried.messages.push_back(Message{Role::assistant, {ThinkingBlock{"", {}, "gAAAAenc"}, TextBlock{"a"}}, {}});
  carried.messages.push_back(Message{Role::user, {TextBlock{"again"}}, {}});
  EXPECT_TRUE(json::parse(encode_responses_body(carried, target())).as_object().contains("include"));

  ChatRequest signature = plain;  // another provider's signature is no reason to ask
  signature.messages.push_back(Message{Role::assistant, {ThinkingBlock{"t", "sig"}, TextBlock{"a"}}, {}});
  EXPECT_FALSE(json::parse(encode_responses_body(signature, target())).as_object().contains("include"));

  // The ChatGPT backend serves reasoning models only.
  EXPECT_TRUE(json::parse(encode_responses_body(plain, target("codex"))).as_object().contains("include"));
}

TEST(ResponsesUpstreamRequest, CodexOnTheChatGptBackendPostsToCodexResponses) {
  EXPECT_EQ(adapter().chat_path(target("codex", "https://chatgpt.com/backend-api"), true), "/codex/responses");
  EXPECT_EQ(adapter().chat_path(target("codex", "https://chatgpt.com/backend-api/"), false), "/codex/responses");
  EXPECT_EQ(adapter().chat_path(target("codex", "https://chatgpt.com/backend-api/codex"), false), "/responses");
  EXPECT_EQ(adapter().chat_path(target("openai", "http://127.0.0.1:9/backend-api"), false), "/responses");
}

TEST(ResponsesUpstreamRequest, RegistryPicksTheAdapterByTypeAndApi) {
  EXPECT_EQ(find_provider_adapter("openai", "responses"), &responses_adapter());
  EXPECT_EQ(find_provider_adapter("codex"), &responses_adapter());
  EXPECT_EQ(find_provider_adapter("codex", "chat"), &responses_adapter());
  EXPECT_NE(find_provider_adapter("openai"), &responses_adapter());
  EXPECT_NE(find_provider_adapter("openai", "chat"), nullptr);
  EXPECT_NE(find_provider_adapter("anthropic", "responses"), &responses_adapter());
}

// ---- whole answer ----

TEST(ResponsesUpstreamResponse, DecodesReasoningTextAndCalls) {
  auto r = adapter().decode_chat(fixture("response_reasoning_tool.json"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->id, "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b");
  EXPECT_EQ(r->model, "o4-mini-2025-04-16");
  EXPECT_EQ(r->created, 1741476542);
  ASSERT_EQ(r->message.content.size(), 3u);
  const auto& thinking = std::get<ThinkingBlock>(r->message.content[0]);
  EXPECT_EQ(thinking.text, "Need the weather.\n\nCall it.");
  EXPECT_EQ(thinking.encrypted_content, "gAAAAABenc==");
  EXPECT_TRUE(thinking.signature.empty());
  EXPECT_EQ(std::get<TextBlock>(r->message.content[1]).text, "Checking.");
  const auto& call = std::get<ToolCallBlock>(r->message.content[2]);
  EXPECT_EQ(call.id, "call_12345xyz");
  EXPECT_EQ(call.name, "get_weather");
  EXPECT_EQ(call.arguments_json, R"({"location":"Paris, France"})");
  EXPECT_EQ(r->finish_reason, FinishReason::tool_calls);
  ASSERT_TRUE(r->usage);
  EXPECT_EQ(r->usage->prompt_tokens, 36);
  EXPECT_EQ(r->usage->completion_tokens, 87);
  EXPECT_EQ(r->usage->total_tokens, 123);
  EXPECT_EQ(r->usage->cached_tokens, 10);
  EXPECT_EQ(r->usage->reasoning_tokens, 64);
}

TEST(ResponsesUpstreamResponse, IncompleteFailedAndMalformedAnswers) {
  auto incomplete = adapter().decode_chat(
      R"({"id":"r","status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},"output":[]})");
  ASSERT_TRUE(incomplete);
  EXPECT_EQ(incomplete->finish_reason, FinishReason::length);
  auto filtered = adapter().decode_chat(
      R"({"id":"r","status":"incomplete","incomplete_details":{"reason":"content_filter"},"output":[]})");
  ASSERT_TRUE(filtered);
  EXPECT_EQ(filtered->finish_reason, FinishReason::content_filter);
  auto failed = adapter().decode_chat(
      R"({"id":"r","status":"failed","error":{"code":"server_error","message":"boom"},"output":[]})");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().message, "boom");
  EXPECT_EQ(failed.error().code, "server_error");
  auto refusal = adapter().decode_chat(
      R"({"status":"completed","output":[{"type":"message","content":[{"type":"refusal","refusal":"No."}]}]})");
  ASSERT_TRUE(refusal);
  EXPECT_EQ(std::get<TextBlock>(refusal->message.content.at(0)).text, "No.");
  EXPECT_EQ(refusal->finish_reason, FinishReason::stop);
  EXPECT_FALSE(adapter().decode_chat(R"({"status":"completed"})"));
  EXPECT_FALSE(adapter().decode_chat("not json"));
  EXPECT_FALSE(adapter().decode_chat("[]"));
}

// ---- stream ----

struct StreamRun {
  Events events;
  std::optional<GatewayError> error;
};

std::string describe(const StreamEvent& event) {
  struct Visitor {
    std::string operator()(const StreamStart& e) const {
      return "start " + e.id + " " + e.model + " " + std::to_string(e.created);
    }
    std::string operator()(const TextDelta& e) const { return "text " + e.text; }
    std::string operator()(const ReasoningDelta& e) const {
      return std::string(e.summary ? "summary " : "reasoning ") + e.text + "|" + e.signature + "|" + e.encrypted_content;
    }
    std::string operator()(const ToolCallDelta& e) const {
      return "call " + std::to_string(e.index) + " " + e.id + " " + e.name + " " + e.arguments;
    }
    std::string operator()(const FinishEvent& e) const { return "finish " + std::to_string(static_cast<int>(e.reason)); }
    std::string operator()(const UsageEvent& e) const {
      const Usage& u = e.usage;
      return "usage " + std::to_string(u.prompt_tokens) + "/" + std::to_string(u.completion_tokens) + "/" +
             std::to_string(u.total_tokens) + "/" + std::to_string(u.cached_tokens) + "/" +
             std::to_string(u.reasoning_tokens);
    }
  };
  return std::visit(Visitor{}, event);
}

std::vector<std::string> describe(const StreamRun& run) {
  std::vector<std::string> out;
  for (const auto& e : run.events) out.push_back(describe(e));
  if (run.error) out.push_back("error " + run.error->code + " " + run.error->message);
  return out;
}

StreamRun run_bytes(std::string_view bytes, const std::vector<std::size_t>& cuts) {
  StreamRun run;
  auto decoder = adapter().make_stream_decoder();
  sse::Parser parser(1 << 20);
  std::size_t prev = 0;
  auto pump = [&](std::string_view piece) {
    parser.feed(piece);
    sse::Event ev;
    while (!run.error && parser.next(ev) == sse::Status::event) {
      if (!ev.has_data) continue;
      auto r = decoder->on_event(ev.event, ev.data);
      if (!r)
        run.error = r.error();
      else
        run.events.insert(run.events.end(), r->begin(), r->end());
    }
  };
  for (std::size_t cut : cuts) pump(bytes.substr(prev, cut - prev)), prev = cut;
  pump(bytes.substr(prev));
  if (!run.error) {
    auto end = decoder->on_end();
    if (!end) run.error = end.error();
  }
  return run;
}

StreamRun run_fixture(const std::string& name) { return run_bytes(fixture(name), {}); }

TEST(ResponsesUpstreamStream, ReasoningSummaryThenAFunctionCall) {
  using V = std::vector<std::string>;
  EXPECT_EQ(describe(run_fixture("stream_reasoning_tool.sse")),
            (V{"start resp_abc o4-mini-2025-04-16 1741290958",
               "summary **Weather** I should call||",
               "summary  the tool — é.||",
               "summary \n\n||",
               "summary Paris it is.||",
               "summary ||gAAAAABencrypted==",
               "call 0 call_W1 get_weather ",
               "call 0   {\"city\":",
               "call 0   \"Paris\"}",
               "finish 3",
               "usage 75/130/205/64/112"}));
}

TEST(ResponsesUpstreamStream, FoldsIntoTheSameAnswerAsTheWholeBody) {
  ResponseFolder folder;
  for (const auto& e : run_fixture("stream_reasoning_tool.sse").events) folder.fold(e);
  const ChatResponse folded = folder.response();
  ASSERT_EQ(folded.message.content.size(), 2u);
  const auto& thinking = std::get<ThinkingBlock>(folded.message.content[0]);
  EXPECT_EQ(thinking.text, "**Weather** I should call the tool — é.\n\nParis it is.");
  EXPECT_EQ(thinking.encrypted_content, "gAAAAABencrypted==");
  EXPECT_EQ(std::get<ToolCallBlock>(folded.message.content[1]).arguments_json, R"({"city":"Paris"})");
}

TEST(ResponsesUpstreamStream, TextAndAnIncompleteEnd) {
  using V = std::vector<std::string>;
  EXPECT_EQ(describe(run_fixture("stream_text.sse")),
            (V{"start resp_txt gpt-4.1 1741290000", "text Hi", "text  there 👋", "finish 2", "usage 9/4/13/0/0"}));
}

TEST(ResponsesUpstreamStream, ErrorEventEndsTheStreamWithItsMessage) {
  auto run = run_fixture("stream_failed.sse");
  ASSERT_TRUE(run.error);
  EXPECT_EQ(run.error->code, "server_error");
  EXPECT_EQ(run.error->message, "The server had an error while processing your request.");
  ASSERT_EQ(run.events.size(), 2u);
  EXPECT_EQ(describe(run.events[1]), "text Hal");
}

TEST(ResponsesUpstreamStream, FailedResponseAndCutStreamAreErrors) {
  auto decoder = adapter().make_stream_decoder();
  auto failed = decoder->on_event(
      "response.failed", R"({"type":"response.failed","response":{"status":"failed","error":{"code":"c","message":"m"}}})");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().message, "m");
  auto cut = adapter().make_stream_decoder();
  ASSERT_TRUE(cut->on_event("response.created", R"({"type":"response.created","response":{"id":"r"}})"));
  auto end = cut->on_end();
  ASSERT_FALSE(end);
  EXPECT_EQ(end.error().kind, ErrorKind::upstream_protocol);
  auto garbage = adapter().make_stream_decoder()->on_event("", "{nope");
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().kind, ErrorKind::upstream_protocol);
}

// A call whose arguments came only on its done item, and a message never
// streamed as deltas, still reach the client.
TEST(ResponsesUpstreamStream, DoneItemsWithoutDeltas) {
  auto decoder = adapter().make_stream_decoder();
  Events events;
  auto feed = [&](std::string_view data) {
    auto r = decoder->on_event("", data);
    ASSERT_TRUE(r);
    events.insert(events.end(), r->begin(), r->end());
  };
  feed(R"({"type":"response.output_item.added","output_index":0,"item":{"type":"function_call","call_id":"c1","name":"f","arguments":""}})");
  feed(R"({"type":"response.output_item.done","output_index":0,"item":{"type":"function_call","call_id":"c1","name":"f","arguments":"{\"a\":1}"}})");
  feed(R"({"type":"response.output_item.done","output_index":1,"item":{"type":"function_call","call_id":"c2","name":"g","arguments":"{}"}})");
  feed(R"({"type":"response.output_item.done","output_index":2,"item":{"type":"message","content":[{"type":"output_text","text":"hi"}]}})");
  feed(R"({"type":"response.completed","response":{"status":"completed"}})");
  std::vector<std::string> seen;
  for (const auto& e : events) seen.push_back(describe(e));
  EXPECT_EQ(seen, (std::vector<std::string>{"call 0 c1 f ", "call 0   {\"a\":1}", "call 1 c2 g ", "call 1   {}",
                                            "text hi", "finish 3"}));
}

TEST(ResponsesUpstreamStream, EverySplitGivesTheSameEvents) {
  for (const char* name : {"stream_reasoning_tool.sse", "stream_text.sse", "stream_failed.sse"}) {
    const std::string bytes = fixture(name);
    const auto whole = describe(run_bytes(bytes, {}));
    ASSERT_GE(whole.size(), 3u) << name;
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < bytes.size(); ++i) every.push_back(i);
    EXPECT_EQ(describe(run_bytes(bytes, every)), whole) << name << " byte by byte";
    for (std::size_t i = 1; i < bytes.size(); ++i)
      ASSERT_EQ(describe(run_bytes(bytes, {i})), whole) << name << " split at " << i;
  }
}

}  // namespace
}  // namespace aisbf::openai
