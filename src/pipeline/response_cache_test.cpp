// What a miss records to keep: bounded by what the store could keep.
#include "pipeline/response_cache.hpp"

#include <gtest/gtest.h>

#include "cache/memory_backend.hpp"
#include "pipeline/response_flights.hpp"

namespace aisbf {
namespace {

TEST(ResponseCache, RecordingCappedByWhatTheStoreCouldKeep) {
  const auto small = make_in_place_store(cache::make_memory_backend({100, 64 * 1024}));
  const std::size_t most = small->max_value_bytes();
  EXPECT_LT(most, 64u * 1024);
  EXPECT_EQ(recording_cap(*small), most);
  // A store bounded past 16 MiB, or not at all: 16 MiB.
  const auto large = make_in_place_store(cache::make_memory_backend({100, 1ull << 30}));
  EXPECT_EQ(recording_cap(*large), ResponseFlights::kMaxRecordedBytes);
  const auto none = make_in_place_store(cache::make_memory_backend({0, 1ull << 30}));
  EXPECT_EQ(recording_cap(*none), 0u);
}

}  // namespace
}  // namespace aisbf
