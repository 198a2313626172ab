// cache::Backend's contract (cache/backend.hpp), run against every backend
// of cache/backend_test_util.hpp: get and put, replacement, expiry, clear
// by each label, stats, eviction by entries and by bytes, entries damaged
// from outside, and several threads at once.
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "cache/backend_test_util.hpp"
#include "cache/sql_backend.hpp"

namespace aisbf::cache::testing {
namespace {

using namespace std::chrono_literals;

// A key of the cache's form (64 hex digits) that tells `n` apart.
std::string key_of(int n) {
  std::string hex = std::to_string(n);
  return std::string(64 - hex.size(), 'a') + hex;
}

EntryLabels labels(std::string_view space = "alice", std::string_view provider = "openai",
                   std::string_view model = "gpt-4o") {
  return EntryLabels{space, provider, model};
}

class BackendConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    wipe_backend(GetParam(), dir_);
    backend_ = open(BackendLimits{});
    ASSERT_NE(backend_, nullptr);
  }

  std::unique_ptr<Backend> open(BackendLimits limits) { return open_backend(GetParam(), dir_, limits); }

  // Puts and expects it kept; the entry lives an hour.
  void put(Backend& b, const std::string& key, std::string_view value, const EntryLabels& l = labels()) {
    put_until(b, key, value, Clock::now() + 1h, l);
  }

  void put_until(Backend& b, const std::string& key, std::string_view value, Clock::time_point expires,
                 const EntryLabels& l = labels()) {
    auto r = b.put(key, l, value, expires);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_TRUE(r.value());
  }

  std::optional<std::string> get(Backend& b, const std::string& key, Clock::time_point now = Clock::now()) {
    auto r = b.get(key, now);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return r.has_value() ? r.value() : std::nullopt;
  }

  // The totals `b` reports.
  void expect_totals(Backend& b, std::uint64_t entries, std::uint64_t bytes, std::uint64_t evictions) {
    BackendStats s = stats(b);
    EXPECT_EQ(s.entries, entries);
    EXPECT_EQ(s.bytes, bytes);
    EXPECT_EQ(s.evictions, evictions);
  }

  BackendStats stats(Backend& b) {
    auto r = b.stats();
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return r.has_value() ? r.value() : BackendStats{};
  }

  TempDir dir_;
  std::unique_ptr<Backend> backend_;
};

TEST_P(BackendConformance, NamesItself) { EXPECT_EQ(backend_->name(), GetParam()); }

TEST_P(BackendConformance, MissThenHitWithAnyBytes) {
  EXPECT_EQ(get(*backend_, key_of(1)), std::nullopt);
  const std::string value("{\"x\":1}\0\xff\xfe tail", 16);
  put(*backend_, key_of(1), value);
  EXPECT_EQ(get(*backend_, key_of(1)), value);
  EXPECT_EQ(get(*backend_, key_of(2)), std::nullopt);
  put(*backend_, key_of(3), "");
  EXPECT_EQ(get(*backend_, key_of(3)), "");
}

TEST_P(BackendConformance, PutReplaces) {
  put(*backend_, key_of(1), "first answer");
  put(*backend_, key_of(1), "second");
  EXPECT_EQ(get(*backend_, key_of(1)), "second");
  expect_totals(*backend_, 1u, 6u, 0u);
}

TEST_P(BackendConformance, ExpiredEntriesAreMissesAndGo) {
  const auto now = Clock::now();
  ASSERT_TRUE(backend_->put(key_of(1), labels(), "short-lived", now + 10s).value());
  EXPECT_EQ(get(*backend_, key_of(1), now), "short-lived");
  EXPECT_EQ(get(*backend_, key_of(1), now + 11s), std::nullopt);
  EXPECT_EQ(stats(*backend_).entries, 0u);  // removed by that get
  EXPECT_EQ(get(*backend_, key_of(1), now), std::nullopt);
  EXPECT_EQ(stats(*backend_).evictions, 0u);  // expiry is not eviction
}

