// The prompt files: built-in texts (the autoselect and NSFW formats the
// gateway sends), first-start writing, and their place in the snapshot.
#include <gtest/gtest.h>

#include "config/config_test_util.hpp"
#include "config/prompt_files.hpp"

namespace aisbf::config_test {
namespace {

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

TEST(PromptFiles, FixedListOfNames) {
  for (std::string_view name :
       {"condensation_conversational", "condensation_semantic", "autoselect", "classify_nsfw"}) {
    EXPECT_TRUE(is_prompt_name(name)) << name;
    EXPECT_FALSE(default_prompt(name).empty()) << name;
  }
  EXPECT_FALSE(is_prompt_name("../aisbf"));
  EXPECT_TRUE(default_prompt("nope").empty());
}

// The selection call sends AISBF's original format; the built-in text must
// describe exactly that, and no tag of AISBF's later one.
TEST(PromptFiles, AutoselectDefaultDescribesTheSentFormat) {
  const std::string_view text = default_prompt("autoselect");
  for (std::string_view tag :
       {"<aisbf_user_prompt>", "</aisbf_user_prompt>", "<aisbf_autoselect_list>", "<model><model_id>",
        "</model_id><model_description>", "</model_description></model>", "<aisbf_autoselect_fallback>",
        "</aisbf_autoselect_fallback>", "<aisbf_model_autoselection>ID</aisbf_model_autoselection>"}) {
    EXPECT_TRUE(contains(text, tag)) << tag;
  }
  EXPECT_FALSE(contains(text, "aisbf_current_task"));
  EXPECT_FALSE(contains(text, "aisbf_session_context"));
}

TEST(PromptFiles, ClassifyNsfwDefaultAnswersAFixedTag) {
  const std::string_view text = default_prompt("classify_nsfw");
  EXPECT_TRUE(contains(text, "<aisbf_classify_content>"));
  EXPECT_TRUE(contains(text, "</aisbf_classify_content>"));
  EXPECT_TRUE(contains(text, "<aisbf_classification>nsfw</aisbf_classification>"));
  EXPECT_TRUE(contains(text, "<aisbf_classification>safe</aisbf_classification>"));
}

TEST(PromptFiles, WriteMissingWritesEveryDefaultAndKeepsExistingFiles) {
  TempDir dir;
  dir.write("autoselect.md", "# mine\n");
  write_missing_prompts(dir.path());
  EXPECT_EQ(read_prompt(dir.path(), "autoselect").content, "# mine\n");
  for (std::string_view name : {"condensation_conversational", "condensation_semantic", "classify_nsfw"}) {
    PromptRead read = read_prompt(dir.path(), name);
    ASSERT_EQ(read.status, PromptRead::Status::ok) << name;
    EXPECT_EQ(read.content, default_prompt(name)) << name;
  }
  EXPECT_EQ(mode_of(dir.path() / "classify_nsfw.md"), 0600u);
}

TEST(PromptFiles, SnapshotCarriesTheTexts) {
  TempDir dir;
  dir.write("autoselect.md", "pick one\n");
  dir.write("condensation_semantic.md", "keep what matters\n");
  auto config = std::make_shared<Config>();
  config->dir = dir.path();
  auto with = with_prompt_texts(config);
  EXPECT_EQ(with->autoselect_prompts.selection, "pick one\n");
  EXPECT_EQ(with->autoselect_prompts.classify_nsfw, default_prompt("classify_nsfw"));  // no file: built-in
  EXPECT_EQ(with->condensation.semantic_prompt, "keep what matters\n");
  EXPECT_EQ(with->condensation.conversational_prompt, default_prompt("condensation_conversational"));
  EXPECT_TRUE(config->autoselect_prompts.selection.empty());  // the input snapshot is not changed
  // A snapshot made from values has no directory: built-in texts, the working directory is never read.
  auto from_values = with_prompt_texts(std::make_shared<Config>());
  EXPECT_EQ(from_values->autoselect_prompts.selection, default_prompt("autoselect"));
}

}  // namespace
}  // namespace aisbf::config_test
