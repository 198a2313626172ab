// aisbf.json's database keys for the usage recorder.
#include "pipeline/usage_service.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace aisbf {
namespace {

Config with_database(std::string_view json) {
  Config c;
  c.aisbf["database"] = boost::json::parse(json);
  return c;
}

TEST(UsageRecorderOptions, DefaultsAndTheQueueBoundTheBatch) {
  const auto defaults = usage_recorder_options(Config{});
  EXPECT_EQ(defaults.queue_size, 10'000u);
  EXPECT_EQ(defaults.batch_rows, 2'000u);
  EXPECT_EQ(defaults.retention_days, 0);
  // A small queue: a full batch (half the queue) wakes the writer before
  // the queue fills.
  const auto small = usage_recorder_options(with_database(R"({"usage_queue_size":600,"usage_retention_days":7})"));
  EXPECT_EQ(small.queue_size, 600u);
  EXPECT_EQ(small.batch_rows, 300u);
  EXPECT_EQ(small.retention_days, 7);
  EXPECT_EQ(usage_recorder_options(with_database(R"({"usage_queue_size":1})")).batch_rows, 1u);
  EXPECT_EQ(usage_recorder_options(with_database(R"({"usage_queue_size":1000000})")).batch_rows, 2'000u);
}

}  // namespace
}  // namespace aisbf
