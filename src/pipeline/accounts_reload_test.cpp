// Accounts::reload against a revocation made while it reads the store: the
// refresh must not load the token back (it reads again instead).
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "auth/api_tokens.hpp"
#include "auth/request_auth.hpp"
#include "pipeline/accounts.hpp"
#include "store/store_test_util.hpp"

namespace aisbf {
namespace {

using namespace store;

// A SQLite store whose list_sessions (the last read of a refresh) runs a
// hook first: what a request on another thread does meanwhile.
class HookedStore final : public Store {
 public:
  explicit HookedStore(std::unique_ptr<Store> inner) : s_(std::move(inner)) {}
  std::function<void()> during_read;
  int reads = 0;

  Result<std::vector<Session>> list_sessions(UnixMs now) override {
    ++reads;
    if (during_read) std::exchange(during_read, nullptr)();
    return s_->list_sessions(now);
  }
  std::string_view backend() const override { return s_->backend(); }
  Result<int> migrate() override { return s_->migrate(); }
  Result<int> schema_version() override { return s_->schema_version(); }
  Result<Done> create_user(const User& u) override { return s_->create_user(u); }
  Result<std::optional<User>> find_user(std::string_view n) override { return s_->find_user(n); }
  Result<std::vector<User>> list_users() override { return s_->list_users(); }
  Result<Done> update_user(const User& u) override { return s_->update_user(u); }
  Result<Done> delete_user(std::string_view n) override { return s_->delete_user(n); }
  Result<std::int64_t> count_active_admins() override { return s_->count_active_admins(); }
  Result<Done> create_token(const ApiToken& t) override { return s_->create_token(t); }
  Result<std::optional<ApiToken>> find_token_by_hash(std::string_view h) override { return s_->find_token_by_hash(h); }
  Result<std::vector<ApiToken>> list_tokens(std::string_view n) override { return s_->list_tokens(n); }
  Result<std::vector<ApiToken>> list_all_tokens() override { return s_->list_all_tokens(); }
  Result<Done> delete_token(std::string_view n, std::string_view id) override { return s_->delete_token(n, id); }
  Result<Done> touch_tokens(std::span<const std::pair<std::string, UnixMs>> t) override { return s_->touch_tokens(t); }
  Result<Done> create_session(const Session& x) override { return s_->create_session(x); }
  Result<std::optional<Session>> find_session(std::string_view h) override { return s_->find_session(h); }
  Result<Done> delete_session(std::string_view h) override { return s_->delete_session(h); }
  Result<std::int64_t> delete_expired_sessions(UnixMs now) override { return s_->delete_expired_sessions(now); }
  Result<Done> put_doc(const ConfigDoc& d) override { return s_->put_doc(d); }
  Result<std::optional<ConfigDoc>> get_doc(std::string_view n, DocKind k, std::string_view id) override {
    return s_->get_doc(n, k, id);
  }
  Result<std::vector<ConfigDoc>> list_docs(std::string_view n) override { return s_->list_docs(n); }
  Result<Done> delete_doc(std::string_view n, DocKind k, std::string_view id) override { return s_->delete_doc(n, k, id); }
  Result<Done> insert_usage(std::span<const UsageRecord> r) override { return s_->insert_usage(r); }
  Result<UsageReport> query_usage(const UsageQuery& q) override { return s_->query_usage(q); }
  Result<std::int64_t> export_usage(const UsageQuery& q, const std::function<bool(const UsageRecord&)>& row) override {
    return s_->export_usage(q, row);
  }
  Result<std::int64_t> prune_usage(UnixMs before) override { return s_->prune_usage(before); }
  Result<std::optional<std::string>> get_meta(std::string_view k) override { return s_->get_meta(k); }
  Result<Done> put_meta(std::string_view k, std::string_view v) override { return s_->put_meta(k, v); }

 private:
  std::unique_ptr<Store> s_;
};

bool run_reload(Accounts& accounts) {
  boost::asio::io_context io;
  bool ok = false;
  boost::asio::co_spawn(
      io, [&]() -> boost::asio::awaitable<void> { ok = co_await accounts.reload(); }, boost::asio::detached);
  io.run();
  return ok;
}

TEST(AccountsReload, DoesNotLoadBackATokenRevokedDuringTheRead) {
  testing::TempDir dir;
  auto inner = make_sql_store(Dialect::sqlite, sqlite_connector((dir.path() / "aisbf.db").string()));
  ASSERT_TRUE(inner->migrate().ok());
  ASSERT_TRUE(inner->create_user(testing::make_user("alice")).ok());
  const auto issued = auth::generate_api_token();
  ASSERT_TRUE(inner->create_token(testing::make_token("tok1", "alice", issued.hash)).ok());
  auto store = std::make_shared<HookedStore>(std::move(inner));
  Accounts accounts(store, 1);
  ASSERT_EQ(accounts.load_blocking(), "");
  const auto now = auth::unix_now_ms();
  ASSERT_EQ(accounts.index().find_token(issued.token, now).first, auth::Lookup::found);

  // As DELETE /api/user/tokens/{id} does, after the refresh listed the tokens.
  store->during_read = [&] {
    ASSERT_TRUE(store->delete_token("alice", "tok1").ok());
    accounts.index().remove_token("tok1");
  };
  const int reads_before = store->reads;
  EXPECT_TRUE(run_reload(accounts));
  EXPECT_EQ(store->reads - reads_before, 2) << "the refresh read the store again after the revocation";
  EXPECT_NE(accounts.index().find_token(issued.token, now).first, auth::Lookup::found);
}

TEST(AccountsReload, AQuietRefreshReadsOnce) {
  testing::TempDir dir;
  auto inner = make_sql_store(Dialect::sqlite, sqlite_connector((dir.path() / "aisbf.db").string()));
  ASSERT_TRUE(inner->migrate().ok());
  ASSERT_TRUE(inner->create_user(testing::make_user("bob")).ok());
  auto store = std::make_shared<HookedStore>(std::move(inner));
  Accounts accounts(store, 1);
  ASSERT_EQ(accounts.load_blocking(), "");
  const int reads_before = store->reads;
  EXPECT_TRUE(run_reload(accounts));
  EXPECT_EQ(store->reads - reads_before, 1);
  EXPECT_TRUE(accounts.index().user("bob").has_value());
}

}  // namespace
}  // namespace aisbf
