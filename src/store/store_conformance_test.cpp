// The Store's contract (store.hpp), run against every available backend:
// migrations, users, tokens, sessions, documents and meta. Usage is in
// store_usage_conformance_test.cpp.
#include <gtest/gtest.h>

#include "store/store_test_util.hpp"

namespace aisbf::store::testing {
namespace {

using Kind = StoreError::Kind;

TEST_P(StoreConformance, MigrateTwiceIsIdempotent) {
  auto again = store_->migrate();
  ASSERT_TRUE(again.ok()) << again.error().message;
  auto version = store_->schema_version();
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(version.value(), again.value());
  EXPECT_GE(version.value(), 1);
  auto conn = db_.connector();
  ASSERT_TRUE(conn.ok());
  std::int64_t rows = -1;
  ASSERT_TRUE(conn.value()
                  ->query("SELECT COUNT(*) FROM schema_migrations", {},
                          [&](const SqlRow& r) {
                            rows = r.integer(0);
                            return false;
                          })
                  .ok());
  EXPECT_EQ(rows, version.value());  // one row per version, not one per migrate()
}

TEST_P(StoreConformance, RefusesASchemaTooNew) {
  ASSERT_TRUE(store_->create_user(make_user("alice")).ok());
  auto version = store_->schema_version();
  ASSERT_TRUE(version.ok());
  auto conn = db_.connector();
  ASSERT_TRUE(conn.ok());
  const int newer = version.value() + 5;
  const SqlValue p[] = {std::int64_t{newer}, std::int64_t{1}};
  ASSERT_TRUE(conn.value()->exec("INSERT INTO schema_migrations (version, applied_ms) VALUES (?, ?)", p).ok());

  auto fresh = make_sql_store(db_.dialect, db_.connector);
  auto migrated = fresh->migrate();
  ASSERT_FALSE(migrated.ok());
  EXPECT_EQ(migrated.error().kind, Kind::schema_too_new);
  EXPECT_NE(migrated.error().message.find(std::to_string(newer)), std::string::npos) << migrated.error().message;
  EXPECT_NE(migrated.error().message.find(std::to_string(version.value())), std::string::npos);
  auto still = fresh->find_user("alice");  // nothing changed
  ASSERT_TRUE(still.ok());
  EXPECT_TRUE(still.value().has_value());
  EXPECT_EQ(fresh->schema_version().value(), newer);
}

TEST_P(StoreConformance, UsersCrud) {
  User alice = make_user("alice", UserRole::admin);
  alice.allow_private_endpoints = true;
  alice.quotas_json = R"({"requests_per_day":10})";
  ASSERT_TRUE(store_->create_user(alice).ok());
  // An admin too: alice's demotion below must not remove the last active admin.
  ASSERT_TRUE(store_->create_user(make_user("bob", UserRole::admin)).ok());

  auto dup = store_->create_user(make_user("alice"));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().kind, Kind::conflict);

  auto found = store_->find_user("alice");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found.value().has_value());
  const User& f = *found.value();
  EXPECT_EQ(f.role, UserRole::admin);
  EXPECT_TRUE(f.allow_private_endpoints);
  EXPECT_EQ(f.quotas_json, alice.quotas_json);
  EXPECT_EQ(f.password_hash, alice.password_hash);
  EXPECT_EQ(f.created_ms, alice.created_ms);
  EXPECT_FALSE(store_->find_user("carol").value().has_value());

  User changed = f;
  changed.active = false;
  changed.role = UserRole::user;
  changed.last_login_ms = 1'700'000'123'456;
  changed.created_ms = 5;  // ignored by update_user
  changed.must_change_password = true;
  ASSERT_TRUE(store_->update_user(changed).ok());
  ASSERT_TRUE(store_->update_user(changed).ok());  // the same values again: still found
  User after = *store_->find_user("alice").value();
  EXPECT_FALSE(after.active);
  EXPECT_EQ(after.role, UserRole::user);
  EXPECT_EQ(after.last_login_ms, 1'700'000'123'456);
  EXPECT_EQ(after.created_ms, alice.created_ms);
  EXPECT_TRUE(after.must_change_password);
  EXPECT_FALSE(f.must_change_password);

  auto missing = store_->update_user(make_user("carol"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, Kind::not_found);

  auto list = store_->list_users();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list.value().size(), 2u);
  EXPECT_EQ(list.value()[0].username, "alice");
  EXPECT_EQ(list.value()[1].username, "bob");

  auto gone = store_->delete_user("carol");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().kind, Kind::not_found);
}

TEST_P(StoreConformance, CountsActiveAdmins) {
  EXPECT_EQ(store_->count_active_admins().value(), 0);
  ASSERT_TRUE(store_->create_user(make_user("root", UserRole::admin)).ok());
  User off = make_user("off", UserRole::admin);
  off.active = false;
  ASSERT_TRUE(store_->create_user(off).ok());
  ASSERT_TRUE(store_->create_user(make_user("plain")).ok());
  EXPECT_EQ(store_->count_active_admins().value(), 1);
}

