// One T per thread for each owner object (metrics shards, access-log
// buffers): a thread's first use makes its T under a lock, every later use
// is a thread_local read with no lock. The owner keeps every T until it
// ends, so that another thread (a scrape, the log writer) can visit them.
// A thread that alternates between two owners of one type makes a new T at
// each switch: meant for one owner per process (and tests that make them
// one after another).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace aisbf {

template <class T>
class PerThread {
 public:
  PerThread() : id_(next_id()) {}
  PerThread(const PerThread&) = delete;
  PerThread& operator=(const PerThread&) = delete;

  T& local() {
    thread_local Slot slot;
    if (slot.owner != id_) [[unlikely]] {
      auto item = std::make_unique<T>();
      std::lock_guard lock(mutex_);
      slot.item = item.get();
      slot.owner = id_;
      all_.push_back(std::move(item));
    }
    return *slot.item;
  }

  // Every thread's T so far (the list may grow after; each T lives as long
  // as this owner).
  std::vector<T*> all() const {
    std::lock_guard lock(mutex_);
    std::vector<T*> out;
    out.reserve(all_.size());
    for (const auto& item : all_) out.push_back(item.get());
    return out;
  }

 private:
  struct Slot {
    std::uint64_t owner = 0;
    T* item = nullptr;
  };
  static std::uint64_t next_id() {
    static std::atomic<std::uint64_t> last{0};
    return last.fetch_add(1, std::memory_order_relaxed) + 1;
  }
  const std::uint64_t id_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<T>> all_;
};

}  // namespace aisbf
