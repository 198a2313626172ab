// Properties of every local method on randomised conversations (seeded, so
// a failure replays): the invariants hold, the request never grows (and
// shrinks whenever something changed), the result is deterministic. Then
// the invariant checker itself, on broken results it must catch.
#include <gtest/gtest.h>

#include "context/condense.hpp"
#include "context/condense_invariants.hpp"
#include "context/condense_splice.hpp"
#include "context/condense_test_support.hpp"

namespace aisbf::context {
namespace {

using namespace testing;

// Conversations with what condensation must handle: tool calls (one or two
// per message) and their results, long outputs, repeated and nearly repeated
// outputs, file reads and writes, code blocks, images, reasoning, system
// messages in the middle, and last turns that are agent loops.
class Generator {
 public:
  explicit Generator(std::uint64_t seed) : rng_(seed) {}

  ChatRequest conversation() {
    std::vector<Message> m{sys(sentence(8))};
    if (chance(3)) m.push_back(text(Role::developer, sentence(6)));
    int turns = 1 + pick(7);
    for (int t = 0; t < turns; ++t) {
      m.push_back(user_message());
      int steps = pick(6);
      for (int s = 0; s < steps; ++s) step(m);
      if (chance(8)) m.push_back(sys("Reminder: " + sentence(5)));
    }
    if (chance(6))
      m.push_back(with_image(assistant("Here is the chart."), "https://img/chart" + std::to_string(pick(9))));
    ChatRequest r = request_of(std::move(m));
    if (chance(2)) r.extensions["seed"] = 7;
    return r;
  }

 private:
  int pick(int n) { return static_cast<int>(rng_() % static_cast<std::uint64_t>(n)); }
  bool chance(int one_in) { return pick(one_in) == 0; }

  std::string sentence(int words) {
    static constexpr std::string_view kWords[] = {
        "the",       "parser", "fails", "on", "src/lexer.cpp", "when", "a",    "string", "ends", "test_parse", "with",
        "ErrorCode", "404",    "and",   "we", "fix",           "it.",  "Why?", "Then",   "build"};
    std::string out;
    for (int i = 0; i < words; ++i) out += std::string(kWords[pick(20)]) + (i + 1 < words ? " " : "");
    return out;
  }

  Message user_message() {
    if (!asked_.empty() && chance(5))
      return user(asked_[static_cast<std::size_t>(pick(static_cast<int>(asked_.size())))]);
    asked_.push_back(sentence(3 + pick(12)));
    Message m = user(asked_.back());
    if (chance(5)) m = with_image(std::move(m), "https://img/" + std::to_string(pick(1000)));
    return m;
  }

  std::string output() {
    switch (pick(6)) {
      case 0:
        return numbered_lines(1, 50 + pick(600));
      case 1:
        if (!outputs_.empty()) return outputs_[static_cast<std::size_t>(pick(static_cast<int>(outputs_.size())))];
        [[fallthrough]];
      case 2:
        if (!outputs_.empty()) return outputs_.back() + " " + sentence(1);
        [[fallthrough]];
      case 3:
        return "a   b  \n\n\n\nc\nc\nc\nc\n" + sentence(30);
      default:
        outputs_.push_back(sentence(40 + pick(40)));
        return outputs_.back();
    }
  }