TEST_P(StoreConformance, DeleteUserCascadesButKeepsUsage) {
  ASSERT_TRUE(store_->create_user(make_user("alice")).ok());
  ASSERT_TRUE(store_->create_user(make_user("bob")).ok());
  ASSERT_TRUE(store_->create_token(make_token("t1", "alice", std::string(64, 'a'))).ok());
  ASSERT_TRUE(store_->create_token(make_token("t2", "bob", std::string(64, 'b'))).ok());
  ASSERT_TRUE(store_->create_session(Session{std::string(64, 'c'), "alice", "csrf", 1, 2}).ok());
  ASSERT_TRUE(store_->put_doc(ConfigDoc{"alice", DocKind::provider, "p", "{}", 1}).ok());
  UsageRecord usage;
  usage.time_ms = 1'700'000'000'000;
  usage.username = "alice";
  ASSERT_TRUE(store_->insert_usage(std::span(&usage, 1)).ok());

  ASSERT_TRUE(store_->delete_user("alice").ok());
  EXPECT_FALSE(store_->find_user("alice").value().has_value());
  EXPECT_FALSE(store_->find_token_by_hash(std::string(64, 'a')).value().has_value());
  EXPECT_FALSE(store_->find_session(std::string(64, 'c')).value().has_value());
  EXPECT_TRUE(store_->list_docs("alice").value().empty());
  EXPECT_TRUE(store_->find_token_by_hash(std::string(64, 'b')).value().has_value());  // bob's stays
  UsageQuery q;
  q.to_ms = 2'000'000'000'000;
  q.username = "alice";
  EXPECT_EQ(store_->query_usage(q).value().totals.requests, 1);
}

TEST_P(StoreConformance, TokensByHash) {
  ASSERT_TRUE(store_->create_user(make_user("alice")).ok());
  ApiToken t1 = make_token("t1", "alice", std::string(64, '1'));
  t1.expires_ms = 1'800'000'000'000;
  t1.quotas_json = R"({"tokens_per_day":5})";
  ApiToken t2 = make_token("t2", "alice", std::string(64, '2'));
  t2.created_ms = t1.created_ms - 10;  // listed first
  t2.active = false;
  ASSERT_TRUE(store_->create_token(t1).ok());
  ASSERT_TRUE(store_->create_token(t2).ok());

  auto dup_id = store_->create_token(make_token("t1", "alice", std::string(64, '3')));
  ASSERT_FALSE(dup_id.ok());
  EXPECT_EQ(dup_id.error().kind, Kind::conflict);
  auto dup_hash = store_->create_token(make_token("t3", "alice", std::string(64, '1')));
  ASSERT_FALSE(dup_hash.ok());
  EXPECT_EQ(dup_hash.error().kind, Kind::conflict);
  EXPECT_EQ(dup_hash.error().message.find(std::string(64, '1')), std::string::npos);  // no bound value

  auto found = store_->find_token_by_hash(std::string(64, '1'));
  ASSERT_TRUE(found.ok() && found.value().has_value());
  EXPECT_EQ(found.value()->id, "t1");
  EXPECT_EQ(found.value()->expires_ms, t1.expires_ms);
  EXPECT_EQ(found.value()->quotas_json, t1.quotas_json);
  EXPECT_TRUE(found.value()->active);

  auto list = store_->list_tokens("alice");
  ASSERT_EQ(list.value().size(), 2u);
  EXPECT_EQ(list.value()[0].id, "t2");
  EXPECT_FALSE(list.value()[0].active);

  ASSERT_TRUE(store_->create_user(make_user("off")).ok());
  ASSERT_TRUE(store_->create_token(make_token("t9", "off", std::string(64, '9'))).ok());
  User off = *store_->find_user("off").value();
  off.active = false;
  ASSERT_TRUE(store_->update_user(off).ok());
  auto all = store_->list_all_tokens();
  ASSERT_EQ(all.value().size(), 2u);  // active users' tokens, active or not
  EXPECT_EQ(all.value()[0].username, "alice");

  auto wrong_owner = store_->delete_token("off", "t1");
  ASSERT_FALSE(wrong_owner.ok());
  EXPECT_EQ(wrong_owner.error().kind, Kind::not_found);
  ASSERT_TRUE(store_->delete_token("alice", "t1").ok());
  EXPECT_FALSE(store_->find_token_by_hash(std::string(64, '1')).value().has_value());
}

