// The MySQL/MariaDB cache backend without a server: a database that cannot
// be reached is an error value (a miss for the caller) that never shows the
// password.
#include "cache/mysql_backend.hpp"

#include <gtest/gtest.h>

#include "store/driver_test_support.hpp"

namespace aisbf::cache {
namespace {

TEST(MysqlCacheBackend, UnreachableIsAnErrorWithoutThePassword) {
  MysqlOptions options{"127.0.0.1", store::driver_test::closed_port(), "aisbf", "s3cret-Passw0rd", "cache"};
  auto backend = make_mysql_backend(options, BackendLimits{});
  auto got = backend->get(std::string(64, 'a'), Clock::now());
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().kind, ErrorKind::unavailable);
  EXPECT_NE(got.error().message.find("response cache (mysql)"), std::string::npos) << got.error().message;
  EXPECT_EQ(got.error().message.find("s3cret"), std::string::npos) << got.error().message;
  auto put = backend->put(std::string(64, 'a'), EntryLabels{"u", "p", "m"}, "v", Clock::now() + std::chrono::hours(1));
  ASSERT_FALSE(put.has_value());
  EXPECT_EQ(put.error().message.find("s3cret"), std::string::npos) << put.error().message;
  // Right after a failed connect, calls fail at once rather than wait for
  // another connect timeout on the DB pool's threads.
  auto stats = backend->stats();
  ASSERT_FALSE(stats.has_value());
  EXPECT_NE(stats.error().message.find("not trying again yet"), std::string::npos) << stats.error().message;
}

}  // namespace
}  // namespace aisbf::cache
