// Anthropic ingress: request decoding against tests/fixtures/anthropic_ingress/
// (a Claude-Code-like request, and malformed requests with their messages).
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <random>
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

std::string text_of(const ContentBlock& block) {
  const auto* text = std::get_if<TextBlock>(&block);
  return text != nullptr ? text->text : "<not text>";
}

ChatRequest decode_ok(std::string_view body) {
  auto r = anthropic_messages_ingress().decode_request(body);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? *r : ChatRequest{};
}

TEST(AnthropicIngressDecode, ClaudeCodeRequestTopLevel) {
  ChatRequest r = decode_ok(fixture("request_claude_code.json"));
  EXPECT_EQ(r.model, "claude-sonnet-4-5-20250929");
  EXPECT_EQ(r.max_tokens, 32000);
  EXPECT_EQ(r.temperature, 1.0);
  EXPECT_FALSE(r.top_p);
  EXPECT_TRUE(r.stream);
  EXPECT_TRUE(r.include_usage);
  EXPECT_EQ(r.tool_choice.mode, ToolChoiceMode::auto_);
  EXPECT_EQ(r.extensions, json::parse(R"({"parallel_tool_calls":false,"user":"user_3f1d_account__session_8c2e",
    "thinking":{"type":"enabled","budget_tokens":16000},"top_k":40,
    "context_management":{"edits":[{"type":"clear_thinking_20251015"}]}})"));
}

TEST(AnthropicIngressDecode, ClaudeCodeRequestTools) {
  ChatRequest r = decode_ok(fixture("request_claude_code.json"));
  ASSERT_EQ(r.tools.size(), 10u);  // web_search_20250305 and text_editor_20250728 dropped
  EXPECT_EQ(r.tools[0].name, "Task");
  EXPECT_EQ(r.tools[1].name, "Bash");
  EXPECT_EQ(r.tools[1].description,
            "Executes a given bash command in a persistent shell session with optional timeout.");
  const json::object& schema = r.tools[1].parameters.as_object();
  EXPECT_EQ(schema.at("required"), json::parse(R"(["command"])"));
  EXPECT_EQ(schema.at("$schema"), "http://json-schema.org/draft-07/schema#");  // kept as sent
  EXPECT_EQ(r.tools[9].name, "mcp__github__create_issue");
}

TEST(AnthropicIngressDecode, ClaudeCodeRequestConversation) {
  ChatRequest r = decode_ok(fixture("request_claude_code.json"));
  ASSERT_EQ(r.messages.size(), 9u);
  std::vector<Role> roles;
  for (const auto& m : r.messages) roles.push_back(m.role);
  EXPECT_EQ(roles, (std::vector<Role>{Role::system, Role::system, Role::user, Role::assistant, Role::tool, Role::tool,
                                      Role::user, Role::assistant, Role::user}));
  EXPECT_EQ(text_of(r.messages[0].content.at(0)), "You are Claude Code, Anthropic's official CLI for Claude.");
  EXPECT_GT(text_of(r.messages[1].content.at(0)).size(), 5000u);

  const auto& user = r.messages[2].content;
  ASSERT_EQ(user.size(), 3u);
  EXPECT_EQ(text_of(user[1]), "Why does the build fail? Here is the screenshot.");
  const auto& image = std::get<ImageBlock>(user[2]);
  EXPECT_EQ(image.media_type, "image/png");
  EXPECT_TRUE(image.url.empty());
  EXPECT_EQ(image.data_base64.substr(0, 12), "iVBORw0KGgoA");

  const auto& assistant = r.messages[3].content;
  ASSERT_EQ(assistant.size(), 4u);
  const auto& thinking = std::get<ThinkingBlock>(assistant[0]);
  EXPECT_EQ(thinking.text, "The user wants to know why the build fails. I should look at the build log first.");
  EXPECT_EQ(thinking.signature, "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds");
  EXPECT_EQ(text_of(assistant[1]), "Let me check the build output and the CMake file.");
  const auto& bash = std::get<ToolCallBlock>(assistant[2]);
  EXPECT_EQ(bash.id, "toolu_01A09q90qw90lq917835lq9");
  EXPECT_EQ(bash.name, "Bash");
  EXPECT_EQ(json::parse(bash.arguments_json),
            json::parse(R"({"command":"cmake --build build 2>&1 | tail -20","description":"Build the project"})"));
  EXPECT_EQ(std::get<ToolCallBlock>(assistant[3]).name, "Read");
}

