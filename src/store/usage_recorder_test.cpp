#include "store/usage_recorder.hpp"

#include <gtest/gtest.h>

#include "store/usage_test_store.hpp"

namespace aisbf::store {
namespace {

using testing::UsageTestStore;
using namespace std::chrono_literals;

UsageRecord row(int i) {
  UsageRecord r;
  r.time_ms = 1'700'000'000'000 + i;
  r.requested_model = "m" + std::to_string(i);
  r.prompt_tokens = i;
  return r;
}

// An interval long enough that only a full batch, flush() or stop() writes.
UsageRecorderOptions manual(std::size_t queue = 100, std::size_t batch = 10) {
  UsageRecorderOptions o;
  o.queue_size = queue;
  o.batch_rows = batch;
  o.flush_interval = 1h;
  o.backoff = 1ms;
  return o;
}

TEST(UsageRecorder, WritesInOrderOnFlush) {
  UsageTestStore store;
  UsageRecorder recorder(store, manual());
  for (int i = 0; i < 7; ++i) EXPECT_TRUE(recorder.record(row(i)));
  recorder.flush();
  const auto rows = store.rows();
  ASSERT_EQ(rows.size(), 7u);
  for (int i = 0; i < 7; ++i) EXPECT_EQ(rows[i].prompt_tokens, i);
  EXPECT_EQ(store.batch_sizes(), std::vector<std::size_t>{7});
  const auto s = recorder.stats();
  EXPECT_EQ(s.accepted, 7u);
  EXPECT_EQ(s.written, 7u);
  EXPECT_EQ(s.pending, 0u);
  EXPECT_EQ(s.dropped(), 0u);
}

TEST(UsageRecorder, BatchesOfAtMostBatchRows) {
  UsageTestStore store;
  UsageRecorder recorder(store, manual(100, 10));
  store.hold(true);  // everything queues up behind the first batch
  for (int i = 0; i < 25; ++i) EXPECT_TRUE(recorder.record(row(i)));
  store.hold(false);
  recorder.flush();
  const auto sizes = store.batch_sizes();
  std::size_t total = 0;
  for (auto n : sizes) {
    EXPECT_LE(n, 10u);
    EXPECT_GE(n, 1u);
    total += n;
  }
  EXPECT_EQ(total, 25u);
  const auto rows = store.rows();
  for (int i = 0; i < 25; ++i) EXPECT_EQ(rows[i].prompt_tokens, i);
}

TEST(UsageRecorder, AFullBatchIsWrittenWithoutAFlush) {
  UsageTestStore store;
  UsageRecorder recorder(store, manual(100, 5));
  for (int i = 0; i < 5; ++i) recorder.record(row(i));
  // Bounded wait for the writer thread (no flush: the full batch wakes it).
  for (int i = 0; i < 2000 && store.rows().size() < 5; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(store.rows().size(), 5u);
}

TEST(UsageRecorder, TheIntervalWritesAPartialBatch) {
  UsageTestStore store;
  auto options = manual(100, 500);
  options.flush_interval = 20ms;
  UsageRecorder recorder(store, options);
  recorder.record(row(1));
  for (int i = 0; i < 2000 && store.rows().empty(); ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(store.rows().size(), 1u);
}

TEST(UsageRecorder, DropsAndCountsWhenFull) {
  UsageTestStore store;
  UsageRecorder recorder(store, manual(4, 500));
  store.hold(true);
  int accepted = 0;
  for (int i = 0; i < 10; ++i) accepted += recorder.record(row(i)) ? 1 : 0;
  EXPECT_EQ(accepted, 4);
  EXPECT_EQ(recorder.stats().dropped_full, 6u);
  store.hold(false);
  recorder.flush();
  const auto rows = store.rows();
  ASSERT_EQ(rows.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(rows[i].prompt_tokens, i);  // the first ones kept, in order
}

TEST(UsageRecorder, StopFlushesTheQueue) {
  UsageTestStore store;
  {
    UsageRecorder recorder(store, manual(1000, 500));
    for (int i = 0; i < 620; ++i) recorder.record(row(i));
    recorder.stop();
    EXPECT_FALSE(recorder.record(row(999)));  // stopped: refused and counted
    EXPECT_EQ(recorder.stats().dropped_full, 1u);
  }
  EXPECT_EQ(store.rows().size(), 620u);
}

TEST(UsageRecorder, RetriesAFailedBatch) {
  UsageTestStore store;
  auto options = manual();
  options.retries = 3;
  UsageRecorder recorder(store, options);
  store.fail_next(2);
  recorder.record(row(1));
  recorder.flush();
  EXPECT_EQ(store.calls(), 3);
  EXPECT_EQ(store.rows().size(), 1u);
  EXPECT_EQ(recorder.stats().dropped_failed, 0u);
}

TEST(UsageRecorder, DropsABatchThatKeepsFailing) {
  UsageTestStore store;
  auto options = manual();
  options.retries = 2;
  UsageRecorder recorder(store, options);
  store.fail_next(3);
  recorder.record(row(1));
  recorder.record(row(2));
  recorder.flush();
  EXPECT_EQ(store.calls(), 3);
  EXPECT_TRUE(store.rows().empty());
  EXPECT_EQ(recorder.stats().dropped_failed, 2u);
  recorder.record(row(3));  // the next batch goes through
  recorder.flush();
  ASSERT_EQ(store.rows().size(), 1u);
  EXPECT_EQ(store.rows()[0].prompt_tokens, 3);
}

TEST(UsageRecorder, PrunesByRetention) {
  UsageTestStore store;
  auto options = manual();
  options.retention_days = 2;
  options.now = [] { return UnixMs{10 * 86'400'000LL}; };
  UsageRecorder recorder(store, options);
  recorder.record(row(1));
  recorder.flush();  // a round of the writer: the first prune is due at start
  for (int i = 0; i < 2000 && store.prunes().empty(); ++i) std::this_thread::sleep_for(5ms);
  ASSERT_EQ(store.prunes().size(), 1u);
  EXPECT_EQ(store.prunes()[0], 8 * 86'400'000LL);
}

TEST(UsageRecorder, NoPruneWithoutRetention) {
  UsageTestStore store;
  UsageRecorder recorder(store, manual());
  recorder.record(row(1));
  recorder.flush();
  recorder.stop();
  EXPECT_TRUE(store.prunes().empty());
}

}  // namespace
}  // namespace aisbf::store
