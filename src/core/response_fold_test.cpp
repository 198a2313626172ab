#include "core/response_fold.hpp"

#include <gtest/gtest.h>

namespace aisbf {
namespace {

TEST(ResponseFold, FoldThenUnfoldSaysTheSame) {
  ResponseFolder folder;
  for (const StreamEvent& ev : std::vector<StreamEvent>{
           StreamStart{"id1", "m", 5}, ReasoningDelta{"th", ""}, ReasoningDelta{"ink", "sig"}, TextDelta{"Hel"},
           TextDelta{"lo"}, ToolCallDelta{0, "c1", "f", "{\"a\""}, ToolCallDelta{1, "c2", "g", "{}"},
           ToolCallDelta{0, "", "", ":1}"}, FinishEvent{FinishReason::tool_calls},
           UsageEvent{Usage{3, 4, 7, 0, 0, 0, std::nullopt}}}) {
    folder.fold(ev);
  }
  const ChatResponse& r = folder.response();
  EXPECT_EQ(r.id, "id1");
  ASSERT_EQ(r.message.content.size(), 4u);
  EXPECT_EQ(std::get<ThinkingBlock>(r.message.content[0]).text, "think");
  EXPECT_EQ(std::get<TextBlock>(r.message.content[1]).text, "Hello");
  EXPECT_EQ(std::get<ToolCallBlock>(r.message.content[2]).arguments_json, "{\"a\":1}");
  EXPECT_EQ(std::get<ToolCallBlock>(r.message.content[3]).name, "g");
  EXPECT_EQ(r.finish_reason, FinishReason::tool_calls);
  ASSERT_TRUE(r.usage);

  const auto events = unfold_response(r);
  ASSERT_EQ(events.size(), 7u);  // start, 4 blocks, finish, usage
  EXPECT_EQ(std::get<TextDelta>(events[2]).text, "Hello");
  EXPECT_EQ(std::get<ToolCallDelta>(events[4]).index, 1);
  ResponseFolder again;
  for (const auto& ev : events) again.fold(ev);
  EXPECT_EQ(again.response().message.content.size(), 4u);
  EXPECT_EQ(std::get<ToolCallBlock>(again.response().message.content[2]).arguments_json, "{\"a\":1}");
  EXPECT_EQ(again.response().usage->total_tokens, 7);
}

// Back-to-back OpenAI reasoning items with an empty summary arrive as
// opaque state only: each stays its own block, none lost.
TEST(ResponseFold, BackToBackOpaqueReasoningKeepsEveryItem) {
  ResponseFolder folder;
  for (const StreamEvent& ev : std::vector<StreamEvent>{
           ReasoningDelta{"", "", "gAAA1", true}, ReasoningDelta{"", "", "gAAA2", true}, ReasoningDelta{"", "s1"},
           ReasoningDelta{"", "s2"}, TextDelta{"done"}}) {
    folder.fold(ev);
  }
  const auto& content = folder.response().message.content;
  ASSERT_EQ(content.size(), 4u);
  EXPECT_EQ(std::get<ThinkingBlock>(content[0]).encrypted_content, "gAAA1");
  EXPECT_EQ(std::get<ThinkingBlock>(content[1]).encrypted_content, "gAAA2");
  EXPECT_EQ(std::get<ThinkingBlock>(content[1]).signature, "s1");
  EXPECT_EQ(std::get<ThinkingBlock>(content[2]).signature, "s2");
  EXPECT_EQ(std::get<TextBlock>(content[3]).text, "done");
}

// Anthropic's thinking blocks in a row: each one's text, then its
// signature; the second's text never joins the first, signed, block.
TEST(ResponseFold, BackToBackSignedThinkingBlocksStayApart) {
  ResponseFolder folder;
  for (const StreamEvent& ev :
       std::vector<StreamEvent>{ReasoningDelta{"think "}, ReasoningDelta{"one"}, ReasoningDelta{"", "s1"},
                                ReasoningDelta{"think two"}, ReasoningDelta{"", "s2"}, TextDelta{"done"}}) {
    folder.fold(ev);
  }
  const auto& content = folder.response().message.content;
  ASSERT_EQ(content.size(), 3u);
  EXPECT_EQ(std::get<ThinkingBlock>(content[0]).text, "think one");
  EXPECT_EQ(std::get<ThinkingBlock>(content[0]).signature, "s1");
  EXPECT_EQ(std::get<ThinkingBlock>(content[1]).text, "think two");
  EXPECT_EQ(std::get<ThinkingBlock>(content[1]).signature, "s2");
  EXPECT_EQ(std::get<TextBlock>(content[2]).text, "done");
}

}  // namespace
}  // namespace aisbf
