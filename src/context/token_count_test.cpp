// The chat counting rules against the figures OpenAI's cookbook ("How to
// count tokens with tiktoken") publishes beside the API's own usage for the
// same requests, the model → encoding table, and the image tile rule.
#include "context/token_count.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "context/image_tokens.hpp"

namespace aisbf::context {
namespace {

const Tokenizer& tokenizer(Encoding encoding) {
  auto loaded = tokenizer_for(encoding);
  if (!loaded) throw std::runtime_error(loaded.error().message);
  return **loaded;
}

Message msg(Role role, std::string text, std::string name = {}) {
  return Message{role, {TextBlock{std::move(text)}}, std::move(name)};
}

// The cookbook's example conversation (section 6).
ChatRequest cookbook_conversation() {
  ChatRequest r;
  r.messages = {
      msg(Role::system,
          "You are a helpful, pattern-following assistant that translates corporate jargon into plain English."),
      msg(Role::system, "New synergies will help drive top-line growth.", "example_user"),
      msg(Role::system, "Things working well together will increase revenue.", "example_assistant"),
      msg(Role::system,
          "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage.",
          "example_user"),
      msg(Role::system, "Let's talk later when we're less busy about how to do better.", "example_assistant"),
      msg(Role::user, "This late pivot means we don't have time to boil the ocean for the client deliverable."),
  };
  return r;
}

// The cookbook's tool example (section 7).
ChatRequest cookbook_tools() {
  ChatRequest r;
  r.messages = {msg(Role::system, "You are a helpful assistant that can answer to questions about the weather."),
                msg(Role::user, "What's the weather like in San Francisco?")};
  r.tools.push_back(ToolDefinition{"get_current_weather", "Get the current weather in a given location",
                                   boost::json::parse(R"({"type":"object","properties":{
        "location":{"type":"string","description":"The city and state, e.g. San Francisco, CA"},
        "unit":{"type":"string","description":"The unit of temperature to return","enum":["celsius","fahrenheit"]}},
        "required":["location"]})")});
  return r;
}

TEST(ChatTokenCounter, CookbookConversation) {
  // gpt-3.5-turbo, gpt-4-0613, gpt-4: 129; gpt-4o, gpt-4o-mini: 124.
  EXPECT_EQ(ChatTokenCounter(tokenizer(Encoding::cl100k_base)).request(cookbook_conversation()), 129);
  EXPECT_EQ(ChatTokenCounter(tokenizer(Encoding::o200k_base)).request(cookbook_conversation()), 124);
}

TEST(ChatTokenCounter, CookbookTools) {
  // gpt-3.5-turbo, gpt-4: 105; gpt-4o, gpt-4o-mini: 101.
  EXPECT_EQ(ChatTokenCounter(tokenizer(Encoding::cl100k_base)).request(cookbook_tools()), 105);
  EXPECT_EQ(ChatTokenCounter(tokenizer(Encoding::o200k_base)).request(cookbook_tools()), 101);
}

TEST(ChatTokenCounter, PartsOfTheRule) {
  const ChatTokenCounter count(tokenizer(Encoding::o200k_base));
  const auto hello = count.text("hello");
  EXPECT_EQ(count.message(msg(Role::user, "hello")), 3 + count.text("user") + hello);
  EXPECT_EQ(count.message(msg(Role::user, "hello", "bob")), 3 + count.text("user") + hello + 1 + count.text("bob"));
  EXPECT_EQ(count.request(ChatRequest{}), 3);
  EXPECT_EQ(count.tools({}), 0);
  // A tool without properties: its start, "name:description" without the final period, the end.
  EXPECT_EQ(count.tools({ToolDefinition{"ping", "Checks.", {}}}), 7 + count.text("ping:Checks") + 12);
  // Thinking blocks are dropped by the upstreams that take them back; images cost their tiles.
  Message m{Role::assistant, {ThinkingBlock{"long thoughts", "sig"}, ImageBlock{"https://x/y.png", "", "", "low"}}, {}};
  EXPECT_EQ(count.message(m), 3 + count.text("assistant") + 85);
}

TEST(EncodingForModel, Table) {
  struct Row {
    std::string_view model;
    Encoding encoding;
    bool exact;
  };
  const Row rows[] = {
      {"gpt-4o", Encoding::o200k_base, true},
      {"gpt-4o-mini-2024-07-18", Encoding::o200k_base, true},
      {"GPT-4o", Encoding::o200k_base, true},
      {"openai/gpt-4o", Encoding::o200k_base, true},
      {"ft:gpt-4o-mini:acme::abc", Encoding::o200k_base, true},
      {"chatgpt-4o-latest", Encoding::o200k_base, true},
      {"gpt-4.1", Encoding::o200k_base, true},
      {"gpt-4.1-nano", Encoding::o200k_base, true},
      {"gpt-5", Encoding::o200k_base, true},
      {"gpt-5-mini", Encoding::o200k_base, true},
      {"o1", Encoding::o200k_base, true},
      {"o1-mini", Encoding::o200k_base, true},
      {"o3-mini", Encoding::o200k_base, true},
      {"o4-mini", Encoding::o200k_base, true},
      {"gpt-4", Encoding::cl100k_base, true},
      {"gpt-4-0613", Encoding::cl100k_base, true},
      {"gpt-4-turbo", Encoding::cl100k_base, true},
      {"gpt-3.5-turbo", Encoding::cl100k_base, true},
      {"gpt-35-turbo", Encoding::cl100k_base, true},
      {"text-embedding-3-small", Encoding::cl100k_base, true},
      {"claude-sonnet-4-5", Encoding::cl100k_base, false},
      {"gemini-2.5-pro", Encoding::cl100k_base, false},
      {"meta-llama/Llama-3.3-70B-Instruct", Encoding::cl100k_base, false},
      {"qwen3-coder", Encoding::cl100k_base, false},
      {"mock-model", Encoding::cl100k_base, false},
      {"", Encoding::cl100k_base, false},
  };
  for (const auto& row : rows) {
    const auto choice = encoding_for_model(row.model);
    EXPECT_EQ(choice.encoding, row.encoding) << row.model;
    EXPECT_EQ(choice.exact, row.exact) << row.model;
  }
}

// Without a tokenizer: four bytes a token, rounded up, with the chat rule's
// per-message overhead; its prefix search agrees with its own count.
TEST(EstimatingTokenCounter, FourBytesAToken) {
  const EstimatingTokenCounter counter;
  EXPECT_EQ(EstimatingTokenCounter::text(""), 0);
  EXPECT_EQ(EstimatingTokenCounter::text("abcd"), 1);
  EXPECT_EQ(EstimatingTokenCounter::text("abcde"), 2);
  const Message m{Role::user, {TextBlock{"12345678"}}, {}};
  EXPECT_EQ(counter.message(m), 3 + EstimatingTokenCounter::text("user") + 2);
  ChatRequest request;
  request.messages = {m, m};
  EXPECT_EQ(counter.request(request), 3 + 2 * counter.message(m));
  EXPECT_EQ(counter.text_prefix_within("0123456789", 2), 8u);
  EXPECT_EQ(counter.text_prefix_within("0123", 2), 4u);
  EXPECT_EQ(counter.text_prefix_within("0123", -1), 0u);
}

}  // namespace
}  // namespace aisbf::context