TEST_P(BackendConformance, PutRemovesExpiredEntriesInPassing) {
  // Puts sweep by the clock: an entry that lives half a second, then a
  // wait until it has expired (a lower bound only).
  const auto expires = Clock::now() + 500ms;
  put_until(*backend_, key_of(1), "stale", expires);
  while (Clock::now() <= expires + 1ms) std::this_thread::sleep_for(20ms);
  put(*backend_, key_of(2), "fresh");
  BackendStats s = stats(*backend_);
  EXPECT_EQ(s.entries, 1u);
  EXPECT_EQ(s.bytes, 5u);
  EXPECT_EQ(get(*backend_, key_of(2)), "fresh");
}

// A put whose expiry is past already is not kept, and says so; what was
// under the key stays.
TEST_P(BackendConformance, AnAlreadyExpiredPutIsNotKept) {
  put(*backend_, key_of(1), "live");
  for (const auto expires : {Clock::now() - 1s, Clock::now() - 1h}) {
    auto r = backend_->put(key_of(2), labels(), "dead", expires);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_FALSE(r.value());
    r = backend_->put(key_of(1), labels(), "dead", expires);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_FALSE(r.value());
  }
  EXPECT_EQ(get(*backend_, key_of(2)), std::nullopt);
  EXPECT_EQ(get(*backend_, key_of(1)), "live");
  expect_totals(*backend_, 1u, 4u, 0u);
}

TEST_P(BackendConformance, ClearsByEachLabel) {
  put(*backend_, key_of(1), "a", labels("alice", "openai", "gpt-4o"));
  put(*backend_, key_of(2), "bb", labels("bob", "openai", "gpt-4o-mini"));
  put(*backend_, key_of(3), "ccc", labels("alice", "anthropic", "claude"));
  put(*backend_, key_of(4), "dddd", labels("", "anthropic", "claude"));  // the global namespace
  put(*backend_, key_of(5), "eeeee", labels("Émile", "gemini", "gemini-2.5"));

  EXPECT_EQ(backend_->clear(ClearFilter{"alice", std::nullopt, std::nullopt}).value(), 2u);
  EXPECT_EQ(get(*backend_, key_of(1)), std::nullopt);
  EXPECT_EQ(get(*backend_, key_of(3)), std::nullopt);
  EXPECT_EQ(backend_->clear(ClearFilter{std::nullopt, "openai", std::nullopt}).value(), 1u);
  EXPECT_EQ(get(*backend_, key_of(2)), std::nullopt);
  EXPECT_EQ(backend_->clear(ClearFilter{"émile", std::nullopt, std::nullopt}).value(), 0u);  // byte for byte
  EXPECT_EQ(backend_->clear(ClearFilter{std::nullopt, std::nullopt, "claude"}).value(), 1u);
  EXPECT_EQ(get(*backend_, key_of(4)), std::nullopt);
  EXPECT_EQ(backend_->clear(ClearFilter{"Émile", "gemini", "other"}).value(), 0u);  // every field must match
  BackendStats s = stats(*backend_);
  EXPECT_EQ(s.entries, 1u);
  EXPECT_EQ(s.bytes, 5u);
  EXPECT_EQ(backend_->clear(ClearFilter{}).value(), 1u);
  EXPECT_EQ(get(*backend_, key_of(5)), std::nullopt);
  s = stats(*backend_);
  EXPECT_EQ(s.entries, 0u);
  EXPECT_EQ(s.bytes, 0u);
}

TEST_P(BackendConformance, EvictsTheOldestPastTheEntryLimit) {
  backend_ = open(BackendLimits{1 << 20, 3});
  for (int i = 1; i <= 5; ++i) put(*backend_, key_of(i), "value " + std::to_string(i));
  EXPECT_EQ(get(*backend_, key_of(1)), std::nullopt);
  EXPECT_EQ(get(*backend_, key_of(2)), std::nullopt);
  for (int i = 3; i <= 5; ++i) EXPECT_EQ(get(*backend_, key_of(i)), "value " + std::to_string(i));
  BackendStats s = stats(*backend_);
  EXPECT_EQ(s.entries, 3u);
  EXPECT_EQ(s.evictions, 2u);
  // Replacing an old entry makes it the newest.
  put(*backend_, key_of(3), "value 3 again");
  put(*backend_, key_of(6), "value 6");
  EXPECT_EQ(get(*backend_, key_of(4)), std::nullopt);
  EXPECT_EQ(get(*backend_, key_of(3)), "value 3 again");
  EXPECT_EQ(stats(*backend_).evictions, 3u);
  // A full clear starts the count again.
  ASSERT_TRUE(backend_->clear(ClearFilter{}).has_value());
  EXPECT_EQ(stats(*backend_).evictions, 0u);
}

