#include "pipeline/conversation_scan.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "pipeline/ingress.hpp"
#include "routing/autoselect_cache.hpp"

namespace aisbf {
namespace {

constexpr auto kOpenAi = IngressFormat::openai_chat;
constexpr auto kAnthropic = IngressFormat::anthropic_messages;

const routing::AutoselectDecisionCache kHasher({});

// The scan's prefix as the decision cache's key (what autoselect does).
struct Hashed final : PrefixTexts {
  void add(Role role, bool first, std::string_view text) override { hasher.add(role, first, text); }
  routing::PrefixHasher hasher = kHasher.hasher();
};

// The blocks a reader is handed, as text.
struct Listed final : PrefixTexts {
  void add(Role role, bool first, std::string_view text) override {
    out += std::to_string(static_cast<int>(role)) + (first ? "+" : "-") + std::string(text) + "|";
  }
  std::string out;
};

// A scan whose prefix is not looked at.
std::optional<ConversationScan> scan_only(std::string_view body, IngressFormat format) {
  Hashed ignored;
  return scan_conversation(body, format, ignored);
}

// The decision key's prefix hash of the raw scan; fails the test when the
// scan does not read the body.
routing::PrefixHash scanned(std::string_view body, IngressFormat format) {
  Hashed prefix;
  auto scan = scan_conversation(body, format, prefix);
  EXPECT_TRUE(scan.has_value()) << body;
  return scan ? prefix.hasher.result() : routing::PrefixHash{};
}

bool has_images(const ChatRequest& r) {
  for (const auto& m : r.messages) {
    for (const auto& b : m.content) {
      if (std::holds_alternative<ImageBlock>(b)) return true;
    }
  }
  return false;
}

// The scan reads `body` as the codec does: the same prefix hash as the
// decoded request's, and the same answer about images.
void expect_as_decoded(std::string_view body, IngressFormat format) {
  auto decoded = ingress_codec(format).decode_request(body);
  ASSERT_TRUE(decoded) << decoded.error().message << " in " << body;
  Hashed prefix;
  auto scan = scan_conversation(body, format, prefix);
  ASSERT_TRUE(scan.has_value()) << body;
  EXPECT_EQ(prefix.hasher.result(), kHasher.prefix_hash(*decoded)) << body;
  // Any reader is handed the same blocks from the body as from the decoded request.
  Listed from_body, from_decoded;
  ASSERT_TRUE(scan_conversation(body, format, from_body));
  read_prefix(*decoded, from_decoded);
  EXPECT_EQ(from_body.out, from_decoded.out) << body;
  ASSERT_TRUE(scan->images.has_value()) << body;
  EXPECT_EQ(*scan->images, has_images(*decoded)) << body;
}

TEST(ConversationScanTest, OpenAiPrefixIsTheDecodedOnes) {
  for (std::string_view body : {
           R"({"model":"m","messages":[{"role":"user","content":"Hello from the bench"}]})",
           R"({"model":"m","messages":[{"role":"system","content":"You are an agent.\nBe brief."},)"
           R"({"role":"developer","content":[{"type":"text","text":"a"},{"type":"text","text":""},)"
           R"({"type":"text","text":"b\u00e9"}]},{"role":"assistant","content":"hi"},)"
           R"({"role":"user","content":[{"type":"text","text":"Build"},{"type":"image_url","image_url":{"url":"http://x/i.png"}}]},)"
           R"({"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},)"
           R"({"role":"tool","tool_call_id":"c","content":"done"},{"role":"user","content":"more"}]})",
           R"({"messages":[{"content":"only a system prompt","role":"system"}],"model":"m","tools":[{"type":"function",)"
           R"("function":{"name":"image_url","description":"\"image_url\"","parameters":{"type":"object"}}}]})",
           R"({"model":"m","messages":[{"role":"user","content":[{"type":"refusal","refusal":"no"},{"type":"input_audio","input_audio":{}}]}]})",
           R"({"model":"m","messages":[{"role":"user","content":""},{"role":"user","content":"second"}]})",
           " \n{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}\n ",
       }) {
    expect_as_decoded(body, kOpenAi);
  }
}

TEST(ConversationScanTest, AnthropicPrefixIsTheDecodedOnes) {
  for (std::string_view body : {
           R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"Hello from the bench"}]})",
           R"({"model":"m","max_tokens":5,"system":"You are Claude Code.\n","messages":[{"role":"user","content":)"
           R"([{"type":"text","text":"<reminder>","cache_control":{"type":"ephemeral"}},{"type":"text","text":"Fix it"}]},)"
           R"({"role":"assistant","content":[{"type":"tool_use","id":"t","name":"Bash","input":{"c":"ls"}}]},)"
           R"({"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"a.txt"}]}]})",
           R"({"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png",)"
           R"("data":"iVBORw0KGgo="}},{"type":"text","text":"what is this?"}]}],"system":[{"type":"text","text":"one"},)"
           R"({"type":"text","text":""},{"type":"text","text":"two","cache_control":{"type":"ephemeral"}}],"model":"m","max_tokens":5})",
           R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"},)"
           R"({"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"image","source":)"
           R"({"type":"url","url":"http://x/i.png"}}]}]}]})",
       }) {
    expect_as_decoded(body, kAnthropic);
  }
}

