// Each local condensation method on fixed conversations, with the exact
// expected result. Counts are by WordCounter (3 per message plus its words;
// the request adds 3 and its tool's 4 words), so the figures in the comments
// can be checked by hand; a few cases use the real cl100k counter.
#include <gtest/gtest.h>

#include "context/condense.hpp"
#include "context/condense_invariants.hpp"
#include "context/condense_test_support.hpp"
#include "context/tokenizer.hpp"

namespace aisbf::context {
namespace {

using namespace testing;

std::optional<ChatRequest> run(CondenseMethod method, const ChatRequest& r, std::int64_t goal,
                               const TokenCounter& counter) {
  auto out = condense_locally(method, r, CondenseGoal{goal}, counter);
  if (out) {
    auto broken = broken_invariant(r, *out);
    EXPECT_FALSE(broken) << *broken;
  }
  return out;
}

// Message tokens: 8 10 8 5 7 10 7 5 8 7 9 (84); the request 91. Units:
// [0] [1] [2] [3,4] [5] [6] [7,8] [9] [10]; 0 and 10 are protected.
ChatRequest agent_history() {
  return request_of({
      sys("You are a coding agent."),
      user("Fix the failing build in src/app.cpp please."),
      assistant("I will read the file."),
      call("c1", "read_file", R"({"path":"src/app.cpp"})"),
      result("c1", "error: main returns 1"),
      assistant("The build fails because main returns 1."),
      user("What about the tests?"),
      call("c2", "run_tests", "{}"),
      result("c2", "3 passed, 1 failed: test_parse"),
      assistant("One test fails: test_parse."),
      user("Please fix test_parse in src/app.cpp now."),
  });
}

std::string rendered(const std::vector<Message>& messages) { return render(request_of(messages)); }

TEST(CondenseMethods, TheCounterOfTheseTestsCountsWhatTheCommentsSay) {
  WordCounter count;
  EXPECT_EQ(count.request(agent_history()), 91);
}

TEST(CondenseSlidingWindow, DropsTheOldestUnitsWithOneMarkerForTheRun) {
  // u1 (10): 81, no marker (a marker costs 11); u2 (8): 91 - 18 + 11 = 84;
  // u3 (12): 91 - 30 + 11 = 72 ≤ 76.
  auto out = run(CondenseMethod::sliding_window, agent_history(), 76, WordCounter());
  ASSERT_TRUE(out);
  auto h = agent_history().messages;
  EXPECT_EQ(render(*out), rendered({h[0], user("[aisbf condensed: 4 earlier messages omitted by sliding_window]"), h[5],
                                    h[6], h[7], h[8], h[9], h[10]}));
  EXPECT_EQ(WordCounter().request(*out), 72);
}

TEST(CondenseImportanceBased, DropsTheLowestScoresFirstAndKeepsErrors) {
  // Scores: u2 2, u1 3, u4 3, u3 4 (its output is an error), u6 5, u7 5,
  // u5 6. u2: 83; u1 (joins u2's run): 91 - 18 + 11 = 84; u4 alone (10,
  // no marker): 74 ≤ 76.
  auto out = run(CondenseMethod::importance_based, agent_history(), 76, WordCounter());
  ASSERT_TRUE(out);
  auto h = agent_history().messages;
  EXPECT_EQ(render(*out), rendered({h[0], user("[aisbf condensed: 2 earlier messages omitted by importance_based]"),
                                    h[3], h[4], h[6], h[7], h[8], h[9], h[10]}));
  EXPECT_EQ(WordCounter().request(*out), 74);
}

TEST(CondenseEntityAware, KeepsWhatMentionsTheLastTurnsNames) {
  // The last turn names test_parse and src/app.cpp: u1, u3, u6, u7 mention
  // them; u2 (8) and u5 (10) go, each alone and without a marker: 73 ≤ 76.
  auto out = run(CondenseMethod::entity_aware, agent_history(), 76, WordCounter());
  ASSERT_TRUE(out);
  auto h = agent_history().messages;
  EXPECT_EQ(render(*out), rendered({h[0], h[1], h[3], h[4], h[6], h[7], h[8], h[9], h[10]}));
  EXPECT_EQ(WordCounter().request(*out), 73);
}

TEST(CondenseDropMethods, NothingToDoOrNothingToRemoveIsNullopt) {
  for (auto method : {CondenseMethod::conversational, CondenseMethod::semantic}) {  // pipeline/ runs them
    EXPECT_FALSE(run(method, agent_history(), 1, WordCounter())) << condense_method_name(method);
  }
  for (auto method : {CondenseMethod::sliding_window, CondenseMethod::importance_based, CondenseMethod::entity_aware,
                      CondenseMethod::hierarchical, CondenseMethod::algorithmic, CondenseMethod::code_aware}) {
    EXPECT_FALSE(run(method, agent_history(), 91, WordCounter())) << condense_method_name(method);  // fits already
    ChatRequest bare = request_of({sys("Be brief."), user("Hello there.")});
    EXPECT_FALSE(run(method, bare, 1, WordCounter())) << condense_method_name(method);  // all protected
  }
}

// Message tokens: 5 17 15 16 15 13 14 13 14 9 (131); the request 138.
ChatRequest project_history() {
  return request_of({
      sys("Be brief."),
      user("Start the project. We need a parser and a lexer for the config language."),
      assistant("Sure. I will begin with the lexer and then write the parser."),
      user("Now add tests for the lexer. Cover numbers, strings and comments in detail."),
      assistant("Done. I added twelve tests covering numbers, strings and comments, all passing."),
      user("Next, document the grammar. Put it in docs/grammar.md with examples."),
      assistant("Written. The grammar document lists every rule with two examples each."),
      user("Then refactor the parser. Split it into smaller functions please."),
      assistant("Refactored. The parser is now six functions of under forty lines."),
      user("Finally, what is left to do?"),
  });
}

TEST(CondenseHierarchical, SummarisesTheMiddlePhasesKeepingTheFirstTurnAndTheRecentUnits) {
  // Kept: the system message, the first turn (1, 2), the last four units
  // (6-9). Phases: {3, 4} (31 tokens) and {5}. Phase 1's summary is 24:
  // 138 - 31 + 24 = 131 ≤ 133.
  auto out = run(CondenseMethod::hierarchical, project_history(), 133, WordCounter());
  ASSERT_TRUE(out);
  auto h = project_history().messages;
  auto summary = user(
      "[aisbf condensed by hierarchical: phase 1, 2 messages, first sentences]\n"
      "- user: Now add tests for the lexer.\n"
      "- assistant: Done.");
  EXPECT_EQ(render(*out), rendered({h[0], h[1], h[2], summary, h[5], h[6], h[7], h[8], h[9]}));
  EXPECT_EQ(WordCounter().request(*out), 131);
}

TEST(CondenseHierarchical, BestEffortKeepsOnlySummariesShorterThanTheirPhase) {
  // Phase 2's summary (19) is longer than message 5 (13): it stays, and the
  // result is above the goal, for the next method to try.
  auto out = run(CondenseMethod::hierarchical, project_history(), 100, WordCounter());
  ASSERT_TRUE(out);
  EXPECT_EQ(WordCounter().request(*out), 131);
  EXPECT_EQ(out->messages.size(), 9u);
}

std::string long_output_cut() {
  // Lines 1-145 are 1197 bytes (≤ 1200), lines 313-400 the last ≤ 800.
  return numbered_lines(1, 145) + "\n[… 167 lines, 1503 bytes omitted …]\n" + numbered_lines(313, 400);
}

std::string words_ending(std::string_view last) {
  std::string out;
  for (int i = 0; i < 60; ++i) out += "alpha" + std::to_string(i) + " ";
  return out + std::string(last);
}

// The repeated "Run the tests." is not the first message: a first one
// would stay (the conversation must keep starting with a user message).
ChatRequest noisy_history() {
  return request_of({
      sys("Be brief."),
      user("Hello."),
      user("Run the tests."),
      call("c1", "run_tests", "{}"),
      result("c1", "ok   1\n\n\n\nok 2   \nok 2\nok 2\nok 2\nok 2"),
      assistant("Tests pass."),
      user("Run the tests."),
      call("c2", "run_tests", "{}"),
      result("c2", numbered_lines(1, 400)),
      call("c3", "lint", "{}"),
      result("c3", words_ending("done")),
      call("c4", "lint", "{}"),
      result("c4", words_ending("finished")),
      user("Thanks. Now run the tests again."),
  });
}

std::vector<Message> noisy_condensed() {
  auto h = noisy_history().messages;
  return {h[0],  h[1],
          h[3],  result("c1", "ok 1\n\nok 2\n[previous line repeated 4 more times]"),
          h[5],  h[6],
          h[7],  result("c2", long_output_cut()),
          h[9],  result("c3", "[aisbf condensed: a nearly identical output follows later]"),
          h[11], h[12],
          h[13]};
}

// The goal is the expected result's size, so every step runs and the last
// one (the long output) ends exactly at the goal.
TEST(CondenseAlgorithmic, CollapsesDeduplicatesAndCutsLongOutputs) {
  WordCounter count;
  auto expected = request_of(noisy_condensed());
  auto out = run(CondenseMethod::algorithmic, noisy_history(), count.request(expected), count);
  ASSERT_TRUE(out);
  EXPECT_EQ(render(*out), render(expected));
}

TEST(CondenseAlgorithmic, StopsAtTheFirstStepThatReachesTheGoal) {
  WordCounter count;
  auto h = noisy_history().messages;
  h[4] = result("c1", "ok 1\n\nok 2\n[previous line repeated 4 more times]");
  auto out = run(CondenseMethod::algorithmic, noisy_history(), count.request(request_of(h)), count);
  ASSERT_TRUE(out);
  EXPECT_EQ(render(*out), render(request_of(h)));
}

TEST(CondenseAlgorithmic, ALeadingDuplicateBecomesANoteSoTheConversationStillStartsWithTheUser) {
  std::string ask = "Please run the whole test suite again and tell me which tests fail and why.";
  ChatRequest r = request_of({sys("Be brief."), user(ask), assistant("Two tests fail."), user(ask),
                              assistant("Two tests fail."), user("Thanks.")});
  auto out = run(CondenseMethod::algorithmic, r, 1, WordCounter());
  ASSERT_TRUE(out);
  EXPECT_EQ(render(*out), rendered({sys("Be brief."), user("[aisbf condensed: the same message appears again later]"),
                                    user(ask), assistant("Two tests fail."), user("Thanks.")}));
}

ChatRequest code_history() {
  return request_of({
      sys("Be brief."),
      user("Improve src/a.cpp please."),
      call("c1", "read_file", R"({"path":"src/a.cpp"})"),
      result("c1", "int a() { return 1; }\nint b() { return 2; }\nint c() { return 3; }"),
      assistant("I see three functions. I will merge them into one function that returns the sum.\n"
                "```cpp\nint abc() { return 6; }\n```"),
      call("c2", "run_shell", R"({"cmd":"make"})"),
      result("c2", numbered_lines(1, 400)),
      call("c3", "read_file", R"({"path":"src/a.cpp"})"),
      result("c3", "int abc() { return 6; }"),
      user("Good. Now what?"),
  });
}

TEST(CondenseCodeAware, OlderFileVersionsThenToolOutputsThenProseGoCodeStays) {
  WordCounter count;
  auto h = code_history().messages;
  auto expected = request_of({h[0], h[1], h[2],
                              result("c1", "[aisbf condensed: an older version of src/a.cpp; a later version follows]"),
                              assistant("I see three functions. […]\n```cpp\nint abc() { return 6; }\n```"), h[5],
                              result("c2", long_output_cut()), h[7], h[8], h[9]});
  auto out = run(CondenseMethod::code_aware, code_history(), count.request(expected), count);
  ASSERT_TRUE(out);
  EXPECT_EQ(render(*out), render(expected));
}

TEST(CondenseCodeAware, AtWorstKeepsTheLatestVersionOfEachFile) {
  // Units without code go first (1, then the shell call 5-6), then those
  // with code but no latest version (2-3, 4): one run, one marker.
  auto out = run(CondenseMethod::code_aware, code_history(), 1, WordCounter());
  ASSERT_TRUE(out);
  auto h = code_history().messages;
  EXPECT_EQ(render(*out),
            rendered({h[0], user("[aisbf condensed: 6 earlier messages omitted by code_aware]"), h[7], h[8], h[9]}));
}

const Tokenizer& cl100k() {
  auto loaded = tokenizer_for(Encoding::cl100k_base);
  if (!loaded) throw std::runtime_error(loaded.error().message);
  return **loaded;
}

TEST(CondenseWithTheRealCounter, SlidingWindowOnCl100k) {
  ChatTokenCounter count(cl100k());
  auto h = agent_history().messages;
  auto expected = request_of({h[0], user("[aisbf condensed: 4 earlier messages omitted by sliding_window]"), h[5], h[6],
                              h[7], h[8], h[9], h[10]});
  auto out = run(CondenseMethod::sliding_window, agent_history(), count.request(expected), count);
  ASSERT_TRUE(out);
  EXPECT_EQ(render(*out), render(expected));
}

TEST(CondenseWithTheRealCounter, AlgorithmicOnCl100k) {
  ChatTokenCounter count(cl100k());
  auto expected = request_of(noisy_condensed());
  auto out = run(CondenseMethod::algorithmic, noisy_history(), count.request(expected), count);
  ASSERT_TRUE(out);
  EXPECT_EQ(render(*out), render(expected));
}

TEST(CondenseWithTheRealCounter, CodeAwareOnCl100k) {
  ChatTokenCounter count(cl100k());
  auto out = run(CondenseMethod::code_aware, code_history(), 1, count);
  ASSERT_TRUE(out);
  auto h = code_history().messages;
  EXPECT_EQ(render(*out),
            rendered({h[0], user("[aisbf condensed: 6 earlier messages omitted by code_aware]"), h[7], h[8], h[9]}));
  EXPECT_LT(count.request(*out), count.request(code_history()));
}

}  // namespace
}  // namespace aisbf::context