TEST_P(BackendConformance, EvictsTheOldestPastTheByteLimit) {
  backend_ = open(BackendLimits{100, 1000});
  const std::string thirty(30, 'x');
  for (int i = 1; i <= 4; ++i) put(*backend_, key_of(i), thirty);
  EXPECT_EQ(get(*backend_, key_of(1)), std::nullopt);
  expect_totals(*backend_, 3u, 90u, 1u);
  // One entry of the whole budget pushes every other one out.
  put(*backend_, key_of(9), std::string(100, 'y'));
  expect_totals(*backend_, 1u, 100u, 4u);
}

TEST_P(BackendConformance, AValueOverTheByteLimitIsNotKept) {
  backend_ = open(BackendLimits{10, 1000});
  put(*backend_, key_of(1), "0123456789");
  auto r = backend_->put(key_of(2), labels(), "0123456789A", Clock::now() + 1h);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r.value());
  EXPECT_EQ(get(*backend_, key_of(2)), std::nullopt);
  EXPECT_EQ(get(*backend_, key_of(1)), "0123456789");  // nothing evicted for it
  EXPECT_EQ(stats(*backend_).evictions, 0u);
}

// Keys are SHA-256 digests: exactly 64 hex digits.
TEST_P(BackendConformance, KeysThatAreNotHexDigestsAreRefused) {
  for (const std::string& bad : std::vector<std::string>{"", "../etc/passwd", "abc def", "abc'; DROP TABLE x; --",
                                                         "cafe", "1", std::string(63, 'a'), std::string(65, 'a'),
                                                         std::string(128, 'a'), std::string(63, 'a') + "g"}) {
    EXPECT_EQ(get(*backend_, bad), std::nullopt) << bad;
    EXPECT_FALSE(backend_->put(bad, labels(), "v", Clock::now() + 1h).has_value()) << bad;
  }
  EXPECT_EQ(stats(*backend_).entries, 0u);
}

TEST_P(BackendConformance, EntriesOutliveTheBackend) {
  backend_ = open(BackendLimits{1 << 20, 2});
  put(*backend_, key_of(1), "one");
  put(*backend_, key_of(2), "two");
  backend_.reset();
  auto again = open(BackendLimits{1 << 20, 2});
  EXPECT_EQ(get(*again, key_of(1)), "one");
  BackendStats s = stats(*again);
  EXPECT_EQ(s.entries, 2u);
  EXPECT_EQ(s.bytes, 6u);
  put(*again, key_of(3), "three");  // the oldest from before goes first
  EXPECT_EQ(get(*again, key_of(1)), std::nullopt);
  EXPECT_EQ(get(*again, key_of(2)), "two");
}

TEST_P(BackendConformance, DamagedEntriesAreMisses) {
  for (Damage how : {Damage::wrong_size, Damage::unreadable}) {
    put(*backend_, key_of(1), "intact answer");
    put(*backend_, key_of(2), "spoiled answer");
    ASSERT_TRUE(damage_entry(GetParam(), dir_, key_of(2), how));
    EXPECT_EQ(get(*backend_, key_of(2)), std::nullopt);
    EXPECT_EQ(get(*backend_, key_of(1)), "intact answer");
    BackendStats s = stats(*backend_);
    EXPECT_EQ(s.entries, 1u);  // the damaged one was removed
    EXPECT_EQ(s.bytes, 13u);
    put(*backend_, key_of(2), "stored again");  // the key is usable again
    EXPECT_EQ(get(*backend_, key_of(2)), "stored again");
    ASSERT_TRUE(backend_->clear(ClearFilter{}).has_value());
  }
}