// What the decision cache needs: the turns of one conversation share the
// key, whatever was added after the first user message and however the
// JSON is laid out; another system prompt or first message does not.
TEST(ConversationScanTest, TurnsOfOneConversationShareThePrefix) {
  const auto first = scanned(
      R"({"model":"autoselect/a","messages":[{"role":"system","content":"You are an agent."},)"
      R"({"role":"user","content":"Build a parser"}]})",
      kOpenAi);
  EXPECT_EQ(first, scanned(R"({"messages": [ {"content": "You are an agent.", "role": "system"},)"
                           R"( {"role": "user", "content": [{"type": "text", "text": "Build a \u0070arser"}]},)"
                           R"( {"role": "assistant", "content": "Done."}, {"role": "user", "content": "Now a lexer"}],)"
                           R"( "model": "autoselect/a", "stream": true})",
                           kOpenAi));
  EXPECT_NE(first, scanned(R"({"model":"autoselect/a","messages":[{"role":"system","content":"You are a poet."},)"
                           R"({"role":"user","content":"Build a parser"}]})",
                           kOpenAi));
  EXPECT_NE(first, scanned(R"({"model":"autoselect/a","messages":[{"role":"system","content":"You are an agent."},)"
                           R"({"role":"user","content":"Build a lexer"}]})",
                           kOpenAi));

  const auto claude = scanned(
      R"({"model":"autoselect/a","max_tokens":9,"system":[{"type":"text","text":"You are Claude Code."}],)"
      R"("messages":[{"role":"user","content":[{"type":"text","text":"Fix the bug","cache_control":{"type":"ephemeral"}}]}]})",
      kAnthropic);
  // The next turn: the cache mark moved to the latest message.
  EXPECT_EQ(claude, scanned(R"({"model":"autoselect/a","max_tokens":9,"messages":[{"role":"user","content":[)"
                            R"({"type":"text","text":"Fix the bug"}]},{"role":"assistant","content":"Which?"},)"
                            R"({"role":"user","content":[{"type":"text","text":"the parser","cache_control":)"
                            R"({"type":"ephemeral"}}]}],"system":[{"type":"text","text":"You are Claude Code."}]})",
                            kAnthropic));
  EXPECT_NE(claude, scanned(R"({"model":"autoselect/a","max_tokens":9,"system":"You are a poet.","messages":)"
                            R"([{"role":"user","content":"Fix the bug"}]})",
                            kAnthropic));
  // The same conversation in either format has the same key.
  EXPECT_EQ(claude, scanned(R"({"model":"autoselect/a","messages":[{"role":"system","content":"You are Claude Code."},)"
                            R"({"role":"user","content":"Fix the bug"}]})",
                            kOpenAi));
}

TEST(ConversationScanTest, ImagesAnywhereInTheConversation) {
  auto images = [](std::string_view body, IngressFormat format) {
    auto scan = scan_only(body, format);
    EXPECT_TRUE(scan.has_value()) << body;
    return scan ? scan->images : std::nullopt;
  };
  EXPECT_EQ(images(R"({"model":"m","messages":[{"role":"user","content":"an image_url, \"image\""}]})", kOpenAi),
            false);
  EXPECT_EQ(images(R"({"model":"m","messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},)"
                   R"({"role":"user","content":[{"type":"image_url","image_url":"data:image/png;base64,AA=="}]}]})",
                   kOpenAi),
            true);
  // An escaped type is the same type.
  EXPECT_EQ(images(R"({"model":"m","messages":[{"role":"user","content":[{"type":"\u0069mage_url","image_url":"u"}]}]})",
                   kOpenAi),
            true);
  // A document may nest one: the decoder is asked.
  EXPECT_EQ(images(R"({"model":"m","max_tokens":1,"messages":[{"role":"user","content":"a"},{"role":"assistant",)"
                   R"("content":"b"},{"role":"user","content":[{"type":"document","source":{"type":"text",)"
                   R"("media_type":"text/plain","data":"x"}}]}]})",
                   kAnthropic),
            std::nullopt);
}

TEST(ConversationScanTest, ShapesItDoesNotReadAreTheDecodersToRead) {
  // Legacy completions, an unknown role, a part that is no object, a
  // tool result before the first user text (it becomes a message of its own).
  EXPECT_FALSE(scan_only(R"({"model":"m","prompt":"hi"})", IngressFormat::openai_completions));
  EXPECT_FALSE(scan_only(R"({"model":"m","messages":[{"role":"wizard","content":"hi"}]})", kOpenAi));
  EXPECT_FALSE(scan_only(R"({"model":"m","messages":[{"role":"user","content":["hi"]}]})", kOpenAi));
  EXPECT_FALSE(scan_only(R"({"model":"m","messages":"hi"})", kOpenAi));
  EXPECT_FALSE(scan_only(R"({"model":"m","max_tokens":1,"messages":[{"role":"user","content":[)"
                         R"({"type":"tool_result","tool_use_id":"t","content":"x"}]}]})",
                         kAnthropic));
  // Cut anywhere, a body never reads past its end.
  const std::string body =
      R"({"model":"m","messages":[{"role":"system","content":"a \"quoted\\\" text"},{"role":"user","content":)"
      R"([{"type":"text","text":"b"}]}]})";
  for (std::size_t n = 0; n < body.size(); ++n) {
    EXPECT_FALSE(scan_only(std::string_view(body).substr(0, n), kOpenAi)) << n;
  }
  EXPECT_TRUE(scan_only(body, kOpenAi));
}

}  // namespace
}  // namespace aisbf