TEST_P(StoreConformance, TouchTokensOnlyMovesForward) {
  ASSERT_TRUE(store_->create_user(make_user("alice")).ok());
  ASSERT_TRUE(store_->create_token(make_token("t1", "alice", std::string(64, '1'))).ok());
  ASSERT_TRUE(store_->create_token(make_token("t2", "alice", std::string(64, '2'))).ok());
  std::vector<std::pair<std::string, UnixMs>> touches = {{"t1", 2000}, {"t2", 3000}, {"unknown", 4000}};
  ASSERT_TRUE(store_->touch_tokens(touches).ok());
  std::vector<std::pair<std::string, UnixMs>> older = {{"t1", 1500}};
  ASSERT_TRUE(store_->touch_tokens(older).ok());
  EXPECT_EQ(store_->find_token_by_hash(std::string(64, '1')).value()->last_used_ms, 2000);
  EXPECT_EQ(store_->find_token_by_hash(std::string(64, '2')).value()->last_used_ms, 3000);
}

TEST_P(StoreConformance, SessionsAndExpiry) {
  ASSERT_TRUE(store_->create_user(make_user("alice")).ok());
  ASSERT_TRUE(store_->create_session(Session{"s1", "alice", "csrf1", 100, 1000}).ok());
  ASSERT_TRUE(store_->create_session(Session{"s2", "alice", "csrf2", 100, 5000}).ok());
  auto dup = store_->create_session(Session{"s1", "alice", "x", 1, 2});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().kind, Kind::conflict);

  auto s1 = store_->find_session("s1");
  ASSERT_TRUE(s1.ok() && s1.value().has_value());
  EXPECT_EQ(s1.value()->csrf_token, "csrf1");
  EXPECT_EQ(s1.value()->expires_ms, 1000);

  auto expired = store_->delete_expired_sessions(2000);
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(expired.value(), 1);
  EXPECT_FALSE(store_->find_session("s1").value().has_value());
  EXPECT_TRUE(store_->find_session("s2").value().has_value());

  ASSERT_TRUE(store_->delete_session("s2").ok());
  ASSERT_TRUE(store_->delete_session("s2").ok());  // absent: still Done
  EXPECT_FALSE(store_->find_session("s2").value().has_value());
}

TEST_P(StoreConformance, DocsPutReplaceListDelete) {
  ASSERT_TRUE(store_->create_user(make_user("alice")).ok());
  ASSERT_TRUE(store_->create_user(make_user("bob")).ok());
  ASSERT_TRUE(store_->put_doc(ConfigDoc{"alice", DocKind::autoselect, "a", R"({"x":1})", 1}).ok());
  ASSERT_TRUE(store_->put_doc(ConfigDoc{"alice", DocKind::provider, "z", R"({"p":1})", 1}).ok());
  ASSERT_TRUE(store_->put_doc(ConfigDoc{"alice", DocKind::provider, "b", R"({"p":2})", 1}).ok());
  ASSERT_TRUE(store_->put_doc(ConfigDoc{"alice", DocKind::rotation, "b", R"({"r":1})", 1}).ok());
  ASSERT_TRUE(store_->put_doc(ConfigDoc{"bob", DocKind::provider, "b", R"({"bob":1})", 1}).ok());
  ASSERT_TRUE(store_->put_doc(ConfigDoc{"alice", DocKind::provider, "b", R"({"p":3})", 7}).ok());  // replace

  auto b = store_->get_doc("alice", DocKind::provider, "b");
  ASSERT_TRUE(b.ok() && b.value().has_value());
  EXPECT_EQ(b.value()->json, R"({"p":3})");
  EXPECT_EQ(b.value()->updated_ms, 7);
  EXPECT_FALSE(store_->get_doc("alice", DocKind::autoselect, "b").value().has_value());

  auto list = store_->list_docs("alice");
  ASSERT_TRUE(list.ok());
  std::vector<std::pair<DocKind, std::string>> order;
  for (const ConfigDoc& d : list.value()) order.emplace_back(d.kind, d.id);
  std::vector<std::pair<DocKind, std::string>> expected = {
      {DocKind::provider, "b"}, {DocKind::provider, "z"}, {DocKind::rotation, "b"}, {DocKind::autoselect, "a"}};
  EXPECT_EQ(order, expected);

  ASSERT_TRUE(store_->delete_doc("alice", DocKind::provider, "b").ok());
  auto again = store_->delete_doc("alice", DocKind::provider, "b");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, Kind::not_found);
  EXPECT_TRUE(store_->get_doc("bob", DocKind::provider, "b").value().has_value());
}

TEST_P(StoreConformance, Meta) {
  EXPECT_FALSE(store_->get_meta("k").value().has_value());
  ASSERT_TRUE(store_->put_meta("k", "one").ok());
  ASSERT_TRUE(store_->put_meta("k", "two").ok());
  ASSERT_TRUE(store_->put_meta("other", "x's \"quoted\" ? value").ok());
  EXPECT_EQ(store_->get_meta("k").value(), std::optional<std::string>("two"));
  EXPECT_EQ(store_->get_meta("other").value(), std::optional<std::string>("x's \"quoted\" ? value"));
}

}  // namespace

// No prefix: the tests are StoreConformance.<Case>/<backend>.
INSTANTIATE_TEST_SUITE_P(, StoreConformance, ::testing::ValuesIn(available_backends()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace aisbf::store::testing
