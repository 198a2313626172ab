// The condensation methods run in order on the request path: the goal, the
// fall-through when a method fails, the refusal, and the LLM methods' splice.
#include "pipeline/condense_step.hpp"

#include <limits>
#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "pipeline/condense_splice.hpp"

namespace aisbf {
namespace {

using context::CondenseMethod;

// One token per byte of text, 4 per message, 3 for the reply: easy to reason about.
class ByteCounter final : public context::TokenCounter {
 public:
  std::int64_t message(const Message& m) const override {
    std::int64_t n = 4;
    for (const auto& b : m.content) {
      if (const auto* t = std::get_if<TextBlock>(&b)) n += static_cast<std::int64_t>(t->text.size());
    }
    return n;
  }
  std::int64_t request(const ChatRequest& r) const override {
    std::int64_t n = 3;
    for (const auto& m : r.messages) n += message(m);
    return n;
  }
};

Message text(Role role, std::string s) { return Message{role, {TextBlock{std::move(s)}}, {}}; }

ChatRequest conversation(int turns, std::size_t bytes) {
  ChatRequest r;
  r.model = "m";
  r.messages.push_back(text(Role::system, "system prompt"));
  for (int i = 0; i < turns; ++i) {
    r.messages.push_back(text(Role::user, std::string(bytes, 'u')));
    r.messages.push_back(text(Role::assistant, std::string(bytes, 'a')));
  }
  r.messages.push_back(text(Role::user, "the last question"));
  return r;
}

template <class Awaitable>
auto run(Awaitable make) {
  boost::asio::io_context io;
  std::optional<CondenseOutcome> out;
  boost::asio::co_spawn(
      io, [&]() -> boost::asio::awaitable<void> { out.emplace(co_await make()); },
      [](std::exception_ptr e) {
        if (!e) return;
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& x) {
          ADD_FAILURE() << x.what();
        }
      });
  io.run();
  return out;
}

// run_condense_methods on a fresh io_context.
std::optional<CondenseOutcome> condense(const ChatRequest& request, std::vector<CondenseMethod> methods,
                                        const CondenseLimits& limits, ModelMethod model) {
  static const ByteCounter count;
  return run([&] { return run_condense_methods(request, count.request(request), methods, limits, count, model); });
}

// A model method that fails for `failing` and otherwise summarises in `summary`.
struct FakeModel {
  std::optional<CondenseMethod> failing;
  std::string summary = "short summary";
  std::vector<CondenseMethod> asked;
  ModelMethod runner() {
    return [this](CondenseMethod m, const ChatRequest& r,
                  const context::CondenseGoal&) -> boost::asio::awaitable<std::optional<ChatRequest>> {
      asked.push_back(m);
      if (failing == m) co_return std::nullopt;
      auto split = split_for_summary(r);
      if (!split) co_return std::nullopt;
      co_return splice_summary(r, *split, "[summary]", summary);
    };
  }
};

TEST(CondenseStep, AFailingMethodFallsThroughToTheNext) {
  const ByteCounter count;
  const auto request = conversation(10, 100);
  const auto tokens = count.request(request);
  FakeModel model;
  model.failing = CondenseMethod::conversational;
  const auto limits = condense_limits(tokens - 10, 100000, std::nullopt);
  auto out = condense(request, {CondenseMethod::conversational, CondenseMethod::semantic}, limits, model.runner());
  ASSERT_TRUE(out && out->request);
  EXPECT_EQ(model.asked, (std::vector{CondenseMethod::conversational, CondenseMethod::semantic}));
  EXPECT_EQ(out->ran, std::vector{CondenseMethod::semantic});
  EXPECT_EQ(out->before, tokens);
  EXPECT_EQ(out->after, count.request(*out->request));
  EXPECT_EQ(out->header,
            "methods=semantic; before=" + std::to_string(tokens) + "; after=" + std::to_string(out->after));
  // The system prompt first and the last question last, as sent.
  EXPECT_EQ(std::get<TextBlock>(out->request->messages.front().content[0]).text, "system prompt");
  EXPECT_EQ(std::get<TextBlock>(out->request->messages.back().content[0]).text, "the last question");
  EXPECT_EQ(out->request->messages.size(), 3u);
}

TEST(CondenseStep, MethodsStopOnceTheGoalIsReached) {
  const ByteCounter count;
  const auto request = conversation(10, 100);
  const auto tokens = count.request(request);
  FakeModel model;
  const auto limits = condense_limits(tokens - 10, 100000, std::nullopt);
  auto out = condense(request, {CondenseMethod::conversational, CondenseMethod::semantic}, limits, model.runner());
  ASSERT_TRUE(out && out->request);
  EXPECT_EQ(model.asked, std::vector{CondenseMethod::conversational});
  EXPECT_LE(out->after, limits.goal);
}

TEST(CondenseStep, NothingThatFitsIsRefusedNamingTokensMaxTokensAndContext) {
  const ByteCounter count;
  auto request = conversation(10, 100);
  request.max_tokens = 500;
  const auto tokens = count.request(request);
  FakeModel model;
  model.summary = std::string(5000, 's');  // a "summary" longer than what it replaces
  const auto limits = condense_limits(1000, 1200, request.max_tokens);
  auto out = condense(request, {CondenseMethod::hierarchical, CondenseMethod::conversational}, limits, model.runner());
  ASSERT_TRUE(out && out->refusal);
  EXPECT_FALSE(out->request);
  EXPECT_TRUE(out->ran.empty());  // the longer answer was not kept
  EXPECT_EQ(out->refusal->status, 400);
  EXPECT_EQ(out->refusal->code, "context_length_exceeded");
  EXPECT_EQ(out->refusal->param, "messages");
  const std::string& m = out->refusal->message;
  EXPECT_NE(m.find("maximum context length is 1200 tokens"), std::string::npos) << m;
  EXPECT_NE(m.find("you requested " + std::to_string(tokens + 500) + " tokens (" + std::to_string(tokens) +
                   " in the messages, 500 in the completion)"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("hierarchical,conversational"), std::string::npos) << m;
}

TEST(CondenseStep, AboveTheGoalButWithinTheContextIsSentAsItWas) {
  const ByteCounter count;
  const auto request = conversation(3, 100);
  const auto tokens = count.request(request);
  FakeModel model;
  model.failing = CondenseMethod::conversational;
  const auto limits = condense_limits(tokens - 1, tokens + 100, std::nullopt);
  auto out = condense(request, {CondenseMethod::conversational}, limits, model.runner());
  ASSERT_TRUE(out);
  EXPECT_FALSE(out->refusal);
  EXPECT_FALSE(out->request);
  EXPECT_TRUE(out->header.empty());
}

TEST(CondenseSplice, ToolPairsStayWholeAndInstructionsStay) {
  ChatRequest r;
  r.messages.push_back(text(Role::system, "sys"));
  r.messages.push_back(text(Role::user, "first"));
  r.messages.push_back(text(Role::developer, "dev note"));
  r.messages.push_back(Message{Role::assistant, {ToolCallBlock{"c1", "read", "{}"}}, {}});
  r.messages.push_back(text(Role::user, "interjection"));
  r.messages.push_back(Message{Role::tool, {ToolResultBlock{"c1", "file text", false}}, {}});
  r.messages.push_back(text(Role::assistant, "done"));
  // The last user message is "interjection", but the result after it answers
  // the call before it: the pair stays whole in the tail.
  auto split = split_for_summary(r);
  ASSERT_TRUE(split);
  EXPECT_EQ(split->tail_begin, 3u);
  EXPECT_EQ(split->kept, (std::vector<std::size_t>{0, 2}));
  EXPECT_EQ(split->summarised, std::vector<std::size_t>{1});
  auto out = splice_summary(r, *split, "[h]", "s");
  ASSERT_EQ(out.messages.size(), 3u + 4u);
  EXPECT_EQ(std::get<TextBlock>(out.messages[2].content[0]).text, "[h]\n\ns");
  EXPECT_EQ(std::get<ToolCallBlock>(out.messages[3].content[0]).id, "c1");
  EXPECT_EQ(condensation_transcript(r, {1, 3, 5}),
            "user: first\n\nassistant: [called tool read with {}]\n\ntool: [tool result] file text");
}

// max_tokens alone fills the context: refused at once, no model asked (a
// paid call that cannot help), and the message's sum does not overflow.
TEST(CondenseStep, AnAnswerAsLargeAsTheContextIsRefusedWithoutAskingAModel) {
  auto request = conversation(10, 100);
  request.max_tokens = std::numeric_limits<std::int64_t>::max();
  FakeModel model;
  const auto limits = condense_limits(1000, 1200, request.max_tokens);
  auto out = condense(request, {CondenseMethod::conversational, CondenseMethod::hierarchical}, limits, model.runner());
  ASSERT_TRUE(out && out->refusal);
  EXPECT_TRUE(model.asked.empty());
  EXPECT_TRUE(out->ran.empty());
  EXPECT_NE(out->refusal->message.find(std::to_string(std::numeric_limits<std::int64_t>::max())), std::string::npos)
      << out->refusal->message;
}

// Each result one call late: the tail reaches back through the whole chain
// (read in one pass, however the calls and results are ordered).
TEST(CondenseSplice, ALateResultChainPullsEveryCallIntoTheTail) {
  ChatRequest r;
  r.messages.push_back(text(Role::system, "sys"));
  r.messages.push_back(text(Role::user, "first"));
  r.messages.push_back(Message{Role::assistant, {ToolCallBlock{"c0", "read", "{}"}}, {}});
  r.messages.push_back(Message{Role::assistant, {ToolCallBlock{"c1", "read", "{}"}}, {}});
  r.messages.push_back(Message{Role::tool, {ToolResultBlock{"c0", "zero", false}}, {}});
  r.messages.push_back(Message{Role::assistant, {ToolCallBlock{"c2", "read", "{}"}}, {}});
  r.messages.push_back(Message{Role::tool, {ToolResultBlock{"c1", "one", false}}, {}});
  r.messages.push_back(text(Role::user, "last"));
  r.messages.push_back(Message{Role::tool, {ToolResultBlock{"c2", "two", false}}, {}});
  auto split = split_for_summary(r);
  ASSERT_TRUE(split);
  EXPECT_EQ(split->tail_begin, 2u);
  EXPECT_EQ(split->summarised, std::vector<std::size_t>{1});
}

TEST(CondenseSplice, NothingToSummariseWithoutAnOlderTurn) {
  ChatRequest r;
  r.messages.push_back(text(Role::system, "sys"));
  r.messages.push_back(text(Role::user, "only"));
  EXPECT_FALSE(split_for_summary(r));
  EXPECT_EQ(last_user_text(r, 3), "onl");
  r.messages.back() = text(Role::user, "é");  // two bytes: a cut inside it is moved before it
  EXPECT_EQ(last_user_text(r, 1), "");
}

}  // namespace
}  // namespace aisbf
