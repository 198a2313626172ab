// The response cache's single flight: one leader per key; a live follower
// woken on each append (on its own executor, another thread's too) reads
// the bytes past its offset; a follower of the verdict sleeps through
// appends; the cap drops the bytes and says so; a leader dropped unsettled
// releases its followers; a follower's deadline and its client's leaving
// end its wait; the table is bounded; the leader's sink records what its
// client gets.
#include "pipeline/response_flights.hpp"

#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

namespace aisbf {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using Settled = ResponseFlights::Settled;
using View = ResponseFlights::View;

const auto kLater = Clock::now() + std::chrono::hours(1);

// A follower on `io` that reads until the bytes end or are dropped (live)
// or the verdict comes, recording each view it got; nullopt ends it too.
struct Follower {
  std::vector<std::optional<View>> views;
  std::string bytes;
  bool done = false;
};

void spawn_follower(asio::io_context& io, std::shared_ptr<ResponseFlights::Flight> flight, bool live,
                    Clock::time_point deadline, CancelSlot& cancel, Follower& out) {
  asio::co_spawn(
      io,
      [flight, live, deadline, &cancel, &out]() -> asio::awaitable<void> {
        for (;;) {
          auto view = co_await ResponseFlights::next(flight, out.bytes.size(), live, deadline, cancel);
          out.views.push_back(view);
          if (!view) break;
          out.bytes += view->bytes;
          if (view->closed || view->overflow || view->settled != Settled::open || view->entry ||
              (view->head && !view->live)) {
            break;
          }
        }
        out.done = true;
      },
      asio::detached);
}

class OneFlight : public ::testing::Test {
 protected:
  void SetUp() override {
    first_ = flights_.join("k", true);
    second_ = flights_.join("k", false);
    ASSERT_NE(first_.lead, nullptr);
    ASSERT_NE(second_.follow, nullptr);
  }
  ResponseFlights::Lead& lead() { return *first_.lead; }
  void stream_head() { lead().note_head(200, "text/event-stream", {}, true, true); }
  // Runs what is ready (an io_context out of work stops: restarted first).
  std::size_t poll() {
    io_.restart();
    return io_.poll();
  }

