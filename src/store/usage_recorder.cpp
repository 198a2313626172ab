#include "store/usage_recorder.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace aisbf::store {

const char* usage_store_error_name(StoreError::Kind kind) {
  switch (kind) {
    case StoreError::Kind::unavailable: return "unavailable";
    case StoreError::Kind::conflict: return "conflict";
    case StoreError::Kind::not_found: return "not_found";
    case StoreError::Kind::invalid: return "invalid";
    case StoreError::Kind::schema_too_new: return "schema_too_new";
    case StoreError::Kind::internal: return "internal";
  }
  return "internal";
}

UsageRecorder::UsageRecorder(Store& store, UsageRecorderOptions options)
    : store_(store), options_(std::move(options)) {
  options_.queue_size = std::max<std::size_t>(options_.queue_size, 1);
  options_.batch_rows = std::max<std::size_t>(options_.batch_rows, 1);
  writer_ = std::thread([this] { run(); });
}

UsageRecorder::~UsageRecorder() { stop(); }

bool UsageRecorder::record(UsageRecord record) {
  std::unique_lock lock(mutex_);
  if (stopping_ || queue_.size() >= options_.queue_size) {
    lock.unlock();
    dropped_full_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  queue_.push_back(std::move(record));
  ++enqueued_;
  const bool full_batch = queue_.size() >= options_.batch_rows;
  lock.unlock();
  if (full_batch) wake_.notify_one();
  return true;
}

void UsageRecorder::flush() {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = enqueued_;
  if (settled_ >= target || writer_done_) return;
  flush_wanted_ = std::max(flush_wanted_, target);
  wake_.notify_one();
  progress_.wait(lock, [&] { return settled_ >= target || writer_done_; });
}

void UsageRecorder::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  std::lock_guard join_lock(join_mutex_);  // stop() from two threads (a signal, the destructor): one joins
  if (writer_.joinable()) writer_.join();
}

UsageRecorderStats UsageRecorder::stats() const {
  UsageRecorderStats s;
  s.written = written_.load(std::memory_order_relaxed);
  s.dropped_full = dropped_full_.load(std::memory_order_relaxed);
  s.dropped_failed = dropped_failed_.load(std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  s.accepted = enqueued_;
  s.pending = enqueued_ - settled_;
  return s;
}

UnixMs UsageRecorder::now_ms() const {
  if (options_.now) return options_.now();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void UsageRecorder::run() {
  auto next_prune = std::chrono::steady_clock::now();
  std::vector<UsageRecord> taken;  // swapped with queue_: both keep their capacity
  std::vector<UsageRecord> batch;
  batch.reserve(options_.batch_rows);
  std::unique_lock lock(mutex_);
  for (;;) {
    // Wait for a full batch, a flush, stop, or the interval (then write what there is).
    wake_.wait_for(lock, options_.flush_interval, [&] {
      return stopping_ || queue_.size() >= options_.batch_rows || flush_wanted_ > settled_;
    });
    const bool last_round = stopping_;
    while (!queue_.empty()) {
      taken.swap(queue_);
      lock.unlock();
      for (std::size_t from = 0; from < taken.size();) {
        const std::size_t n = std::min(taken.size() - from, options_.batch_rows);
        batch.assign(std::make_move_iterator(taken.begin() + static_cast<std::ptrdiff_t>(from)),
                     std::make_move_iterator(taken.begin() + static_cast<std::ptrdiff_t>(from + n)));
        write_batch(batch);
        from += n;
        lock.lock();
        settled_ += n;
        lock.unlock();
        progress_.notify_all();
      }
      taken.clear();
      lock.lock();
    }
    if (last_round) break;
    lock.unlock();
    prune_if_due(next_prune);
    lock.lock();
  }
  writer_done_ = true;
  progress_.notify_all();
}

void UsageRecorder::write_batch(std::vector<UsageRecord>& batch) {
  auto wait = options_.backoff;
  for (int attempt = 0;; ++attempt) {
    auto done = store_.insert_usage(batch);
    if (done) {
      written_.fetch_add(batch.size(), std::memory_order_relaxed);
      break;
    }
    if (attempt >= options_.retries) {
      // The rows' contents stay out of the log: they name users and models.
      spdlog::error("usage: {} rows lost: the store refused their batch {} times ({})", batch.size(), attempt + 1,
                    usage_store_error_name(done.error().kind));
      dropped_failed_.fetch_add(batch.size(), std::memory_order_relaxed);
      break;
    }
    std::this_thread::sleep_for(wait);
    wait *= 2;
  }
  batch.clear();
}

void UsageRecorder::prune_if_due(std::chrono::steady_clock::time_point& next_prune) {
  if (options_.retention_days <= 0) return;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_prune) return;
  next_prune = now + options_.prune_every;
  const UnixMs before = now_ms() - static_cast<UnixMs>(options_.retention_days) * 86'400'000;
  auto pruned = store_.prune_usage(before);
  if (!pruned) {
    spdlog::warn("usage: pruning rows older than {} days failed ({})", options_.retention_days,
                 usage_store_error_name(pruned.error().kind));
  } else if (pruned.value() > 0) {
    spdlog::info("usage: pruned {} rows older than {} days", pruned.value(), options_.retention_days);
  }
}

}  // namespace aisbf::store
