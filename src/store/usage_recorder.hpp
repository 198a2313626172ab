// UsageRecorder: usage rows leave the request path through a bounded queue
// and reach the store in batches, on the recorder's own writer thread.
//
// record() never blocks on the database: it takes a short lock, appends and
// returns; a full queue drops the row and counts it. The writer takes up to
// `batch_rows` rows whenever that many wait or `flush_interval` passed, and
// hands them to Store::insert_usage; a failed batch is retried with
// backoff, then dropped and counted (the log says how many, never what).
// Retention: with `retention_days` > 0, prune_usage runs once a day (the
// first time after the writer's first round). stop() writes what is queued, then joins.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "store/store.hpp"

namespace aisbf::store {

struct UsageRecorderOptions {
  std::size_t queue_size = 10'000;  // database.usage_queue_size
  // Rows per store call (one transaction). Large, because each call costs
  // a commit, the rollup upserts and a wake-up of the writer thread, which
  // shares the gateway's cores; 2,000 rows are 80 ms of traffic at 25,000
  // requests/s.
  std::size_t batch_rows = 2000;
  std::chrono::milliseconds flush_interval{1000};
  int retries = 3;                  // after the first try
  std::chrono::milliseconds backoff{200};  // doubled at each retry
  int retention_days = 0;           // database.usage_retention_days; 0: keep every row
  std::chrono::hours prune_every{24};
  std::function<UnixMs()> now;      // wall clock in ms (tests); empty: the system clock
};

struct UsageRecorderStats {
  std::uint64_t accepted = 0;        // rows queued
  std::uint64_t written = 0;         // rows the store took
  std::uint64_t dropped_full = 0;    // refused: the queue was full
  std::uint64_t dropped_failed = 0;  // lost: their batch failed every retry
  std::uint64_t pending = 0;         // queued or being written
  std::uint64_t dropped() const { return dropped_full + dropped_failed; }
};

// The kind's name for the log (the store's own messages may hold values).
const char* usage_store_error_name(StoreError::Kind kind);

class UsageRecorder {
 public:
  UsageRecorder(Store& store, UsageRecorderOptions options = {});
  ~UsageRecorder();  // stop()
  UsageRecorder(const UsageRecorder&) = delete;
  UsageRecorder& operator=(const UsageRecorder&) = delete;

  // False: the queue was full, the row is dropped (and counted). After
  // stop(), rows are dropped too.
  bool record(UsageRecord record);

  // Blocks until every row queued before the call was written or dropped
  // (tests, the admin flush route, shutdown). Not on an event-loop thread.
  void flush();

  // Writes what is queued and ends the writer thread. Idempotent.
  void stop();

  UsageRecorderStats stats() const;

 private:
  void run();
  void write_batch(std::vector<UsageRecord>& batch);
  void prune_if_due(std::chrono::steady_clock::time_point& next_prune);
  UnixMs now_ms() const;

  Store& store_;
  UsageRecorderOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;     // the writer: rows, a flush or stop
  std::condition_variable progress_; // flush(): the writer finished a round
  std::vector<UsageRecord> queue_;  // reused: no allocation per row once it has grown
  std::uint64_t enqueued_ = 0;       // sequence of the last row queued
  std::uint64_t settled_ = 0;        // rows written or dropped after queueing, in order
  std::uint64_t flush_wanted_ = 0;   // write without waiting until this sequence is settled
  bool stopping_ = false;
  bool writer_done_ = false;
  std::mutex join_mutex_;
  std::atomic<std::uint64_t> written_{0}, dropped_full_{0}, dropped_failed_{0};
  std::thread writer_;
};

}  // namespace aisbf::store
