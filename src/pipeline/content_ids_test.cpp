#include "pipeline/content_ids.hpp"

#include <set>
#include <vector>

#include <gtest/gtest.h>

#include <sodium.h>

namespace aisbf {
namespace {

using Clock = ContentIds::Clock;

ContentEntry entry(std::string owner, Clock::time_point expires, std::string url = "https://img.example/a.png") {
  return ContentEntry{std::move(url), std::move(owner), "openai", "", expires};
}

ContentLimits entries_only(std::size_t n) { return ContentLimits{n, kContentMapBytes, n}; }

TEST(ContentIds, IdsAre128RandomBitsInBase64Url) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = new_content_id();
    ASSERT_EQ(id.size(), 22u) << id;
    for (char c : id) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << id;
    std::array<unsigned char, 32> raw{};
    std::size_t len = 0;
    ASSERT_EQ(sodium_base642bin(raw.data(), raw.size(), id.data(), id.size(), nullptr, &len, nullptr,
                                sodium_base64_VARIANT_URLSAFE_NO_PADDING),
              0);
    EXPECT_EQ(len, 16u);
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(ContentIds, OnlyTheOwnerFindsAnEntryAndOnlyUntilItExpires) {
  ContentIds ids;
  const auto now = Clock::now();
  const std::string id = ids.add(entry("user:alice", now + std::chrono::seconds(10)), entries_only(100), now);
  ASSERT_TRUE(ids.find(id, "user:alice", now).has_value());
  EXPECT_EQ(ids.find(id, "user:alice", now)->url, "https://img.example/a.png");
  EXPECT_FALSE(ids.find(id, "user:bob", now).has_value());
  EXPECT_FALSE(ids.find(id, "global", now).has_value());
  EXPECT_FALSE(ids.find("not-an-id", "user:alice", now).has_value());
  EXPECT_FALSE(ids.find(id, "user:alice", now + std::chrono::seconds(10)).has_value());
}

TEST(ContentIds, BoundedOldestFirstAndExpiredDroppedOnAdd) {
  ContentIds ids;
  const auto now = Clock::now();
  std::vector<std::string> made;
  for (int i = 0; i < 5; ++i)
    made.push_back(ids.add(entry("global", now + std::chrono::hours(1)), entries_only(3), now));
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids.evicted(), 2u);
  EXPECT_FALSE(ids.find(made[0], "global", now).has_value());
  EXPECT_FALSE(ids.find(made[1], "global", now).has_value());
  EXPECT_TRUE(ids.find(made[4], "global", now).has_value());
  // Expired entries go without counting as evictions.
  const auto later = now + std::chrono::hours(2);
  ids.add(entry("global", later + std::chrono::hours(1)), entries_only(3), later);
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(ids.evicted(), 2u);
}

// One owner cannot push everyone else's ids out: past its share, its own
// oldest go first, and the others' stay.
TEST(ContentIds, AnOwnerPastItsShareEvictsItsOwnOldest) {
  ContentIds ids;
  const auto now = Clock::now();
  const auto later = now + std::chrono::hours(1);
  const ContentLimits limits{100, kContentMapBytes, 4};
  const std::string alice = ids.add(entry("user:alice", later), limits, now);
  const std::string bob = ids.add(entry("user:bob", later), limits, now);
  std::vector<std::string> mallory;
  for (int i = 0; i < 50; ++i) mallory.push_back(ids.add(entry("user:mallory", later), limits, now));
  EXPECT_EQ(ids.size(), 6u);  // alice, bob and mallory's last 4
  EXPECT_EQ(ids.evicted(), 46u);
  EXPECT_TRUE(ids.find(alice, "user:alice", now).has_value());
  EXPECT_TRUE(ids.find(bob, "user:bob", now).has_value());
  EXPECT_FALSE(ids.find(mallory[45], "user:mallory", now).has_value());
  for (int i = 46; i < 50; ++i) EXPECT_TRUE(ids.find(mallory[i], "user:mallory", now).has_value()) << i;
}

// Beside the entry count, the bytes the entries hold are bounded: long
// URLs push out the oldest entries before the count is reached.
TEST(ContentIds, TheBytesAreBoundedBesideTheCount) {
  ContentIds ids;
  const auto now = Clock::now();
  const auto later = now + std::chrono::hours(1);
  const std::string long_url = "https://img.example/" + std::string(kMaxContentUrlBytes - 20, 'a');
  const ContentLimits limits{1000, 5 * kMaxContentUrlBytes, 1000};
  std::vector<std::string> made;
  for (int i = 0; i < 20; ++i) made.push_back(ids.add(entry("global", later, long_url), limits, now));
  EXPECT_LE(ids.bytes(), limits.max_bytes);
  EXPECT_GE(ids.size(), 3u);
  EXPECT_LT(ids.size(), 5u);
  EXPECT_EQ(ids.evicted(), 20u - ids.size());
  EXPECT_FALSE(ids.find(made[0], "global", now).has_value());
  EXPECT_TRUE(ids.find(made[19], "global", now).has_value());
  // Dropping returns the bytes: after expiry a small entry is all there is.
  ids.add(entry("global", later + std::chrono::hours(2)), limits, later + std::chrono::hours(1));
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_LT(ids.bytes(), 1024u);
}

TEST(ContentIds, LimitsFromTheEntryCount) {
  const ContentLimits big = content_limits(10'000);
  EXPECT_EQ(big.max_entries, 10'000u);
  EXPECT_EQ(big.max_per_owner, 625u);
  EXPECT_EQ(big.max_bytes, kContentMapBytes);
  // Small maps: an owner still has room for one answer's URLs.
  EXPECT_EQ(content_limits(32).max_per_owner, kMaxContentUrlsPerAnswer);
  EXPECT_EQ(content_limits(3).max_per_owner, 3u);
  EXPECT_EQ(content_limits(0).max_entries, 1u);
}

TEST(ContentIds, OwnerOfEachPrincipalKind) {
  auth::Principal p;
  EXPECT_EQ(content_owner(p), "anonymous");
  p.kind = auth::PrincipalKind::global_token;
  EXPECT_EQ(content_owner(p), "global");
  p.kind = auth::PrincipalKind::user_token;
  p.user_id = "alice";
  EXPECT_EQ(content_owner(p), "user:alice");
  p.kind = auth::PrincipalKind::session;
  EXPECT_EQ(content_owner(p), "user:alice");
}

}  // namespace
}  // namespace aisbf
