// The bounded map under the shared state, on a hand-moved clock.
#include "limits/bounded_keys.hpp"

#include <gtest/gtest.h>

#include <string>

namespace aisbf::limits {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

constexpr Duration kTtl = minutes(5);

class BoundedKeysTest : public testing::Test {
 protected:
  // Inserts `key`, live for `live` from now (zero: idle at once).
  bool put(std::string_view key, Duration live = Duration::zero()) {
    auto* s = keys_.find_or_insert(key, now_);
    if (s == nullptr) return false;
    ++s->value;
    keys_.set_idle_since(*s, now_ + live);
    return true;
  }
  bool has(std::string_view key) { return keys_.find(key, now_) != nullptr; }

  TimePoint now_ = TimePoint{} + std::chrono::hours(100);
  BoundedKeys<int> keys_{KeyBounds{3, kTtl}};
};

TEST_F(BoundedKeysTest, EmptyUntilSomethingIsTracked) {
  EXPECT_FALSE(keys_.maybe_tracked());
  EXPECT_EQ(keys_.find("a", now_), nullptr);
  ASSERT_TRUE(put("a"));
  EXPECT_TRUE(keys_.maybe_tracked());
  keys_.erase("a");
  EXPECT_FALSE(keys_.maybe_tracked());
}

TEST_F(BoundedKeysTest, IdleEntriesExpireAfterTheTtl) {
  ASSERT_TRUE(put("a"));
  now_ += kTtl - seconds(1);
  EXPECT_TRUE(has("a"));
  now_ += seconds(1);
  EXPECT_FALSE(has("a"));  // expired: absent to lookups at once
  EXPECT_EQ(keys_.size(), 1u);
  keys_.purge(now_, 10);  // and removed by the cleanup
  EXPECT_EQ(keys_.size(), 0u);
  EXPECT_FALSE(keys_.maybe_tracked());
}

TEST_F(BoundedKeysTest, LiveEntriesExpireOnlyTheTtlAfterTheirLiveStateEnds) {
  ASSERT_TRUE(put("a", minutes(30)));
  now_ += minutes(34);
  keys_.purge(now_, 10);
  EXPECT_TRUE(has("a"));
  now_ += minutes(1);
  EXPECT_FALSE(has("a"));
}

TEST_F(BoundedKeysTest, AnExpiredEntryComesBackFresh) {
  ASSERT_TRUE(put("a"));
  now_ += kTtl;
  auto* s = keys_.find_or_insert("a", now_);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->value, 0);  // not the old count
}

TEST_F(BoundedKeysTest, CleanupIsAmortisedOldestFirst) {
  BoundedKeys<int> keys{KeyBounds{100, Duration::zero()}};
  const TimePoint start = now_;
  for (int i = 0; i < 10; ++i) {
    auto* s = keys.find_or_insert("k" + std::to_string(i), now_);
    ASSERT_NE(s, nullptr);
    keys.set_idle_since(*s, now_ + seconds(i + 1));
  }
  now_ += seconds(10);  // all ten have expired
  keys.purge(now_, 3);
  EXPECT_EQ(keys.size(), 7u);
  // Looked up as of the start, when none had expired: the oldest went first.
  EXPECT_EQ(keys.find("k2", start), nullptr);
  EXPECT_NE(keys.find("k3", start), nullptr);
  // An insertion removes a few more, not all.
  ASSERT_NE(keys.find_or_insert("new", now_), nullptr);
  EXPECT_EQ(keys.size(), 7u - BoundedKeys<int>::kPurgeStep + 1);
}

TEST_F(BoundedKeysTest, AFullMapEvictsTheEntryIdleLongest) {
  ASSERT_TRUE(put("a"));
  now_ += seconds(1);
  ASSERT_TRUE(put("b"));
  now_ += seconds(1);
  ASSERT_TRUE(put("c"));
  now_ += seconds(1);
  ASSERT_TRUE(put("a"));  // touched again: now the most recent
  ASSERT_TRUE(put("d"));
  EXPECT_FALSE(has("b"));
  EXPECT_TRUE(has("a") && has("c") && has("d"));
  ASSERT_TRUE(put("e"));
  EXPECT_FALSE(has("c"));
  EXPECT_EQ(keys_.size(), 3u);
  EXPECT_EQ(keys_.stats().evicted, 2u);
}

TEST_F(BoundedKeysTest, LiveEntriesAreNeverEvicted) {
  ASSERT_TRUE(put("live1", minutes(10)));
  ASSERT_TRUE(put("idle"));
  ASSERT_TRUE(put("live2", minutes(20)));
  ASSERT_TRUE(put("x"));  // evicts the idle one, not an older live one
  EXPECT_TRUE(has("live1") && has("live2") && has("x"));
  EXPECT_FALSE(has("idle"));
}

TEST_F(BoundedKeysTest, FullOfLiveStateRefusesNewKeys) {
  ASSERT_TRUE(put("a", minutes(10)));
  ASSERT_TRUE(put("b", minutes(20)));
  ASSERT_TRUE(put("c", minutes(30)));
  EXPECT_EQ(keys_.room_at(now_), now_ + minutes(10));
  EXPECT_FALSE(put("d"));
  EXPECT_EQ(keys_.size(), 3u);
  EXPECT_EQ(keys_.stats().refused, 1u);
  EXPECT_TRUE(put("a", minutes(10)));  // known keys are still served
  now_ += minutes(10);                 // a's live state has ended: it may go
  EXPECT_TRUE(put("d"));
  EXPECT_FALSE(has("a"));
  EXPECT_TRUE(has("b") && has("c") && has("d"));
}

TEST_F(BoundedKeysTest, ForEachSkipsExpiredEntries) {
  ASSERT_TRUE(put("old"));
  now_ += kTtl;
  ASSERT_TRUE(put("new"));
  std::vector<std::string> seen;
  keys_.for_each(now_, [&](const std::string& k, const auto&) { seen.push_back(k); });
  EXPECT_EQ(seen, std::vector<std::string>{"new"});
}

TEST_F(BoundedKeysTest, EraseOrClear) {
  ASSERT_TRUE(put("a"));
  ASSERT_TRUE(put("b"));
  EXPECT_FALSE(keys_.erase_or_clear("zzz"));
  EXPECT_TRUE(keys_.erase_or_clear("a"));
  EXPECT_EQ(keys_.size(), 1u);
  EXPECT_TRUE(keys_.erase_or_clear(""));
  EXPECT_FALSE(keys_.erase_or_clear(""));
  EXPECT_FALSE(keys_.maybe_tracked());
  ASSERT_TRUE(put("c"));  // the index was cleared with the map
  EXPECT_EQ(keys_.size(), 1u);
}

}  // namespace
}  // namespace aisbf::limits