TEST(AnthropicIngressDecode, ToolResultsComeFirstAsToolMessages) {
  ChatRequest r = decode_ok(fixture("request_claude_code.json"));
  ASSERT_EQ(r.messages.size(), 9u);
  const auto& failed = std::get<ToolResultBlock>(r.messages[4].content.at(0));
  EXPECT_EQ(failed.tool_call_id, "toolu_01A09q90qw90lq917835lq9");
  EXPECT_EQ(failed.content, "error: 'fmt/format.h' file not found");
  EXPECT_TRUE(failed.is_error);
  const auto& read = std::get<ToolResultBlock>(r.messages[5].content.at(0));
  EXPECT_EQ(read.tool_call_id, "toolu_01B7dAHpW3Ly5Z3uvHLRZJ1f");
  EXPECT_EQ(read.content, "     1\tcmake_minimum_required(VERSION 3.20)\n     2\tproject(proj CXX)");
  EXPECT_FALSE(read.is_error);
  // The image of the tool result moved into the user content that follows the results.
  const auto& rest = r.messages[6].content;
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(std::get<ImageBlock>(rest[0]).url, "https://example.com/diagram.png");
  EXPECT_EQ(text_of(rest[1]), "<system-reminder>The TodoWrite tool hasn't been used recently.</system-reminder>");
}

TEST(AnthropicIngressDecode, RedactedThinkingKeepsItsDataAsSignature) {
  ChatRequest r = decode_ok(fixture("request_claude_code.json"));
  ASSERT_EQ(r.messages.size(), 9u);
  const auto& redacted = std::get<ThinkingBlock>(r.messages[7].content.at(0));
  EXPECT_EQ(redacted.text, "");
  EXPECT_EQ(redacted.signature, "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP");
  EXPECT_EQ(text_of(r.messages[8].content.at(0)), "Thanks. Do it.");
}

TEST(AnthropicIngressDecode, MinimalRequestAndDefaults) {
  ChatRequest r = decode_ok(R"({"model":"claude-x","max_tokens":5,"messages":[{"role":"user","content":"Hi"}]})");
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].role, Role::user);
  EXPECT_EQ(text_of(r.messages[0].content.at(0)), "Hi");
  EXPECT_FALSE(r.stream);
  EXPECT_FALSE(r.include_usage);
  EXPECT_EQ(r.tool_choice.mode, ToolChoiceMode::unset);
  EXPECT_TRUE(r.extensions.empty());
}

TEST(AnthropicIngressDecode, SystemStringToolChoicesAndStops) {
  const char* base = R"({"model":"m","max_tokens":5,"system":"Be brief.","messages":[{"role":"user","content":"x"}],
    "stop_sequences":["END","STOP"],"top_p":0.5,"tool_choice":)";
  ChatRequest r = decode_ok(std::string(base) + R"({"type":"tool","name":"Read","disable_parallel_tool_use":false}})");
  EXPECT_EQ(r.messages.at(0).role, Role::system);
  EXPECT_EQ(text_of(r.messages[0].content.at(0)), "Be brief.");
  EXPECT_EQ(r.stop, (std::vector<std::string>{"END", "STOP"}));
  EXPECT_EQ(r.top_p, 0.5);
  EXPECT_EQ(r.tool_choice.mode, ToolChoiceMode::specific);
  EXPECT_EQ(r.tool_choice.name, "Read");
  EXPECT_FALSE(r.extensions.contains("parallel_tool_calls"));
  EXPECT_EQ(decode_ok(std::string(base) + R"({"type":"any"}})").tool_choice.mode, ToolChoiceMode::required);
  EXPECT_EQ(decode_ok(std::string(base) + R"({"type":"none"}})").tool_choice.mode, ToolChoiceMode::none);
}

