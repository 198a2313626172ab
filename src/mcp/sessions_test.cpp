#include "mcp/sessions.hpp"

#include <gtest/gtest.h>

namespace aisbf::mcp {
namespace {

using namespace std::chrono_literals;
const auto t0 = Sessions::Clock::time_point{} + 1000h;

TEST(McpSessions, ASessionIsOnlyItsOwners) {
  Sessions s(10, 1h);
  s.open("a", "owner-1", "2025-06-18", t0);
  auto info = s.touch("a", "owner-1", t0);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->revision, "2025-06-18");
  EXPECT_FALSE(info->initialized);
  EXPECT_FALSE(s.touch("a", "owner-2", t0));
  EXPECT_FALSE(s.touch("b", "owner-1", t0));
  s.mark_initialized("a");
  EXPECT_TRUE(s.touch("a", "owner-1", t0)->initialized);
  EXPECT_FALSE(s.close("a", "owner-2"));
  EXPECT_TRUE(s.close("a", "owner-1"));
  EXPECT_FALSE(s.touch("a", "owner-1", t0));
  EXPECT_FALSE(s.close("a", "owner-1"));
}

TEST(McpSessions, IdleSessionsExpireAndUseKeepsThemAlive) {
  Sessions s(10, 10min);
  s.open("a", "o", "r", t0);
  s.open("b", "o", "r", t0);
  EXPECT_TRUE(s.touch("a", "o", t0 + 9min));
  EXPECT_TRUE(s.alive("a", t0 + 18min));
  EXPECT_FALSE(s.alive("b", t0 + 10min));
  EXPECT_TRUE(s.touch("a", "o", t0 + 18min));
  EXPECT_FALSE(s.touch("b", "o", t0 + 18min));
  EXPECT_EQ(s.size(), 1u);
  EXPECT_FALSE(s.touch("a", "o", t0 + 28min));
  EXPECT_EQ(s.size(), 0u);
}

TEST(McpSessions, TheTableIsBoundedLeastRecentlyUsedFirst) {
  Sessions s(2, 1h);
  s.open("a", "o", "r", t0);
  s.open("b", "o", "r", t0 + 1s);
  EXPECT_TRUE(s.touch("a", "o", t0 + 2s));  // b is now the least recently used
  s.open("c", "o", "r", t0 + 3s);
  EXPECT_EQ(s.size(), 2u);
  EXPECT_TRUE(s.touch("a", "o", t0 + 4s));
  EXPECT_FALSE(s.touch("b", "o", t0 + 4s));
  EXPECT_TRUE(s.touch("c", "o", t0 + 4s));
  s.set_limits(1, 1h);
  s.open("d", "o", "r", t0 + 5s);
  EXPECT_EQ(s.size(), 1u);
}

// Opening sessions never ends another owner's (nor the calls on them): a
// full table refuses the newcomer, and an owner past its share replaces
// its own least recently used one.
TEST(McpSessions, NoOwnerCanEvictAnother) {
  Sessions s(3, 1h);
  int cancelled = 0;
  EXPECT_TRUE(s.open("a1", "alice", "r", t0));
  s.add_request("a1", "1", [&] { ++cancelled; });
  EXPECT_TRUE(s.open("b1", "bob", "r", t0 + 1s));
  EXPECT_TRUE(s.open("b2", "bob", "r", t0 + 2s));
  EXPECT_FALSE(s.open("m1", "mallory", "r", t0 + 3s));  // full, and none of it is mallory's
  EXPECT_TRUE(s.open("b3", "bob", "r", t0 + 4s));       // bob's own oldest (b1) makes room
  EXPECT_TRUE(s.touch("a1", "alice", t0 + 5s));
  EXPECT_FALSE(s.touch("b1", "bob", t0 + 5s));
  EXPECT_TRUE(s.touch("b3", "bob", t0 + 5s));
  EXPECT_EQ(cancelled, 0);

  Sessions big(1000, 1h);
  for (std::size_t i = 0; i < Sessions::kMaxPerOwner + 10; ++i) {
    EXPECT_TRUE(big.open("m" + std::to_string(i), "mallory", "r", t0 + std::chrono::seconds(i)));
  }
  EXPECT_EQ(big.size(), Sessions::kMaxPerOwner);  // her share, her newest
  EXPECT_FALSE(big.touch("m0", "mallory", t0 + 1h - 1s));
  EXPECT_TRUE(big.touch("m" + std::to_string(Sessions::kMaxPerOwner + 9), "mallory", t0 + 1h - 1s));
}

TEST(McpSessions, CancelReachesTheRequestOfTheOwnersSessionOnce) {
  Sessions s(10, 1h);
  s.open("a", "o", "r", t0);
  int cancelled = 0;
  EXPECT_EQ(s.add_request("a", "7", [&] { ++cancelled; }), Sessions::AddRequest::added);
  EXPECT_EQ(s.add_request("zz", "7", [&] { ++cancelled; }), Sessions::AddRequest::session_gone);
  EXPECT_FALSE(s.cancel_request("a", "other", "7"));
  EXPECT_FALSE(s.cancel_request("a", "o", "8"));
  EXPECT_TRUE(s.cancel_request("a", "o", "7"));
  EXPECT_FALSE(s.cancel_request("a", "o", "7"));
  EXPECT_EQ(cancelled, 1);
  s.add_request("a", "9", [&] { ++cancelled; });
  s.remove_request("a", "9");
  EXPECT_FALSE(s.cancel_request("a", "o", "9"));
  EXPECT_EQ(cancelled, 1);
}

TEST(McpSessions, AnIdInFlightIsNotTakenTwiceAndStaysCancellable) {
  Sessions s(10, 1h);
  s.open("a", "o", "r", t0);
  int first = 0;
  int second = 0;
  EXPECT_EQ(s.add_request("a", "5", [&] { ++first; }), Sessions::AddRequest::added);
  EXPECT_EQ(s.add_request("a", "5", [&] { ++second; }), Sessions::AddRequest::id_in_use);
  EXPECT_TRUE(s.cancel_request("a", "o", "5"));
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 0);
  // Once the first is over, the id may be used again.
  EXPECT_EQ(s.add_request("a", "5", [&] { ++second; }), Sessions::AddRequest::added);
}

