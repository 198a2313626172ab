// The try route's pure parts: the body's bounds and the answer's shape.
#include "pipeline/autoselect_try.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace aisbf::autoselect_try {
namespace {

namespace json = boost::json;

TEST(AutoselectTry, ReadsThePrompt) {
  auto p = read_prompt(R"({"prompt": "write a haiku"})");
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, "write a haiku");
}

TEST(AutoselectTry, RefusesABodyWithoutAPromptNamingTheField) {
  for (std::string_view body : {"", "[]", "{}", R"({"prompt": 3})", R"({"prompt": ""})", "{\"prompt\": \"x\""}) {
    auto p = read_prompt(body);
    ASSERT_FALSE(p) << body;
    EXPECT_EQ(p.error().status, 400) << body;
    EXPECT_EQ(p.error().param, "prompt") << body;
    EXPECT_EQ(p.error().code, "invalid_body") << body;
  }
}

TEST(AutoselectTry, BoundsThePrompt) {
  const std::string fits(kMaxTryPromptBytes, 'a');
  EXPECT_TRUE(read_prompt(R"({"prompt": ")" + fits + "\"}"));
  auto over = read_prompt(R"({"prompt": ")" + fits + "a\"}");
  ASSERT_FALSE(over);
  EXPECT_NE(over.error().message.find("32 KiB"), std::string::npos);
}

TEST(AutoselectTry, AnswersAChoiceWithTheSelectionModelsWords) {
  AutoselectTrace trace;
  trace.allowed = {"coding", "mock/general"};
  trace.selection_model = "mock/select-think";
  trace.answer = "<think>code</think><aisbf_model_autoselection>coding</aisbf_model_autoselection>";
  const Expected<AutoselectChoice> choice{AutoselectChoice{"coding", "rotation/coding", "llm"}};
  const json::value v = json::parse(answer_json("picker", choice, trace));
  EXPECT_EQ(v.at("autoselect"), "picker");
  EXPECT_EQ(v.at("chosen").at("candidate"), "coding");
  EXPECT_EQ(v.at("chosen").at("target"), "rotation/coding");
  EXPECT_EQ(v.at("chosen").at("by"), "llm");
  EXPECT_TRUE(v.at("refusal").is_null());
  EXPECT_EQ(v.at("allowed").as_array().size(), 2u);
  EXPECT_EQ(v.at("selection").at("model"), "mock/select-think");
  EXPECT_EQ(v.at("selection").at("answer"), json::value(trace.answer));
  EXPECT_TRUE(v.at("selection").at("failure").is_null());
  EXPECT_EQ(v.at("classification").at("nsfw"), false);
}

TEST(AutoselectTry, AnswersARefusalAndAFailedSelection) {
  AutoselectTrace trace;
  trace.private_data = {"email"};
  trace.failure = "the answer names no candidate";
  const Expected<AutoselectChoice> refused{
      make_error(ErrorKind::forbidden, "no candidate may see it", "no_allowed_model")};
  const json::value v = json::parse(answer_json("picker", refused, trace));
  EXPECT_TRUE(v.at("chosen").is_null());
  EXPECT_EQ(v.at("refusal").at("status"), 403);
  EXPECT_EQ(v.at("refusal").at("code"), "no_allowed_model");
  EXPECT_EQ(v.at("classification").at("private_data").as_array().at(0), "email");
  EXPECT_EQ(v.at("selection").at("failure"), "the answer names no candidate");
}

TEST(AutoselectTry, SaysNobodyWasAskedWhenNoSelectionRan) {
  const AutoselectTrace trace;
  const Expected<AutoselectChoice> only{AutoselectChoice{"mock/a", "mock/a", "only"}};
  const json::value v = json::parse(answer_json("picker", only, trace));
  EXPECT_TRUE(v.at("selection").is_null());
  EXPECT_TRUE(v.at("semantic").as_array().empty());
}

TEST(AutoselectTry, ShowsTheUpstreamsErrorToTheOperatorOnlyAndCutsIt) {
  // A long upstream error ending in a multi-byte character across the cut.
  std::string text(AutoselectTrace::kMaxAnswerBytes - 1, 'x');
  text += "\xc3\xa9 and the upstream's secret detail";
  const GatewayError e = upstream_error(502, "gateway-provider", text);
  const std::string shown = selection_failure(e, true);
  EXPECT_LE(shown.size(), AutoselectTrace::kMaxAnswerBytes);
  EXPECT_EQ(shown.find("secret detail"), std::string::npos);
  EXPECT_EQ(shown.find('\xc3'), std::string::npos);  // no half of a character
  const std::string generic = selection_failure(e, false);
  EXPECT_EQ(generic.find("xxx"), std::string::npos) << generic;
  EXPECT_EQ(generic.find("gateway-provider"), std::string::npos) << generic;
  EXPECT_NE(generic.find("502"), std::string::npos) << generic;
}

}  // namespace
}  // namespace aisbf::autoselect_try
