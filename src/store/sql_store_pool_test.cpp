// SqlStore's connection handling, over a fake connection: connections are
// reused, broken ones dropped, reads retried once on a fresh connection
// after `unavailable`, writes never.
#include <atomic>
#include <memory>

#include <gtest/gtest.h>

#include "store/sql_driver.hpp"

namespace aisbf::store {
namespace {

struct Script {
  std::atomic<int> opened{0};
  std::atomic<int> failures_left{0};  // calls that fail with `unavailable` (and break their connection)
  std::atomic<int> calls{0};
};

class FakeConnection final : public SqlConnection {
 public:
  explicit FakeConnection(Script& script) : script_(script) {}
  Dialect dialect() const override { return Dialect::sqlite; }
  Result<std::int64_t> exec(std::string_view, std::span<const SqlValue>) override {
    if (auto e = fail()) return *e;
    return std::int64_t{1};
  }
  Result<Done> query(std::string_view, std::span<const SqlValue>, const std::function<bool(const SqlRow&)>&) override {
    if (auto e = fail()) return *e;
    return Done{};  // no rows
  }
  Result<Done> exec_script(std::string_view) override { return Done{}; }
  Result<Done> begin() override { return Done{}; }
  Result<Done> commit() override { return Done{}; }
  Result<Done> rollback() override { return Done{}; }
  bool healthy() const override { return healthy_; }

 private:
  std::optional<StoreError> fail() {
    ++script_.calls;
    if (script_.failures_left.fetch_sub(1) > 0) {
      healthy_ = false;
      return StoreError{StoreError::Kind::unavailable, "connection lost"};
    }
    return std::nullopt;
  }
  Script& script_;
  bool healthy_ = true;
};

std::unique_ptr<Store> fake_store(Script& script) {
  return make_sql_store(Dialect::sqlite, [&script]() -> Result<std::unique_ptr<SqlConnection>> {
    ++script.opened;
    return std::unique_ptr<SqlConnection>(std::make_unique<FakeConnection>(script));
  });
}

TEST(SqlStorePool, ReusesAHealthyConnection) {
  Script script;
  auto store = fake_store(script);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store->find_user("alice").ok());
  EXPECT_EQ(script.opened.load(), 1);
}

TEST(SqlStorePool, ReadRetriesOnceOnAFreshConnection) {
  Script script;
  auto store = fake_store(script);
  ASSERT_TRUE(store->find_user("alice").ok());  // one pooled connection
  script.failures_left = 1;
  auto found = store->find_user("alice");
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_FALSE(found.value().has_value());
  EXPECT_EQ(script.opened.load(), 2);
  ASSERT_TRUE(store->find_user("alice").ok());
  EXPECT_EQ(script.opened.load(), 2);  // the fresh one went back to the pool, the broken one did not
}

TEST(SqlStorePool, ReadGivesUpAfterOneRetry) {
  Script script;
  auto store = fake_store(script);
  script.failures_left = 2;
  auto found = store->find_user("alice");
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.error().kind, StoreError::Kind::unavailable);
  EXPECT_EQ(script.calls.load(), 2);
}

TEST(SqlStorePool, WriteIsNotRetriedAndDropsItsBrokenConnection) {
  Script script;
  auto store = fake_store(script);
  script.failures_left = 1;
  auto put = store->put_meta("k", "v");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().kind, StoreError::Kind::unavailable);
  EXPECT_EQ(script.calls.load(), 1);
  ASSERT_TRUE(store->put_meta("k", "v").ok());
  EXPECT_EQ(script.opened.load(), 2);
}

TEST(SqlStorePool, ConnectorFailureIsTheCallsError) {
  auto store = make_sql_store(Dialect::sqlite, []() -> Result<std::unique_ptr<SqlConnection>> {
    return StoreError{StoreError::Kind::unavailable, "refused"};
  });
  auto r = store->list_users();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, StoreError::Kind::unavailable);
}

}  // namespace
}  // namespace aisbf::store