TEST(McpSessions, EndingASessionCancelsItsRequests) {
  Sessions s(1, 1h);
  int cancelled = 0;
  s.open("a", "o", "r", t0);
  s.add_request("a", "1", [&] { ++cancelled; });
  EXPECT_TRUE(s.close("a", "o"));
  EXPECT_EQ(cancelled, 1);
  s.open("b", "o", "r", t0);
  s.add_request("b", "1", [&] { ++cancelled; });
  s.open("c", "o", "r", t0);  // evicts b
  EXPECT_EQ(cancelled, 2);
  s.add_request("c", "1", [&] { ++cancelled; });
  s.close_all();
  EXPECT_EQ(cancelled, 3);
  EXPECT_EQ(s.size(), 0u);
}

TEST(McpSessions, LegacyOutboxAndLateRevision) {
  Sessions s(10, 1h);
  s.open("a", "o", "", t0);
  EXPECT_FALSE(s.outbox("a", "o"));
  std::vector<std::string> sent;
  EXPECT_TRUE(s.set_outbox("a", [&](std::string e) {
    sent.push_back(std::move(e));
    return true;
  }));
  EXPECT_FALSE(s.set_outbox("zz", [](std::string) { return true; }));
  EXPECT_FALSE(s.outbox("a", "other"));
  auto deliver = s.outbox("a", "o");
  ASSERT_TRUE(deliver);
  EXPECT_TRUE(deliver("x"));
  EXPECT_EQ(sent, std::vector<std::string>{"x"});
  s.set_revision("a", "2024-11-05");
  EXPECT_EQ(s.touch("a", "o", t0)->revision, "2024-11-05");
}

}  // namespace
}  // namespace aisbf::mcp