  void step(std::vector<Message>& m) {
    switch (pick(5)) {
      case 0:
        m.push_back(assistant(sentence(10) + "\n```cpp\nint f() { return " + std::to_string(pick(9)) + "; }\n```\n" +
                              sentence(12)));
        return;
      case 1: {
        Message a = assistant(sentence(6));
        a.content.insert(a.content.begin(), ThinkingBlock{sentence(8), "sig"});
        m.push_back(std::move(a));
        return;
      }
      default:
        break;
    }
    int calls = 1 + (chance(3) ? 1 : 0);
    Message a = chance(2) ? assistant(sentence(5)) : Message{Role::assistant, {}, {}};
    std::vector<Message> results;
    for (int c = 0; c < calls; ++c) {
      std::string id = "call_" + std::to_string(next_id_++);
      std::string file = "src/f" + std::to_string(pick(4)) + ".cpp";
      switch (pick(3)) {
        case 0:
          a.content.emplace_back(ToolCallBlock{id, "read_file", R"({"path":")" + file + R"("})"});
          break;
        case 1:
          a.content.emplace_back(ToolCallBlock{id, "write_file", R"({"path":")" + file + R"(","content":"int x;"})"});
          break;
        default:
          a.content.emplace_back(ToolCallBlock{id, "run_shell", R"({"cmd":"make"})"});
          break;
      }
      results.push_back(result(id, output()));
    }
    m.push_back(std::move(a));
    for (auto& r : results) m.push_back(std::move(r));
  }

  std::mt19937_64 rng_;
  std::vector<std::string> asked_;
  std::vector<std::string> outputs_;
  int next_id_ = 0;
};

constexpr CondenseMethod kLocal[] = {CondenseMethod::hierarchical,   CondenseMethod::algorithmic,
                                     CondenseMethod::sliding_window, CondenseMethod::importance_based,
                                     CondenseMethod::entity_aware,   CondenseMethod::code_aware};

TEST(CondenseProperties, EveryMethodKeepsTheInvariantsNeverGrowsAndIsDeterministic) {
  WordCounter count;
  int changed = 0, reached = 0;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    Generator gen(seed);
    ChatRequest before = gen.conversation();
    std::int64_t size = count.request(before);
    std::int64_t goal = size * static_cast<std::int64_t>(10 + seed % 85) / 100;
    for (auto method : kLocal) {
      SCOPED_TRACE(::testing::Message() << "seed " << seed << ", " << condense_method_name(method));
      auto after = condense_locally(method, before, CondenseGoal{goal}, count);
      auto again = condense_locally(method, before, CondenseGoal{goal}, count);
      ASSERT_EQ(after.has_value(), again.has_value());
      if (!after) continue;
      ++changed;
      auto broken = broken_invariant(before, *after);
      ASSERT_FALSE(broken) << *broken << "\n" << render(before) << "→\n" << render(*after);
      EXPECT_LT(count.request(*after), size);
      EXPECT_EQ(render(*after), render(*again));
      reached += count.request(*after) <= goal ? 1 : 0;
    }
  }
  // The generator must exercise the methods, not let them all give up.
  EXPECT_GT(changed, 1400);
  EXPECT_GT(reached, 900);
}

TEST(CondenseProperties, SplicedSummariesKeepTheInvariants) {
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    Generator gen(seed);
    ChatRequest before = gen.conversation();
    auto span = span_to_summarise(before);
    if (!span) continue;
    EXPECT_FALSE(span_transcript(before, *span, 4000).empty());
    EXPECT_LE(span_transcript(before, *span, 4000).size(), 4100u);
    ChatRequest after = splice_summary(before, *span, "conversational", "They fixed the parser.");
    auto broken = broken_invariant(before, after);
    ASSERT_FALSE(broken) << "seed " << seed << ": " << *broken << "\n" << render(before);
  }
}

ChatRequest paired() {
  return request_of({sys("Be brief."), user("Read it."), call("c1", "read_file", "{}"), result("c1", "text"),
                     assistant("Done."), with_image(user("And this?"), "https://img/1")});
}

