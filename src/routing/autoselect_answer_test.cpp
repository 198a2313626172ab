#include "routing/autoselect_answer.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace aisbf::routing {
namespace {

const std::vector<std::string> kIds = {"kilofree", "kilopro", "openai/gpt-4o", "rotation/coding"};

std::optional<std::string> parse(std::string_view answer) { return parse_autoselect_answer(answer, kIds); }

TEST(AutoselectAnswerTest, ReadsTheTag) {
  EXPECT_EQ(parse("<aisbf_model_autoselection>kilopro</aisbf_model_autoselection>"), "kilopro");
  EXPECT_EQ(parse("  <aisbf_model_autoselection> openai/gpt-4o \n</aisbf_model_autoselection>\n"), "openai/gpt-4o");
  EXPECT_EQ(parse("Sure! <AISBF_MODEL_AUTOSELECTION>`rotation/coding`</AISBF_MODEL_AUTOSELECTION> is best."),
            "rotation/coding");
  EXPECT_EQ(parse("<aisbf_model_autoselection>{kilofree}</aisbf_model_autoselection>"), "kilofree");
}

TEST(AutoselectAnswerTest, DropsReasoningBeforeReadingTheTag) {
  EXPECT_EQ(parse("<think>the example says <aisbf_model_autoselection>kilofree</aisbf_model_autoselection> but "
                  "this is hard</think>\n<aisbf_model_autoselection>kilopro</aisbf_model_autoselection>"),
            "kilopro");
  // The opening tag stripped by the API: everything before the close is reasoning.
  EXPECT_EQ(parse("maybe kilofree?\n</think>\nkilopro"), "kilopro");
  // Unclosed reasoning names nothing.
  EXPECT_EQ(parse("<thinking>\nkilofree\n"), std::nullopt);
}

TEST(AutoselectAnswerTest, TakesTheLastTagThatNamesACandidate) {
  EXPECT_EQ(parse("<aisbf_model_autoselection>kilopro</aisbf_model_autoselection> or rather "
                  "<aisbf_model_autoselection>kilofree</aisbf_model_autoselection>"),
            "kilofree");
  EXPECT_EQ(parse("<aisbf_model_autoselection>kilopro</aisbf_model_autoselection>"
                  "<aisbf_model_autoselection>gpt-9</aisbf_model_autoselection>"),
            "kilopro");
}

TEST(AutoselectAnswerTest, ReadsJson) {
  EXPECT_EQ(parse("```json\n{\"model\": \"kilopro\"}\n```"), "kilopro");
  EXPECT_EQ(parse("{\"reason\":\"x\",\"model_id\":\"openai/gpt-4o\"}"), "openai/gpt-4o");
  EXPECT_EQ(parse("{\"model\": \"unknown\", \"model_id\": \"kilofree\"}"), "kilofree");
}

TEST(AutoselectAnswerTest, ReadsAnIdAloneOnALine) {
  EXPECT_EQ(parse("```\nkilopro\n```"), "kilopro");
  EXPECT_EQ(parse("I choose:\n**kilofree**."), "kilofree");
  EXPECT_EQ(parse("kilopro"), "kilopro");
}

TEST(AutoselectAnswerTest, NamesNothingElse) {
  EXPECT_EQ(parse(""), std::nullopt);
  EXPECT_EQ(parse("I would pick kilopro because it codes well."), std::nullopt);  // not alone on its line
  EXPECT_EQ(parse("<aisbf_model_autoselection>KiloPro</aisbf_model_autoselection>"), std::nullopt);
  EXPECT_EQ(parse("<aisbf_model_autoselection>gpt-9</aisbf_model_autoselection>"), std::nullopt);
  EXPECT_EQ(parse("<aisbf_model_autoselection>kilopro"), std::nullopt);  // unterminated tag, id not alone
  EXPECT_EQ(parse("{\"model\": \"kilopro"), std::nullopt);
}

TEST(AutoselectAnswerTest, ManyReasoningBlocksStayLinear) {
  std::string answer;
  for (int i = 0; i < 50000; ++i) answer += "<think>x</think>";
  answer += "\nkilopro";
  EXPECT_EQ(parse(answer), "kilopro");
}

}  // namespace
}  // namespace aisbf::routing
