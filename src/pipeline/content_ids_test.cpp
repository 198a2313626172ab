#include "pipeline/content_ids.hpp"

#include <set>

#include <gtest/gtest.h>

#include <sodium.h>

namespace aisbf {
namespace {

using Clock = ContentIds::Clock;

ContentEntry entry(std::string owner, Clock::time_point expires) {
  return ContentEntry{
      "https://img.example/a.png", std::move(owner), "openai", "https://api.example/v1", false, std::nullopt, expires};
}

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
  const std::string id = ids.add(entry("user:alice", now + std::chrono::seconds(10)), 100, now);
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
  for (int i = 0; i < 5; ++i) made.push_back(ids.add(entry("global", now + std::chrono::hours(1)), 3, now));
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids.evicted(), 2u);
  EXPECT_FALSE(ids.find(made[0], "global", now).has_value());
  EXPECT_FALSE(ids.find(made[1], "global", now).has_value());
  EXPECT_TRUE(ids.find(made[4], "global", now).has_value());
  // Expired entries go without counting as evictions.
  const auto later = now + std::chrono::hours(2);
  ids.add(entry("global", later + std::chrono::hours(1)), 3, later);
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(ids.evicted(), 2u);
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
