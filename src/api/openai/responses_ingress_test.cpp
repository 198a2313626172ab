// OpenAI Responses ingress: request decoding (a Codex-CLI-like request and
// malformed ones) and the non-streamed answer.
#include "api/openai/responses_ingress.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "api/openai/ingress_test_util.hpp"

namespace aisbf::api {
namespace {

namespace json = boost::json;
using openai_ingress::test::fixture;

template <class T>
const T& block(const Message& message, std::size_t i) {
  return std::get<T>(message.content.at(i));
}

TEST(ResponsesIngress, DecodesRichRequest) {
  auto decoded = decode_responses_request(fixture("responses_request_rich.json"));
  ASSERT_TRUE(decoded) << decoded.error().message;
  const ChatRequest& r = decoded->request;
  EXPECT_EQ(r.model, "anthropic/claude-sonnet-4-5");
  const auto& m = r.messages;
  ASSERT_EQ(m.size(), 7u);
  EXPECT_EQ(m[0].role, Role::system);
  EXPECT_EQ(block<TextBlock>(m[0], 0).text, "You are a coding agent.");
  EXPECT_EQ(m[1].role, Role::developer);
  EXPECT_EQ(block<TextBlock>(m[1], 0).text, "Work in /tmp.");

  EXPECT_EQ(m[2].role, Role::user);
  ASSERT_EQ(m[2].content.size(), 3u);
  EXPECT_EQ(block<ImageBlock>(m[2], 1).media_type, "image/png");
  EXPECT_EQ(block<ImageBlock>(m[2], 1).data_base64, "iVBORw0KGgo=");
  EXPECT_EQ(block<ImageBlock>(m[2], 1).detail, "low");
  EXPECT_EQ(block<ImageBlock>(m[2], 2).url, "https://example.com/a.jpg");

  // The reasoning item (its encrypted_content), the assistant text and both calls are one turn.
  EXPECT_EQ(m[3].role, Role::assistant);
  ASSERT_EQ(m[3].content.size(), 4u);
  EXPECT_EQ(block<ThinkingBlock>(m[3], 0).encrypted_content, "gAAAA");
  EXPECT_EQ(block<ThinkingBlock>(m[3], 0).signature, "");
  EXPECT_EQ(block<TextBlock>(m[3], 1).text, "A cat. Listing:");
  EXPECT_EQ(block<ToolCallBlock>(m[3], 2).id, "call_1");
  EXPECT_EQ(block<ToolCallBlock>(m[3], 2).name, "exec_command");
  EXPECT_EQ(block<ToolCallBlock>(m[3], 3).arguments_json, R"({"cmd":"pwd"})");
  EXPECT_EQ(m[4].role, Role::tool);
  EXPECT_EQ(block<ToolResultBlock>(m[4], 0).tool_call_id, "call_1");
  EXPECT_EQ(block<ToolResultBlock>(m[4], 0).content, "a.txt\nb.txt");
  EXPECT_EQ(block<ToolResultBlock>(m[5], 0).content, "/tmp");
  EXPECT_EQ(m[6].role, Role::user);
  EXPECT_EQ(block<TextBlock>(m[6], 0).text, "Thanks");

  ASSERT_EQ(r.tools.size(), 1u);
  EXPECT_EQ(r.tools[0].name, "exec_command");
  EXPECT_EQ(r.tools[0].description, "Run a command");
  EXPECT_EQ(r.tools[0].parameters.at("required").at(0), "cmd");
  EXPECT_EQ(decoded->dropped_tools, (std::vector<std::string>{"web_search", "namespace"}));
  EXPECT_EQ(r.tool_choice.mode, ToolChoiceMode::auto_);

  EXPECT_EQ(r.max_tokens, 2048);
  EXPECT_EQ(r.temperature, 0.5);
  EXPECT_EQ(r.top_p, 0.9);
  EXPECT_TRUE(r.stream);
  EXPECT_TRUE(r.include_usage);
  EXPECT_EQ(r.extensions.at("reasoning_effort"), "high");
  EXPECT_EQ(r.extensions.at("parallel_tool_calls"), false);
  EXPECT_EQ(r.extensions.at("metadata").at("ticket"), "42");
  EXPECT_EQ(r.extensions.at("prompt_cache_key"), "session-1");
  const auto& format = r.extensions.at("response_format");
  EXPECT_EQ(format.at("type"), "json_schema");
  EXPECT_EQ(format.at("json_schema").at("name"), "answer");
  EXPECT_EQ(format.at("json_schema").at("strict"), true);
  EXPECT_TRUE(format.at("json_schema").at("schema").is_object());
  // Nothing of the Responses-only fields leaks to the providers.
  EXPECT_FALSE(r.extensions.contains("store"));
  EXPECT_FALSE(r.extensions.contains("include"));
  EXPECT_FALSE(r.extensions.contains("text"));
}

TEST(ResponsesIngress, StringInputIsOneUserMessage) {
  auto decoded = decode_responses_request(R"({"model":"m","input":"Hello"})");
  ASSERT_TRUE(decoded) << decoded.error().message;
  ASSERT_EQ(decoded->request.messages.size(), 1u);
  EXPECT_EQ(decoded->request.messages[0].role, Role::user);
  EXPECT_FALSE(decoded->request.stream);
  EXPECT_TRUE(decoded->dropped_tools.empty());
}

struct Bad {
  const char* body;
  const char* param;
  const char* code;
};

TEST(ResponsesIngress, MalformedRequestsAre400sNamingTheField) {
  const Bad cases[] = {
      {R"({"input":"x"})", "model", "missing_field"},
      {R"({"model":"m"})", "input", "missing_field"},
      {R"({"model":"m","input":5})", "input", "invalid_type"},
      {R"({"model":"m","input":[5]})", "input[0]", "invalid_type"},
      {R"({"model":"m","input":[{"type":"nonsense"}]})", "input[0].type", "invalid_value"},
      {R"({"model":"m","input":[{"role":"robot","content":"x"}]})", "input[0].role", "invalid_value"},
      {R"({"model":"m","input":[{"role":"user"}]})", "input[0].content", "missing_field"},
      {R"({"model":"m","input":[{"role":"user","content":[{"type":"input_audio"}]}]})", "input[0].content[0].type",
       "invalid_value"},
      {R"({"model":"m","input":[{"type":"function_call","name":"f","arguments":"{}"}]})", "input[0].call_id",
       "missing_field"},
      {R"({"model":"m","input":[{"type":"function_call_output","call_id":"c","output":"x"}]})", "input",
       "invalid_value"},
      {R"({"model":"m","input":[{"type":"item_reference","id":"msg_1"}]})", "input[0]", "unsupported_value"},
      {R"({"model":"m","input":"x","previous_response_id":"resp_1"})", "previous_response_id", "unsupported_value"},
      {R"({"model":"m","input":"x","prompt":{"id":"pmpt_1"}})", "prompt", "unsupported_value"},
      {R"({"model":"m","input":"x","conversation":"conv_1"})", "conversation", "unsupported_value"},
      {"{\"model\":\"m\",\"input\":\"x\",\"tools\":[{\"type\":\"x\\r\\nSet-Cookie: a=b\"}]}", "tools[0].type",
       "invalid_value"},
      {R"({"model":"m","input":"x","tools":[{"type":"a-very-long-tool-type-name-that-goes-on-and-on-past-sixty-four-characters"}]})",
       "tools[0].type", "invalid_value"},
      {R"({"model":"m","input":"x","tools":[{"type":"function"}]})", "tools[0].name", "missing_field"},
      {R"({"model":"m","input":"x","tools":[{"type":"web_search"}],"tool_choice":{"type":"web_search"}})",
       "tool_choice", "unsupported_value"},
      {R"({"model":"m","input":"x","tools":[{"type":"web_search"}],"tool_choice":"required"})", "tool_choice",
       "unsupported_value"},
      {R"({"model":"m","input":"x","text":{"format":{"type":"json_schema","name":"a"}}})", "text.format.schema",
       "missing_field"},
      {R"({"model":"m","input":"x","max_output_tokens":0})", "max_output_tokens", "invalid_value"},
      {R"({"model":"m","input":"x","reasoning":{"effort":3}})", "reasoning.effort", "invalid_type"},
  };
  for (const auto& c : cases) {
    auto decoded = decode_responses_request(c.body);
    ASSERT_FALSE(decoded) << c.body;
    EXPECT_EQ(decoded.error().status, 400) << c.body;
    EXPECT_EQ(decoded.error().param, c.param) << c.body << ": " << decoded.error().message;
    EXPECT_EQ(decoded.error().code, c.code) << c.body << ": " << decoded.error().message;
  }
  auto not_json = decode_responses_request("{");
  ASSERT_FALSE(not_json);
  EXPECT_EQ(not_json.error().status, 400);
}

TEST(ResponsesIngress, ErrorBodyIsOpenAisShape) {
  auto decoded = decode_responses_request(R"({"model":"m"})");
  ASSERT_FALSE(decoded);
  auto body = json::parse(openai_responses_ingress().encode_error(decoded.error()));
  EXPECT_EQ(body.at("error").at("type"), "invalid_request_error");
  EXPECT_EQ(body.at("error").at("param"), "input");
  EXPECT_EQ(body.at("error").at("code"), "missing_field");
}

// Reasoning goes back to the provider that issued it: an answer's reasoning
// items, sent back as input, decode to the same opaque state (OpenAI's
// encrypted_content, or an Anthropic signature behind aisbf's marker).
TEST(ResponsesIngress, ReasoningItemsRoundTripTheirOpaqueState) {
  ChatResponse response;
  response.message.role = Role::assistant;
  response.message.content = {ThinkingBlock{"summary of it", {}, "gAAAAenc"}, ThinkingBlock{"raw thought", "sig-a"},
                              TextBlock{"done"}};
  auto out = json::parse(openai_responses_ingress().encode_response(response, {"m", false}));
  const auto& output = out.at("output").as_array();
  ASSERT_EQ(output.size(), 3u);
  EXPECT_EQ(output[0].at("summary").at(0).at("text"), "summary of it");
  EXPECT_EQ(output[0].at("encrypted_content"), "gAAAAenc");
  EXPECT_EQ(output[1].at("content").at(0).at("text"), "raw thought");
  EXPECT_EQ(output[1].at("encrypted_content"), "aisbf-signature:sig-a");

  json::array input{json::object{{"role", "user"}, {"content", "q"}}, output[0], output[1], output[2]};
  json::object request{{"model", "m"}, {"input", input}};
  auto decoded = decode_responses_request(json::serialize(request));
  ASSERT_TRUE(decoded) << decoded.error().message;
  const auto& m = decoded->request.messages;
  ASSERT_EQ(m.size(), 2u);
  ASSERT_EQ(m[1].content.size(), 3u);
  const auto& openai = block<ThinkingBlock>(m[1], 0);
  EXPECT_EQ(openai.encrypted_content, "gAAAAenc");
  EXPECT_EQ(openai.signature, "");
  EXPECT_EQ(openai.text, "summary of it");
  const auto& anthropic = block<ThinkingBlock>(m[1], 1);
  EXPECT_EQ(anthropic.signature, "sig-a");
  EXPECT_EQ(anthropic.encrypted_content, "");
  EXPECT_EQ(anthropic.text, "raw thought");

  // Without opaque state a reasoning item carries nothing anyone can use.
  auto bare = decode_responses_request(
      R"({"model":"m","input":[{"role":"user","content":"q"},{"type":"reasoning","summary":[{"type":"summary_text","text":"x"}]}]})");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->request.messages.size(), 1u);
  auto bad = decode_responses_request(R"({"model":"m","input":[{"type":"reasoning","summary":"x","encrypted_content":"e"}]})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().param, "input[0].summary");
}

TEST(ResponsesIngress, EncodesAnAnswerAsOutputItems) {
  ChatResponse response;
  response.id = "msg_01";
  response.created = 1735689600;
  response.message.role = Role::assistant;
  response.message.content = {ThinkingBlock{"hmm", "sig"}, TextBlock{"Let me "}, TextBlock{"look."},
                              ToolCallBlock{"toolu_1", "get_weather", R"({"city":"Paris"})"},
                              ToolCallBlock{"", "now", ""}};
  response.finish_reason = FinishReason::tool_calls;
  response.usage = Usage{100, 20, 120, 40, 0, 5, std::nullopt};
  auto out = json::parse(openai_responses_ingress().encode_response(response, {"client-model", false}));
  EXPECT_EQ(out.at("object"), "response");
  EXPECT_EQ(out.at("status"), "completed");
  EXPECT_EQ(out.at("model"), "client-model");
  EXPECT_EQ(out.at("created_at"), 1735689600);
  EXPECT_EQ(std::string(out.at("id").as_string()).rfind("resp_", 0), 0u);
  const auto& output = out.at("output").as_array();
  ASSERT_EQ(output.size(), 4u);
  EXPECT_EQ(output[0].at("type"), "reasoning");
  EXPECT_EQ(output[1].at("type"), "message");
  EXPECT_EQ(output[1].at("role"), "assistant");
  EXPECT_EQ(output[1].at("content").at(0).at("type"), "output_text");
  EXPECT_EQ(output[1].at("content").at(0).at("text"), "Let me look.");
  EXPECT_EQ(output[2].at("type"), "function_call");
  EXPECT_EQ(output[2].at("call_id"), "toolu_1");
  EXPECT_EQ(output[2].at("arguments"), R"({"city":"Paris"})");
  EXPECT_EQ(std::string(output[3].at("call_id").as_string()).rfind("call_", 0), 0u);
  EXPECT_EQ(output[3].at("arguments"), "{}");
  EXPECT_EQ(out.at("usage").at("input_tokens"), 100);
  EXPECT_EQ(out.at("usage").at("input_tokens_details").at("cached_tokens"), 40);
  EXPECT_EQ(out.at("usage").at("output_tokens_details").at("reasoning_tokens"), 5);

  response.finish_reason = FinishReason::length;
  response.split_chunks = 2;
  out = json::parse(openai_responses_ingress().encode_response(response, {"m", false}));
  EXPECT_EQ(out.at("status"), "incomplete");
  EXPECT_EQ(out.at("incomplete_details").at("reason"), "max_output_tokens");
  EXPECT_EQ(out.at("aisbf_chunks"), 2);
}

// A second-turn request as Codex CLI 0.171 sends it (recorded, long texts cut):
// developer and user messages, its exec_command call and the output, seven
// function tools, a tool namespace and web_search (dropped and named), and
// fields for OpenAI's own use that never reach a provider.
TEST(ResponsesIngress, DecodesCodexCliRequest) {
  auto decoded = decode_responses_request(fixture("responses_request_codex.json"));
  ASSERT_TRUE(decoded) << decoded.error().message;
  const ChatRequest& r = decoded->request;
  std::vector<Role> roles;
  for (const auto& m : r.messages) roles.push_back(m.role);
  EXPECT_EQ(roles,
            (std::vector<Role>{Role::developer, Role::developer, Role::user, Role::user, Role::assistant, Role::tool}));
  EXPECT_EQ(block<TextBlock>(r.messages[3], 0).text, "run it");
  EXPECT_EQ(block<ToolCallBlock>(r.messages[4], 0).id, "call_3");
  EXPECT_EQ(block<ToolCallBlock>(r.messages[4], 0).arguments_json, R"({"cmd":"echo MARK-123"})");
  EXPECT_EQ(block<ToolResultBlock>(r.messages[5], 0).tool_call_id, "call_3");
  EXPECT_NE(block<ToolResultBlock>(r.messages[5], 0).content.find("Output:\nMARK-123\n"), std::string::npos);

  std::vector<std::string> tools;
  for (const auto& t : r.tools) tools.push_back(t.name);
  EXPECT_EQ(tools, (std::vector<std::string>{"exec_command", "write_stdin", "request_user_input", "view_image",
                                             "get_goal", "create_goal", "update_goal"}));
  EXPECT_EQ(decoded->dropped_tools, (std::vector<std::string>{"namespace", "web_search"}));
  EXPECT_EQ(r.tool_choice.mode, ToolChoiceMode::auto_);
  EXPECT_TRUE(r.stream);
  EXPECT_EQ(r.extensions.at("parallel_tool_calls"), true);
  EXPECT_TRUE(r.extensions.contains("prompt_cache_key"));
  for (std::string_view key : {"client_metadata", "store", "include", "reasoning"})
    EXPECT_FALSE(r.extensions.contains(key)) << key;
}

}  // namespace
}  // namespace aisbf::api