TEST(CondenseInvariants, CatchWhatBreaks) {
  ChatRequest before = paired();
  EXPECT_FALSE(broken_invariant(before, before));

  auto broken = [&](auto edit) {
    ChatRequest after = before;
    edit(after);
    return broken_invariant(before, after).value_or("kept");
  };
  EXPECT_EQ(broken([](ChatRequest& r) { r.messages.erase(r.messages.begin() + 2); }),
            "tool result c1 has no call before it");
  EXPECT_EQ(broken([](ChatRequest& r) { r.messages.erase(r.messages.begin() + 3); }), "tool call c1 lost its result");
  EXPECT_EQ(broken([](ChatRequest& r) { r.messages.insert(r.messages.begin() + 3, assistant("Hm.")); }),
            "tool result c1 no longer follows its call directly");
  EXPECT_EQ(broken([](ChatRequest& r) { r.messages[0] = sys("Be long."); }), "system message 0 changed");
  EXPECT_EQ(broken([](ChatRequest& r) { r.messages.erase(r.messages.begin()); }), "the system messages changed");
  EXPECT_EQ(broken([](ChatRequest& r) { r.messages.back() = user("And this?"); }), "the last user message changed");
  EXPECT_EQ(broken([](ChatRequest& r) { r.messages.push_back(user("More.")); }), "the last user message changed");
  EXPECT_EQ(broken([](ChatRequest& r) { r.messages.erase(r.messages.begin() + 1); }),
            "the conversation no longer starts with a user message");
  EXPECT_EQ(broken([](ChatRequest& r) { r.max_tokens = 5; }), "max_tokens changed");
  EXPECT_EQ(broken([](ChatRequest& r) { r.tools.clear(); }), "the tools changed");
  EXPECT_EQ(broken([](ChatRequest& r) { r.tool_choice.mode = ToolChoiceMode::none; }), "tool_choice changed");
  EXPECT_EQ(broken([](ChatRequest& r) { r.extensions["seed"] = 1; }), "the extensions changed");
  EXPECT_EQ(broken([](ChatRequest& r) { r.model = "x"; }), "the model changed");
  // Dropping the unit whole is fine; so is an orphan the caller sent.
  EXPECT_EQ(broken([](ChatRequest& r) { r.messages.erase(r.messages.begin() + 2, r.messages.begin() + 4); }), "kept");
}

TEST(CondenseInvariants, ImagesOfTheLastTurnAreKept) {
  ChatRequest before = paired();
  before.messages.push_back(with_image(assistant("See."), "https://img/2"));
  ChatRequest after = before;
  after.messages.back() = assistant("See.");
  EXPECT_EQ(broken_invariant(before, after).value_or("kept"), "an image of the last turn is lost");
}

TEST(CondenseSplice, SummarisesTheHistoryBeforeTheLastUserMessage) {
  ChatRequest r = request_of({sys("S."), user("A."), assistant("B."), call("c1", "f", "{}"), result("c1", "x"),
                              user("C."), assistant("D."), user("E?")});
  auto span = span_to_summarise(r);
  ASSERT_TRUE(span);
  EXPECT_EQ(span->begin, 1u);
  EXPECT_EQ(span->end, 7u);
  EXPECT_EQ(span_transcript(r, *span, 1000),
            "user: A.\nassistant: B.\nassistant: [called f {}]\ntool: [result: x]\nuser: C.\nassistant: D.\n");
  EXPECT_EQ(render(splice_summary(r, *span, "conversational", "They talked.")),
            "system: S.\nuser: [aisbf condensed: 6 messages summarised by conversational]\nThey talked.\nuser: E?\n");
}

TEST(CondenseSplice, InOneLongTurnSummarisesTheOlderSteps) {
  std::vector<Message> m{sys("S."), user("Do it.")};
  for (int i = 0; i < 6; ++i) {
    m.push_back(call("c" + std::to_string(i), "f", "{}"));
    m.push_back(result("c" + std::to_string(i), "out"));
  }
  ChatRequest r = request_of(m);
  auto span = span_to_summarise(r);
  ASSERT_TRUE(span);
  EXPECT_EQ(span->begin, 2u);
  EXPECT_EQ(span->end, 6u);  // the last four steps stay
  ChatRequest after = splice_summary(r, *span, "semantic", "Two steps.");
  EXPECT_EQ(after.messages[2].role, Role::assistant);
  EXPECT_FALSE(broken_invariant(r, after));
  EXPECT_FALSE(span_to_summarise(request_of({sys("S."), user("Hi.")})));
}

}  // namespace
}  // namespace aisbf::context
