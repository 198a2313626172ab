// SplitOutput on its own: chunks' answers in, one answer out (the e2e test
// request_splitting.test.mjs drives it through the binary).
#include "pipeline/split_output.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

namespace aisbf {
namespace {

// What reached "the client".
class Recorder final : public TranslatedOutput {
 public:
  boost::asio::awaitable<bool> whole(const ChatResponse& response) override {
    wholes.push_back(response);
    started_ = true;
    co_return true;
  }
  boost::asio::awaitable<bool> events(const std::vector<StreamEvent>& e) override {
    if (gone) co_return false;
    seen.insert(seen.end(), e.begin(), e.end());
    started_ = true;
    co_return true;
  }
  boost::asio::awaitable<void> finish(const std::optional<GatewayError>& error) override {
    finishes.push_back(error);
    co_return;
  }
  bool started() const override { return started_; }

  std::vector<ChatResponse> wholes;
  std::vector<StreamEvent> seen;
  std::vector<std::optional<GatewayError>> finishes;
  bool gone = false;  // the client left: events are not delivered

 private:
  bool started_ = false;
};

void run(std::function<boost::asio::awaitable<void>()> body) {
  boost::asio::io_context io;
  boost::asio::co_spawn(io, body(), boost::asio::detached);
  io.run();
}

const std::optional<GatewayError> kNoError;

Usage usage(std::int64_t prompt, std::int64_t completion, std::optional<std::int64_t> effective = std::nullopt) {
  Usage u;
  u.prompt_tokens = prompt;
  u.completion_tokens = completion;
  u.total_tokens = prompt + completion;
  u.effective_context = effective;
  return u;
}

std::string texts(const std::vector<StreamEvent>& events) {
  std::string out;
  for (const auto& e : events)
    if (const auto* t = std::get_if<TextDelta>(&e)) out += t->text;
  return out;
}

template <class T>
std::vector<T> all_of(const std::vector<StreamEvent>& events) {
  std::vector<T> out;
  for (const auto& e : events)
    if (const auto* x = std::get_if<T>(&e)) out.push_back(*x);
  return out;
}

TEST(SplitOutput, StreamsEveryChunkThenOneFinishOneUsageOneEnd) {
  Recorder client;
  SplitOutput out(client);
  run([&]() -> boost::asio::awaitable<void> {
    const char* words[] = {"one", "two", "three"};
    for (int i = 0; i < 3; ++i) {
      out.begin_chunk(i == 2);
      const std::vector<StreamEvent> events{StreamStart{"id" + std::to_string(i), "m", 1}, TextDelta{words[i]},
                                            UsageEvent{usage(1, 1)}, FinishEvent{FinishReason::stop},
                                            UsageEvent{usage(10 * (i + 1), i + 1, 7)}};
      co_await out.events(events);
      co_await out.finish(kNoError);
    }
  });
  EXPECT_EQ(texts(client.seen), "one\n\ntwo\n\nthree");
  ASSERT_EQ(all_of<StreamStart>(client.seen).size(), 1u);
  EXPECT_EQ(all_of<StreamStart>(client.seen)[0].id, "id0");
  const auto finishes = all_of<FinishEvent>(client.seen);
  ASSERT_EQ(finishes.size(), 1u);
  EXPECT_EQ(finishes[0].split_chunks, 3);
  const auto usages = all_of<UsageEvent>(client.seen);
  ASSERT_EQ(usages.size(), 1u);  // each chunk's last report, summed
  EXPECT_EQ(usages[0].usage.prompt_tokens, 60);
  EXPECT_EQ(usages[0].usage.completion_tokens, 6);
  EXPECT_EQ(usages[0].usage.total_tokens, 66);
  EXPECT_EQ(usages[0].usage.effective_context, 21);
  EXPECT_TRUE(std::holds_alternative<UsageEvent>(client.seen.back()));
  EXPECT_EQ(client.finishes.size(), 1u);
  EXPECT_TRUE(out.ended());
}

TEST(SplitOutput, AToolCallEndsTheSplitThere) {
  Recorder client;
  SplitOutput out(client);
  run([&]() -> boost::asio::awaitable<void> {
    const std::vector<StreamEvent> first{TextDelta{"first"}, FinishEvent{FinishReason::stop}};
    const std::vector<StreamEvent> second{ToolCallDelta{0, "c1", "get_weather", "{}"},
                                          FinishEvent{FinishReason::tool_calls}};
    out.begin_chunk(false);
    co_await out.events(first);
    co_await out.finish(kNoError);
    out.begin_chunk(false);
    co_await out.events(second);
    co_await out.finish(kNoError);
  });
  EXPECT_TRUE(out.ended());
  EXPECT_EQ(out.chunks(), 2);
  const auto finishes = all_of<FinishEvent>(client.seen);
  ASSERT_EQ(finishes.size(), 1u);
  EXPECT_EQ(finishes[0].reason, FinishReason::tool_calls);
  EXPECT_EQ(finishes[0].split_chunks, 2);
  EXPECT_EQ(all_of<ToolCallDelta>(client.seen).size(), 1u);
  EXPECT_EQ(texts(client.seen), "first");
}

TEST(SplitOutput, AnErrorAfterTheStartEndsTheStreamWithIt) {
  Recorder client;
  SplitOutput out(client);
  run([&]() -> boost::asio::awaitable<void> {
    const std::vector<StreamEvent> first{TextDelta{"first"}};
    const std::optional<GatewayError> cut = make_error(ErrorKind::upstream_protocol, "cut");
    out.begin_chunk(false);
    co_await out.events(first);
    co_await out.finish(kNoError);
    out.begin_chunk(true);
    co_await out.finish(cut);
    co_await out.finish(kNoError);  // a second end is ignored
  });
  EXPECT_TRUE(all_of<FinishEvent>(client.seen).empty());
  ASSERT_EQ(client.finishes.size(), 1u);
  ASSERT_TRUE(client.finishes[0]);
  EXPECT_EQ(client.finishes[0]->message, "cut");
}

TEST(SplitOutput, WholeAnswersAreJoinedOnceAtTheEnd) {
  Recorder client;
  SplitOutput out(client);
  run([&]() -> boost::asio::awaitable<void> {
    for (int i = 0; i < 3; ++i) {
      out.begin_chunk(i == 2);
      ChatResponse r;
      r.id = "r" + std::to_string(i);
      r.message.role = Role::assistant;
      if (i != 1) r.message.content.emplace_back(TextBlock{"part " + std::to_string(i)});
      r.finish_reason = i == 2 ? FinishReason::length : FinishReason::stop;
      r.usage = usage(5, 2, i == 0 ? std::optional<std::int64_t>(4) : std::nullopt);
      const bool delivered = co_await out.whole(r);
      EXPECT_TRUE(delivered);
      EXPECT_EQ(client.wholes.size(), i == 2 ? 1u : 0u);
    }
  });
  ASSERT_EQ(client.wholes.size(), 1u);
  const ChatResponse& joined = client.wholes[0];
  EXPECT_EQ(joined.id, "r0");
  ASSERT_EQ(joined.message.content.size(), 1u);
  EXPECT_EQ(std::get<TextBlock>(joined.message.content[0]).text, "part 0\n\npart 2");  // an empty answer adds nothing
  EXPECT_EQ(joined.finish_reason, FinishReason::length);
  EXPECT_EQ(joined.split_chunks, 3);
  ASSERT_TRUE(joined.usage);
  EXPECT_EQ(joined.usage->prompt_tokens, 15);
  EXPECT_EQ(joined.usage->total_tokens, 21);
  EXPECT_EQ(joined.usage->effective_context, 4);
}

// The quota settles in before_end (split_attempt.cpp): once, before the
// joined answer's last bytes, whichever way it ends; never when the client
// left first (the caller settles then).
struct Seen {
  std::size_t wholes, events, finishes;
};
// A split whose before_end notes, in `at`, what the client had been sent when it ran.
struct Watched {
  Recorder client;
  std::vector<Seen> at;
  SplitOutput out{client, [this] { at.push_back({client.wholes.size(), client.seen.size(), client.finishes.size()}); }};
};

TEST(SplitOutput, BeforeEndRunsOnceJustBeforeTheLastBytes) {
  const std::vector<StreamEvent> text{TextDelta{"t"}};
  const std::vector<StreamEvent> tail{FinishEvent{FinishReason::stop, 0}, UsageEvent{usage(3, 1)}};
  {  // streamed: before the finish, the usage and the end
    Watched w;
    auto& [client, at, out] = w;
    run([&]() -> boost::asio::awaitable<void> {
      for (int i = 0; i < 2; ++i) {
        out.begin_chunk(i == 1);
        co_await out.events(text);
        co_await out.events(tail);
        co_await out.finish(kNoError);
      }
    });
    ASSERT_EQ(at.size(), 1u);
    EXPECT_EQ(at[0].events, 3u);  // the texts and their separator, no finish yet
    EXPECT_EQ(at[0].finishes, 0u);
    EXPECT_EQ(client.finishes.size(), 1u);
    EXPECT_FALSE(out.client_left());
  }
  {  // whole: before the joined answer
    Watched w;
    auto& [client, at, out] = w;
    run([&]() -> boost::asio::awaitable<void> {
      for (int i = 0; i < 2; ++i) {
        out.begin_chunk(i == 1);
        ChatResponse r;
        r.message.role = Role::assistant;
        r.message.content.emplace_back(TextBlock{"part"});
        co_await out.whole(r);
      }
    });
    ASSERT_EQ(at.size(), 1u);
    EXPECT_EQ(at[0].wholes, 0u);
    EXPECT_EQ(client.wholes.size(), 1u);
  }
  {  // an error after the start: before the error's end
    Watched w;
    auto& [client, at, out] = w;
    run([&]() -> boost::asio::awaitable<void> {
      out.begin_chunk(false);
      co_await out.events(text);
      co_await out.finish(kNoError);
      out.begin_chunk(true);
      const std::optional<GatewayError> cut = make_error(ErrorKind::upstream_protocol, "cut");
      co_await out.finish(cut);
    });
    ASSERT_EQ(at.size(), 1u);
    EXPECT_EQ(at[0].finishes, 0u);
    EXPECT_EQ(client.finishes.size(), 1u);
  }
  {  // the client left during chunk 1: no end, no before_end
    Recorder client;
    int calls = 0;
    SplitOutput out(client, [&] { ++calls; });
    run([&]() -> boost::asio::awaitable<void> {
      out.begin_chunk(false);
      client.gone = true;
      const bool delivered = co_await out.events(text);
      EXPECT_FALSE(delivered);
    });
    EXPECT_TRUE(out.ended());
    EXPECT_TRUE(out.client_left());
    EXPECT_EQ(calls, 0);
  }
}

}  // namespace
}  // namespace aisbf