TEST_P(BackendConformance, SeveralThreadsAtOnce) {
  backend_ = open(BackendLimits{1 << 20, 8});
  constexpr int kThreads = 6;
  constexpr int kRounds = 60;
  std::atomic<int> failures{0}, wrong{0}, hits{0};
  std::mutex first_error_mutex;
  std::string first_error;
  auto failed = [&](const auto& r) {
    ++failures;
    std::lock_guard lock(first_error_mutex);
    if (first_error.empty()) first_error = r.has_value() ? "not kept" : r.error().message;
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        const int n = (t * 7 + i) % 16;
        const std::string key = key_of(n);
        if (i % 3 == 0) {
          auto r = backend_->put(key, labels(), "answer for " + std::to_string(n), Clock::now() + 1h);
          if (!r.has_value() || !r.value()) failed(r);
        } else {
          auto r = backend_->get(key, Clock::now());
          if (!r.has_value()) {
            failed(r);
          } else if (r.value()) {
            ++hits;
            if (*r.value() != "answer for " + std::to_string(n)) ++wrong;
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0) << first_error;
  EXPECT_EQ(wrong.load(), 0);
  BackendStats s = stats(*backend_);
  EXPECT_LE(s.entries, 8u);
  EXPECT_GT(s.entries, 0u);
  // The totals agree with what is there.
  std::uint64_t present = 0, bytes = 0;
  for (int n = 0; n < 16; ++n) {
    if (auto v = get(*backend_, key_of(n))) {
      ++present;
      bytes += v->size();
    }
  }
  EXPECT_EQ(present, s.entries);
  EXPECT_EQ(bytes, s.bytes);
}

// What is in the way when a backend first opens is a cache's to replace:
// SQL tables of another shape are dropped and made again; in the file
// backend's (marked) directory, leftover temporary files and files under a
// key's name that are not entries go, and files of other names stay, even
// hex ones.
TEST_P(BackendConformance, OpensOverWhatIsInTheWay) {
  const std::string kind = GetParam();
  backend_.reset();
  if (kind == "sqlite" || kind == "mysql") {
    auto conn = raw_connection(kind, dir_);
    ASSERT_NE(conn, nullptr);
    ASSERT_TRUE(conn->exec("CREATE TABLE aisbf_response_cache (cache_key INTEGER, something_else INTEGER)").ok());
  } else if (kind == "file") {
    std::filesystem::create_directories(dir_.path() / "entries");
    for (const std::string& name : {std::string(kFileCacheMarker), std::string(".tmp-abc-1-2"), std::string("README"),
                                    std::string("cafe"), std::string(63, 'b'), key_of(7)}) {
      FILE* f = std::fopen((dir_.path() / "entries" / name).c_str(), "wb");
      ASSERT_NE(f, nullptr);
      std::fputs("not an entry", f);
      std::fclose(f);
    }
  } else {
    GTEST_SKIP() << kind << " keeps nothing on disk";
  }
  backend_ = open(BackendLimits{});
  put(*backend_, key_of(1), "works");
  EXPECT_EQ(get(*backend_, key_of(1)), "works");
  EXPECT_EQ(stats(*backend_).entries, 1u);
  if (kind == "file") {
    EXPECT_FALSE(std::filesystem::exists(dir_.path() / "entries" / ".tmp-abc-1-2"));
    EXPECT_FALSE(std::filesystem::exists(dir_.path() / "entries" / key_of(7)));
    for (const std::string& name : {std::string("README"), std::string("cafe"), std::string(63, 'b')}) {
      EXPECT_TRUE(std::filesystem::exists(dir_.path() / "entries" / name)) << name;
    }
  }
}

// A file_dir that holds files but not the backend's marker is someone
// else's (`~`, a shared directory): every call fails and nothing in it is
// touched; a new or empty one is marked and used.
TEST_P(BackendConformance, AFileDirectoryThatIsNotTheCachesIsRefused) {
  if (GetParam() != "file") GTEST_SKIP() << GetParam() << " keeps no directory";
  backend_.reset();
  const auto dir = dir_.path() / "entries";
  std::filesystem::create_directories(dir);
  std::filesystem::permissions(
      dir, std::filesystem::perms::owner_all | std::filesystem::perms::group_read | std::filesystem::perms::group_exec);
  const std::string names[] = {"add", "cafe", "1", key_of(3)};
  for (const std::string& name : names) {
    FILE* f = std::fopen((dir / name).c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fputs("someone's notes", f);
    std::fclose(f);
  }
  backend_ = open(BackendLimits{});
  auto got = backend_->get(key_of(3), Clock::now());
  ASSERT_FALSE(got.has_value());
  EXPECT_NE(got.error().message.find(kFileCacheMarker), std::string::npos) << got.error().message;
  EXPECT_FALSE(backend_->put(key_of(4), labels(), "v", Clock::now() + 1h).has_value());
  EXPECT_FALSE(backend_->stats().has_value());
  for (const std::string& name : names) EXPECT_TRUE(std::filesystem::exists(dir / name)) << name;
  EXPECT_FALSE(std::filesystem::exists(dir / kFileCacheMarker));
  EXPECT_EQ(std::filesystem::status(dir).permissions() & std::filesystem::perms::group_read,
            std::filesystem::perms::group_read);
  // Emptied, it is the cache's.
  for (const std::string& name : names) std::filesystem::remove(dir / name);
  put(*backend_, key_of(4), "v");
  EXPECT_TRUE(std::filesystem::exists(dir / kFileCacheMarker));
  EXPECT_EQ(std::filesystem::status(dir).permissions() & std::filesystem::perms::group_read,
            std::filesystem::perms::none);
}

// A row deleted by hand while a put evicts (under MySQL's REPEATABLE READ
// its snapshot still shows the row): the put ends, counts as evicted only
// rows it removed, and the totals are right; the room the deleted row
// left means nothing else goes.
TEST_P(BackendConformance, EvictionMeetsARowDeletedBehindItsBack) {
  if (GetParam() != "mysql") GTEST_SKIP() << "only a server keeps a snapshot that shows a row deleted since";
  const BackendLimits limits{1 << 20, 2};
  backend_ = open(limits);
  put(*backend_, key_of(1), "one");
  put(*backend_, key_of(2), "two");
  backend_.reset();
  auto admin = raw_connection(GetParam(), dir_);
  ASSERT_NE(admin, nullptr);
  std::atomic<int> evict_reads{0};
  const MysqlOptions o = test_mysql_options();
  auto connector = hooked_connector(
      store::mysql_connector(o.host, o.port, o.user, o.password, o.database), [&](std::string_view sql) {
        if (sql.find("cache_key <> ?") == std::string_view::npos) return true;
        if (++evict_reads == 1) {
          const store::SqlValue p[] = {key_of(1)};
          auto deleted = admin->exec("DELETE FROM aisbf_response_cache WHERE cache_key = ?", p);
          EXPECT_TRUE(deleted.ok() && deleted.value() == 1);
        }
        return evict_reads < 20;  // a put that would never end fails instead
      });
  auto b = make_sql_backend(store::Dialect::mysql, connector, limits);
  put(*b, key_of(3), "three");
  EXPECT_EQ(get(*b, key_of(1)), std::nullopt);
  EXPECT_EQ(get(*b, key_of(2)), "two");
  EXPECT_EQ(get(*b, key_of(3)), "three");
  expect_totals(*b, 2u, 8u, 0u);
}

// A server that dropped the backend's idle connection (a restart, a
// timeout): the next call goes through on a fresh one.
TEST_P(BackendConformance, SurvivesALostConnection) {
  if (GetParam() != "mysql") GTEST_SKIP() << GetParam() << " has no server connection";
  put(*backend_, key_of(1), "before");
  auto admin = raw_connection(GetParam(), dir_);
  ASSERT_NE(admin, nullptr);
  std::vector<std::int64_t> others;
  ASSERT_TRUE(admin
                  ->query("SELECT ID FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND "
                          "USER = SUBSTRING_INDEX(CURRENT_USER(), '@', 1)",
                          {},
                          [&](const store::SqlRow& r) {
                            others.push_back(r.integer(0));
                            return true;
                          })
                  .ok());
  ASSERT_FALSE(others.empty());
  for (std::int64_t id : others) EXPECT_TRUE(admin->exec("KILL CONNECTION " + std::to_string(id)).ok());
  EXPECT_EQ(get(*backend_, key_of(1)), "before");
  put(*backend_, key_of(2), "after");
  EXPECT_EQ(get(*backend_, key_of(2)), "after");
}

INSTANTIATE_TEST_SUITE_P(Backends, BackendConformance, ::testing::ValuesIn(available_backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace aisbf::cache::testing
