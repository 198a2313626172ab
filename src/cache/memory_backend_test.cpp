#include "cache/memory_backend.hpp"

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace aisbf::cache {
namespace {

using namespace std::chrono_literals;

const Clock::time_point kNow = Clock::time_point{} + 1000h;
const Clock::time_point kLater = kNow + 60s;

std::optional<std::string> get(Backend& b, std::string_view key, Clock::time_point now = kNow) {
  auto got = b.get(key, now);
  EXPECT_TRUE(got.has_value());
  return got ? *got : std::nullopt;
}

bool put(Backend& b, std::string_view key, std::string_view value, EntryLabels labels = {"", "p", "m"}) {
  auto put = b.put(key, labels, value, kLater);
  return put.has_value() && *put;
}

BackendStats stats(Backend& b) { return b.stats().value(); }

TEST(MemoryBackend, GetPutReplaceExpire) {
  auto b = make_memory_backend({10, 1 << 20});
  EXPECT_EQ(b->name(), "memory");
  EXPECT_FALSE(get(*b, "k"));
  EXPECT_TRUE(put(*b, "k", "v1"));
  EXPECT_EQ(get(*b, "k"), "v1");
  EXPECT_TRUE(put(*b, "k", "v2"));
  EXPECT_EQ(get(*b, "k"), "v2");
  EXPECT_EQ(stats(*b).entries, 1u);
  EXPECT_FALSE(get(*b, "k", kLater));  // expired at its time: a miss, and gone
  EXPECT_EQ(stats(*b).entries, 0u);
  EXPECT_EQ(stats(*b).bytes, 0u);
}

TEST(MemoryBackend, LeastRecentlyUsedGoesFirstByEntries) {
  auto b = make_memory_backend({2, 1 << 20});
  put(*b, "a", "1");
  put(*b, "b", "2");
  EXPECT_TRUE(get(*b, "a"));  // a is now the most recent
  put(*b, "c", "3");
  EXPECT_TRUE(get(*b, "a"));
  EXPECT_FALSE(get(*b, "b"));
  EXPECT_TRUE(get(*b, "c"));
  EXPECT_EQ(stats(*b).evictions, 1u);
  EXPECT_EQ(stats(*b).entries, 2u);
}

TEST(MemoryBackend, BoundedByBytes) {
  const std::string value(1000, 'x');
  auto b = make_memory_backend({1000, 3000});
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(put(*b, "k" + std::to_string(i), value));
  const BackendStats s = stats(*b);
  EXPECT_LE(s.bytes, 3000u);
  EXPECT_EQ(s.entries, 2u);  // each entry is its value plus a fixed allowance
  EXPECT_EQ(s.evictions, 8u);
  EXPECT_TRUE(get(*b, "k9"));
  EXPECT_FALSE(get(*b, "k0"));
  EXPECT_FALSE(put(*b, "huge", std::string(5000, 'y')));  // larger than the whole bound: not kept
  EXPECT_TRUE(get(*b, "k9"));                             // and nothing was evicted for it
  // What it says it could keep: no larger value is kept, and a value of
  // that size with an empty key and labels is.
  const std::uint64_t most = b->max_value_bytes();
  EXPECT_LT(most, 3000u);
  EXPECT_FALSE(put(*b, "", std::string(most + 1, 'z'), {}));
  EXPECT_TRUE(put(*b, "", std::string(most, 'z'), {}));
  EXPECT_EQ(make_memory_backend({0, 3000})->max_value_bytes(), 0u);
}

TEST(MemoryBackend, ClearByLabels) {
  auto b = make_memory_backend({100, 1 << 20});
  put(*b, "1", "v", {"alice", "p1", "m1"});
  put(*b, "2", "v", {"alice", "p2", "m2"});
  put(*b, "3", "v", {"", "p1", "m2"});
  put(*b, "4", "v", {"bob", "p1", "m1"});
  EXPECT_EQ(b->clear({std::string("alice"), {}, {}}).value(), 2u);
  EXPECT_FALSE(get(*b, "1"));
  EXPECT_TRUE(get(*b, "3"));
  EXPECT_EQ(b->clear({{}, std::string("p1"), std::string("m2")}).value(), 1u);
  EXPECT_FALSE(get(*b, "3"));
  EXPECT_EQ(b->clear({std::string(""), {}, {}}).value(), 0u);
  EXPECT_EQ(b->clear({}).value(), 1u);
  EXPECT_EQ(stats(*b).entries, 0u);
  EXPECT_EQ(stats(*b).bytes, 0u);
}

TEST(MemoryBackend, ConcurrentUse) {
  auto b = make_memory_backend({50, 1 << 16});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string key = std::to_string((i * 7 + t) % 97);
        if (i % 3 == 0) {
          (void)b->put(key, {"", "p", "m"}, key + "-value", kLater);
        } else if (auto got = b->get(key, kNow); got && *got) {
          EXPECT_EQ(**got, key + "-value");
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const BackendStats s = stats(*b);
  EXPECT_LE(s.entries, 50u);
  EXPECT_LE(s.bytes, 1u << 16);
}

}  // namespace
}  // namespace aisbf::cache