TEST(AnthropicIngressDecode, DocumentsAndServerToolHistory) {
  ChatRequest r = decode_ok(R"({"model":"m","max_tokens":5,"messages":[
    {"role":"user","content":[
      {"type":"document","source":{"type":"text","media_type":"text/plain","data":"plain doc"}},
      {"type":"document","title":"spec.pdf","source":{"type":"base64","media_type":"application/pdf","data":"JVBER"}}]},
    {"role":"assistant","content":[
      {"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{"query":"x"}},
      {"type":"web_search_tool_result","tool_use_id":"srvtoolu_1","content":[]},
      {"type":"text","text":"Found it."}]},
    {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1"}]}]})");
  ASSERT_EQ(r.messages.size(), 3u);
  ASSERT_EQ(r.messages[0].content.size(), 2u);
  EXPECT_EQ(text_of(r.messages[0].content[0]), "plain doc");
  EXPECT_EQ(text_of(r.messages[0].content[1]),
            "[document spec.pdf omitted: the gateway cannot pass PDF documents to this model]");
  ASSERT_EQ(r.messages[1].content.size(), 1u);
  EXPECT_EQ(text_of(r.messages[1].content[0]), "Found it.");
  EXPECT_EQ(r.messages[2].role, Role::tool);  // only a result: no empty user message after it
  EXPECT_EQ(std::get<ToolResultBlock>(r.messages[2].content.at(0)).content, "");
}

TEST(AnthropicIngressDecode, ToolUseWithoutInputAndEmptyTextSkipped) {
  ChatRequest r =
      decode_ok(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"text","text":""},
    {"type":"text","text":"go"}]},{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"now"}]}]})");
  ASSERT_EQ(r.messages.size(), 2u);
  ASSERT_EQ(r.messages[0].content.size(), 1u);
  EXPECT_EQ(std::get<ToolCallBlock>(r.messages[1].content.at(0)).arguments_json, "{}");
}

TEST(AnthropicIngressDecode, CountTokensBodyNeedsNoMaxTokens) {
  const char* body = R"({"model":"m","messages":[{"role":"user","content":"x"}]})";
  EXPECT_FALSE(decode_anthropic_request(body));
  auto r = decode_anthropic_request(body, AnthropicDecodeOptions{.require_max_tokens = false});
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->max_tokens);
}

TEST(AnthropicIngressDecode, MalformedRequestsAreAnthropicStyle400s) {
  json::value cases = json::parse(fixture("malformed_requests.json"));
  ASSERT_GT(cases.as_array().size(), 40u);
  for (const auto& c : cases.as_array()) {
    const auto& o = c.as_object();
    std::string name(o.at("name").as_string());
    auto r = anthropic_messages_ingress().decode_request(std::string_view(o.at("body").as_string()));
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.error().status, 400) << name;
    EXPECT_EQ(r.error().kind, ErrorKind::invalid_request) << name;
    if (o.at("message").is_string())
      EXPECT_EQ(r.error().message, std::string_view(o.at("message").as_string())) << name;
    else
      EXPECT_EQ(r.error().message.rfind("The request body is not valid JSON: ", 0), 0u) << r.error().message;
  }
}

void collect(json::value& v, std::vector<json::value*>& out) {
  out.push_back(&v);
  if (auto* o = v.if_object())
    for (auto& member : *o) collect(member.value(), out);
  if (auto* a = v.if_array())
    for (auto& item : *a) collect(item, out);
}