  ResponseFlights flights_{16, 8};
  ResponseFlights::Joined first_, second_;
  asio::io_context io_;
  CancelSlot cancel_;
  Follower got_;
};

TEST_F(OneFlight, OneLeadsTheOthersFollowAndAnotherKeyLeadsAlone) {
  EXPECT_EQ(first_.follow, nullptr);
  EXPECT_EQ(second_.lead, nullptr);
  EXPECT_NE(flights_.join("other", false).lead, nullptr);
  EXPECT_EQ(flights_.size(), 1u);  // the other one's lead was dropped: its key is free
  lead().settle(Settled::dropped);
  EXPECT_EQ(flights_.size(), 0u);
  EXPECT_NE(flights_.join("k", false).lead, nullptr);  // settled: the next request leads anew
}

TEST_F(OneFlight, ALiveFollowerIsWokenByEachAppendAndReadsPastItsOffset) {
  spawn_follower(io_, second_.follow, true, kLater, cancel_, got_);
  poll();
  EXPECT_TRUE(got_.views.empty());  // asleep: nothing yet
  stream_head();
  poll();
  EXPECT_TRUE(got_.views.empty());  // a live head is no news: its bytes are
  lead().note_bytes("ab");
  poll();
  ASSERT_EQ(got_.views.size(), 1u);
  EXPECT_TRUE(got_.views[0]->head && got_.views[0]->live);
  EXPECT_TRUE(got_.views[0]->usage);  // the leader's, given at its join
  EXPECT_EQ(got_.views[0]->bytes, "ab");
  lead().note_bytes("cd");
  poll();
  ASSERT_EQ(got_.views.size(), 2u);
  EXPECT_EQ(got_.views[1]->bytes, "cd");  // only what is new
  EXPECT_FALSE(got_.views[1]->closed);
  lead().close();
  poll();
  ASSERT_TRUE(got_.done);
  EXPECT_TRUE(got_.views.back()->closed);
  EXPECT_EQ(got_.bytes, "abcd");
  EXPECT_EQ(lead().recorded().body, "abcd");  // one copy: the recording is the flight's
}

TEST_F(OneFlight, WithNobodyWaitingTheLeaderPostsNothing) {
  stream_head();
  lead().note_bytes("ab");
  lead().close();
  EXPECT_EQ(poll(), 0u);  // nobody to wake
  // A follower that comes late reads everything at once.
  spawn_follower(io_, second_.follow, true, kLater, cancel_, got_);
  poll();
  ASSERT_TRUE(got_.done);
  EXPECT_EQ(got_.bytes, "ab");
  EXPECT_TRUE(got_.views.back()->closed);
}

TEST_F(OneFlight, AFollowerOfTheVerdictSleepsThroughTheBytes) {
  spawn_follower(io_, second_.follow, false, kLater, cancel_, got_);
  poll();
  stream_head();
  lead().note_bytes("ab");
  lead().close();
  poll();
  EXPECT_TRUE(got_.views.empty());
  lead().settle(Settled::kept);
  poll();
  ASSERT_TRUE(got_.done);
  ASSERT_EQ(got_.views.size(), 1u);
  EXPECT_EQ(got_.views[0]->settled, Settled::kept);
  EXPECT_TRUE(got_.views[0]->bytes.empty());  // it reads the kept entry, not the bytes
  EXPECT_EQ(got_.views[0]->entry, nullptr);   // none was given
}

// The leader's entry reaches the followers before its verdict (the store
// may be slow or down): one copy, shared; so does one that joins between
// the two.
TEST_F(OneFlight, TheLeadersEntryWakesFollowersBeforeTheVerdict) {
  spawn_follower(io_, second_.follow, false, kLater, cancel_, got_);
  poll();
  EXPECT_TRUE(got_.views.empty());
  auto entry = std::make_shared<const std::string>("entry bytes");
  lead().publish(entry);
  poll();
  ASSERT_TRUE(got_.done);
  ASSERT_EQ(got_.views.size(), 1u);
  EXPECT_EQ(got_.views[0]->settled, Settled::open);
  EXPECT_EQ(got_.views[0]->entry, entry);
  auto late = flights_.join("k", false);
  ASSERT_NE(late.follow, nullptr);  // still joinable until the verdict
  Follower third;
  spawn_follower(io_, late.follow, false, kLater, cancel_, third);
  poll();
  ASSERT_TRUE(third.done);
  EXPECT_EQ(third.views[0]->entry, entry);
  lead().settle(Settled::dropped);
  EXPECT_NE(flights_.join("k", false).lead, nullptr);  // settled: the next one leads
}

TEST_F(OneFlight, AHeadItCannotFollowLiveWakesALiveFollower) {
  spawn_follower(io_, second_.follow, true, kLater, cancel_, got_);
  poll();
  lead().note_head(200, "application/json", {}, false, true);  // a whole answer
  poll();
  ASSERT_TRUE(got_.done);
  EXPECT_TRUE(got_.views[0]->head);
  EXPECT_FALSE(got_.views[0]->live);
  Follower notify;
  ResponseFlights::Joined other = flights_.join("n", true);
  auto other_follow = flights_.join("n", true).follow;
  spawn_follower(io_, other_follow, true, kLater, cancel_, notify);
  other.lead->note_head(200, "text/event-stream", {}, true, false);  // a notifyerrors text
  poll();
  ASSERT_TRUE(notify.done);
  EXPECT_FALSE(notify.views[0]->live);
}

TEST_F(OneFlight, PastTheCapTheBytesAreDroppedAndFollowersToldSo) {
  spawn_follower(io_, second_.follow, true, kLater, cancel_, got_);
  stream_head();
  lead().note_bytes("abcde");
  poll();
  lead().note_bytes("fghi");  // 9 > the cap of 8
  poll();
  ASSERT_TRUE(got_.done);
  EXPECT_TRUE(got_.views.back()->overflow);
  EXPECT_TRUE(lead().recorded().overflow);
  EXPECT_TRUE(lead().recorded().body.empty());
  lead().note_bytes("j");  // nothing more is kept
  EXPECT_TRUE(lead().recorded().body.empty());
}

TEST_F(OneFlight, TheLeadersErrorComesWithItsEventsBytes) {
  spawn_follower(io_, second_.follow, true, kLater, cancel_, got_);
  stream_head();
  lead().note_error("err", make_error(ErrorKind::upstream_protocol, "cut"));
  poll();
  ASSERT_GE(got_.views.size(), 1u);
  EXPECT_EQ(got_.bytes, "err");
  ASSERT_TRUE(got_.views.back()->error.has_value());
  EXPECT_EQ(got_.views.back()->error->message, "cut");
}

TEST_F(OneFlight, ALeaderDroppedUnsettledReleasesItsFollowers) {
  Follower verdict;
  CancelSlot other_cancel;
  spawn_follower(io_, second_.follow, true, kLater, cancel_, got_);
  spawn_follower(io_, second_.follow, false, kLater, other_cancel, verdict);
  poll();
  first_.lead.reset();
  poll();
  ASSERT_TRUE(got_.done && verdict.done);
  EXPECT_TRUE(got_.views.back()->closed);
  EXPECT_EQ(verdict.views.back()->settled, Settled::dropped);
  EXPECT_EQ(flights_.size(), 0u);
}

TEST_F(OneFlight, AFollowersDeadlineAndItsClientsLeavingEndItsWait) {
  spawn_follower(io_, second_.follow, true, Clock::now(), cancel_, got_);
  io_.run_for(std::chrono::seconds(5));  // a past deadline: at once
  ASSERT_TRUE(got_.done);
  EXPECT_FALSE(got_.views.back().has_value());

  io_.restart();
  Follower left;
  CancelSlot gone;
  spawn_follower(io_, second_.follow, true, kLater, gone, left);
  poll();
  EXPECT_FALSE(left.done);
  gone.emit();
  poll();
  ASSERT_TRUE(left.done);
  EXPECT_FALSE(left.views.back().has_value());
}

TEST(ResponseFlights, AFollowerOnAnotherThreadIsWokenAcrossThreads) {
  ResponseFlights flights;
  auto first = flights.join("k", false);
  auto second = flights.join("k", false);
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  CancelSlot cancel;
  Follower got;
  spawn_follower(io, second.follow, true, kLater, cancel, got);
  io.poll();  // registered and asleep before the worker starts
  std::thread worker([&] { io.run(); });
  first.lead->note_head(200, "text/event-stream", {}, true, true);
  first.lead->note_bytes("data: x\n\n");
  first.lead->close();
  first.lead->settle(Settled::dropped);
  asio::post(io, [&] { work.reset(); });
  worker.join();
  ASSERT_TRUE(got.done);
  EXPECT_EQ(got.bytes, "data: x\n\n");
}

TEST(ResponseFlights, TheTableIsBoundedAndARecordingAloneIsJoinedByNone) {
  ResponseFlights flights(1);
  auto first = flights.join("a", false);
  ASSERT_NE(first.lead, nullptr);
  auto full = flights.join("b", false);
  EXPECT_EQ(full.lead, nullptr);
  EXPECT_EQ(full.follow, nullptr);
  auto alone = flights.alone(false);
  alone->note_head(200, "application/json", {}, false, true);
  alone->note_bytes("{}");
  alone->note_end();
  EXPECT_TRUE(alone->recorded().complete);
  EXPECT_EQ(alone->recorded().body, "{}");
  alone->settle(Settled::kept);
  EXPECT_EQ(flights.size(), 1u);  // the table's own flight is untouched
}

TEST(ResponseFlights, AllRecordingsTogetherStayWithinTheBudget) {
  ResponseFlights flights(8, /*cap=*/100, /*budget=*/150);
  auto record = [](ResponseFlights::Lead& lead, std::size_t n) {
    lead.note_head(200, "text/event-stream", {}, true, true);
    lead.note_bytes(std::string(n, 'x'));
  };
  auto a = flights.join("a", false);
  record(*a.lead, 100);
  EXPECT_FALSE(a.lead->recorded().overflow);
  EXPECT_EQ(flights.recorded_bytes(), 100u);
  // A second recording would pass the budget: it is served, not kept, and
  // gives back what it held.
  auto b = flights.alone(false);
  record(*b, 40);
  EXPECT_FALSE(b->recorded().overflow);
  b->note_bytes(std::string(20, 'y'));
  EXPECT_TRUE(b->recorded().overflow);
  EXPECT_TRUE(b->recorded().body.empty());
  EXPECT_EQ(flights.recorded_bytes(), 100u);
  // A recording that ends gives its bytes back.
  a.lead->settle(Settled::kept);
  a.lead.reset();
  EXPECT_EQ(flights.recorded_bytes(), 0u);
  auto c = flights.alone(false);
  record(*c, 100);
  EXPECT_FALSE(c->recorded().overflow);
  EXPECT_EQ(flights.recorded_bytes(), 100u);
  c.reset();
  b.reset();
  EXPECT_EQ(flights.recorded_bytes(), 0u);
}

TEST(FlightSink, RecordsWhatTheClientGetsAndOnlyADeliveredEndCompletesIt) {
  ResponseFlights flights;
  auto lead = flights.alone(true);
  RequestContext ctx;
  RecordingSink client;
  FlightSink tee(client, *lead, ctx);
  asio::io_context io;
  // Arguments named: g++ 12 miscompiles a co_await over temporaries.
  const HeaderList headers{{"x-a", "1"}};
  const std::string_view content_type = "text/event-stream";
  const std::string_view bytes = "data: 1\n\n";
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await tee.begin_stream(200, content_type, headers);
        co_await tee.write(bytes);
        co_await tee.end();
      },
      asio::detached);
  io.run();
  const RecordedResponse& r = lead->recorded();
  EXPECT_TRUE(r.streamed && r.complete);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "data: 1\n\n");
  EXPECT_EQ(client.recorded().body, r.body);
  ASSERT_EQ(r.headers.size(), 1u);

  // A notifyerrors answer (its error noted first) is not for followers.
  auto notify = flights.join("n", true);
  auto follow = flights.join("n", true).follow;
  ctx.usage.error = ErrorKind::upstream_status;
  FlightSink notify_tee(client, *notify.lead, ctx);
  io.restart();
  const HeaderList none;
  asio::co_spawn(io, notify_tee.begin_stream(200, content_type, none), asio::detached);
  io.run();
  CancelSlot cancel;
  Follower got;
  spawn_follower(io, follow, true, kLater, cancel, got);
  io.restart();
  io.run();
  ASSERT_TRUE(got.done);
  EXPECT_FALSE(got.views[0]->live);
}

}  // namespace
}  // namespace aisbf