TEST(AnthropicIngressDecode, NeverThrowsOnValuesOfTheWrongType) {
  const json::value original = json::parse(fixture("request_claude_code.json"));
  const std::vector<json::value> replacements{nullptr,
                                              1,
                                              -5,
                                              2.5,
                                              "x",
                                              "",
                                              json::array{},
                                              json::object{},
                                              true,
                                              json::array{1, "a"},
                                              json::object{{"type", "text"}}};
  std::mt19937 rng(5);
  int rejected = 0;
  for (int round = 0; round < 600; ++round) {
    json::value doc = original;
    for (int k = 0; k < 2; ++k) {  // collected again: a replacement frees the values under it
      std::vector<json::value*> values;
      collect(doc, values);
      *values[rng() % values.size()] = replacements[rng() % replacements.size()];
    }
    auto r = decode_anthropic_request(json::serialize(doc));
    if (!r) {
      ++rejected;
      EXPECT_EQ(r.error().status, 400);
      EXPECT_FALSE(r.error().message.empty());
    }
  }
  EXPECT_GT(rejected, 30);
}

TEST(AnthropicIngressDecode, NeverThrowsOnTruncationsOrDeepNesting) {
  std::string body = fixture("request_claude_code.json");
  for (std::size_t n = 0; n < body.size(); n += 97) (void)decode_anthropic_request(body.substr(0, n));
  // Swap JSON punctuation and literals for one another: valid JSON with wrong types, or invalid JSON.
  std::mt19937 rng(11);
  const std::string tokens = "{}[]\",:0tn";
  for (int round = 0; round < 300; ++round) {
    std::string mutated = body;
    for (int k = 0; k < 3; ++k) mutated[rng() % mutated.size()] = tokens[rng() % tokens.size()];
    (void)decode_anthropic_request(mutated);
  }
  std::string deep = R"({"model":"m","max_tokens":1,"messages":[{"role":"user","content":)" + std::string(300, '[') +
                     std::string(300, ']') + "}]}";
  auto r = decode_anthropic_request(deep);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "The request body nests JSON deeper than 128 levels");
}

// cache_control is kept on what each block decodes to: system blocks, text,
// images, tool_use, a tool_result's tool message, and tool definitions.
TEST(AnthropicIngressDecode, CacheControlMarksAreKept) {
  const ChatRequest r = decode_ok(R"({"model":"m","max_tokens":10,
    "system":[{"type":"text","text":"Be terse.","cache_control":{"type":"ephemeral"}}],
    "tools":[{"name":"lookup","input_schema":{"type":"object"},"cache_control":{"type":"ephemeral","ttl":"1h"}}],
    "messages":[
      {"role":"user","content":[{"type":"text","text":"Look:"},
        {"type":"image","source":{"type":"url","url":"https://x/a.png"},"cache_control":{"type":"ephemeral"}}]},
      {"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"lookup","input":{},"cache_control":{"type":"ephemeral"}}]},
      {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"blue","cache_control":{"type":"ephemeral"}},
        {"type":"text","text":"And now?","cache_control":{"type":"ephemeral"}}]}]})");
  const std::string mark = R"({"type":"ephemeral"})";
  ASSERT_EQ(r.messages.size(), 5u);
  EXPECT_EQ(std::get<TextBlock>(r.messages[0].content[0]).cache_control, mark);
  EXPECT_EQ(std::get<TextBlock>(r.messages[1].content[0]).cache_control, "");
  EXPECT_EQ(std::get<ImageBlock>(r.messages[1].content[1]).cache_control, mark);
  EXPECT_EQ(std::get<ToolCallBlock>(r.messages[2].content[0]).cache_control, mark);
  EXPECT_EQ(std::get<ToolResultBlock>(r.messages[3].content[0]).cache_control, mark);
  EXPECT_EQ(std::get<TextBlock>(r.messages[4].content[0]).cache_control, mark);
  ASSERT_EQ(r.tools.size(), 1u);
  EXPECT_EQ(r.tools[0].cache_control, R"({"type":"ephemeral","ttl":"1h"})");
}

}  // namespace
}  // namespace aisbf::api
