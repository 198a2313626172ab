// The Store's account invariants on every backend: an active admin always
// remains, even when two changes race (each on its own connection), and a
// user's sessions can be ended all but one.
#include <latch>
#include <thread>

#include <gtest/gtest.h>

#include "store/store_test_util.hpp"

namespace aisbf::store::testing {
namespace {

using Kind = StoreError::Kind;

User demoted(std::string name) { return make_user(std::move(name), UserRole::user); }

TEST_P(StoreConformance, KeepsTheLastActiveAdmin) {
  ASSERT_TRUE(store_->create_user(make_user("root", UserRole::admin)).ok());
  ASSERT_TRUE(store_->create_user(make_user("plain")).ok());

  auto demote = store_->update_user(demoted("root"));
  ASSERT_FALSE(demote.ok());
  EXPECT_EQ(demote.error().kind, Kind::conflict);
  User off = make_user("root", UserRole::admin);
  off.active = false;
  auto deactivate = store_->update_user(off);
  ASSERT_FALSE(deactivate.ok());
  EXPECT_EQ(deactivate.error().kind, Kind::conflict);
  auto del = store_->delete_user("root");
  ASSERT_FALSE(del.ok());
  EXPECT_EQ(del.error().kind, Kind::conflict);
  EXPECT_EQ(store_->count_active_admins().value(), 1);

  User stays = make_user("root", UserRole::admin);
  stays.password_hash = "sha256:00";  // a change that keeps the admin: allowed
  ASSERT_TRUE(store_->update_user(stays).ok());
  EXPECT_EQ(store_->find_user("root").value()->password_hash, "sha256:00");
  ASSERT_TRUE(store_->delete_user("plain").ok());  // not an admin: no check

  ASSERT_TRUE(store_->create_user(make_user("second", UserRole::admin)).ok());
  ASSERT_TRUE(store_->update_user(demoted("root")).ok());  // another admin remains
  auto last = store_->delete_user("second");
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.error().kind, Kind::conflict);
  auto missing = store_->delete_user("nobody");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, Kind::not_found);
}

// Two admins, and at the same moment one request demotes the first while
// another deletes the second: a check-then-act would let both through.
TEST_P(StoreConformance, ConcurrentAdminRemovalsLeaveOne) {
  constexpr int kRounds = 12;
  for (int round = 0; round < kRounds; ++round) {
    const std::string a = "a" + std::to_string(round), b = "b" + std::to_string(round);
    ASSERT_TRUE(store_->create_user(make_user(a, UserRole::admin)).ok());
    ASSERT_TRUE(store_->create_user(make_user(b, UserRole::admin)).ok());
    if (round > 0) {  // the previous round's survivor steps down, leaving a and b
      auto users = store_->list_users().value();
      for (auto& u : users) {
        if (u.username == a || u.username == b || u.role != UserRole::admin) continue;
        u.role = UserRole::user;
        ASSERT_TRUE(store_->update_user(u).ok()) << u.username;
      }
    }
    ASSERT_EQ(store_->count_active_admins().value(), 2);
    std::latch start(2);
    std::optional<Result<Done>> demote, remove;
    std::thread t1([&] {
      start.arrive_and_wait();
      demote.emplace(store_->update_user(demoted(a)));
    });
    std::thread t2([&] {
      start.arrive_and_wait();
      remove.emplace(store_->delete_user(b));
    });
    t1.join();
    t2.join();
    const int succeeded = int(demote->ok()) + int(remove->ok());
    ASSERT_EQ(succeeded, 1) << "round " << round;
    const auto& refused = demote->ok() ? *remove : *demote;
    EXPECT_EQ(refused.error().kind, Kind::conflict) << refused.error().message;
    ASSERT_EQ(store_->count_active_admins().value(), 1) << "round " << round;
  }
}

TEST_P(StoreConformance, DeletesAUsersSessionsButOne) {
  ASSERT_TRUE(store_->create_user(make_user("alice")).ok());
  ASSERT_TRUE(store_->create_user(make_user("bob")).ok());
  for (const char* id : {"s1", "s2", "s3"}) ASSERT_TRUE(store_->create_session(Session{id, "alice", "c", 1, 9}).ok());
  ASSERT_TRUE(store_->create_session(Session{"sb", "bob", "c", 1, 9}).ok());

  auto ended = store_->delete_user_sessions("alice", "s2");
  ASSERT_TRUE(ended.ok()) << ended.error().message;
  EXPECT_EQ(ended.value(), 2);
  EXPECT_FALSE(store_->find_session("s1").value().has_value());
  EXPECT_TRUE(store_->find_session("s2").value().has_value());
  EXPECT_FALSE(store_->find_session("s3").value().has_value());
  EXPECT_TRUE(store_->find_session("sb").value().has_value());  // another user's stays

  auto all = store_->delete_user_sessions("alice", "");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all.value(), 1);
  EXPECT_FALSE(store_->find_session("s2").value().has_value());
}

// A login checked the password against the hash it read; by the time it
// writes, the user may have been deactivated or given a new password.
TEST_P(StoreConformance, OpenSessionOnlyWhileTheUserIsUnchanged) {
  User alice = make_user("alice");
  ASSERT_TRUE(store_->create_user(alice).ok());
  const Session first{"s1", "alice", "c1", 1'700'000'000'500, 1'800'000'000'000};
  ASSERT_TRUE(store_->open_session(first, alice.password_hash, "").ok());
  auto after = store_->find_user("alice").value();
  EXPECT_EQ(after->last_login_ms, first.created_ms);
  EXPECT_EQ(after->password_hash, alice.password_hash);
  EXPECT_TRUE(store_->find_session("s1").value().has_value());

  ASSERT_TRUE(store_->open_session(Session{"s2", "alice", "c2", 5, 9}, alice.password_hash, "$argon2id$new").ok());
  EXPECT_EQ(store_->find_user("alice").value()->password_hash, "$argon2id$new");  // the rehash stored

  auto stale = store_->open_session(Session{"s3", "alice", "c3", 6, 9}, alice.password_hash, "");
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().kind, Kind::conflict);
  EXPECT_FALSE(store_->find_session("s3").value().has_value());

  User off = *store_->find_user("alice").value();
  off.active = false;
  ASSERT_TRUE(store_->update_user(off).ok());
  auto inactive = store_->open_session(Session{"s4", "alice", "c4", 7, 9}, off.password_hash, "");
  ASSERT_FALSE(inactive.ok());
  EXPECT_EQ(inactive.error().kind, Kind::conflict);
  EXPECT_FALSE(store_->find_session("s4").value().has_value());
  EXPECT_EQ(store_->find_user("alice").value()->last_login_ms, 5);
}

TEST_P(StoreConformance, ChangePasswordIsACompareAndSetThatEndsOtherSessions) {
  User bob = make_user("bob");
  bob.must_change_password = true;  // an admin set the first one
  ASSERT_TRUE(store_->create_user(bob).ok());
  EXPECT_TRUE(store_->find_user("bob").value()->must_change_password);
  for (const char* id : {"keep", "other1", "other2"}) ASSERT_TRUE(store_->create_session(Session{id, "bob", "c", 1, 9}).ok());
  ASSERT_TRUE(store_->change_password("bob", bob.password_hash, "$argon2id$second", "keep").ok());
  EXPECT_EQ(store_->find_user("bob").value()->password_hash, "$argon2id$second");
  EXPECT_FALSE(store_->find_user("bob").value()->must_change_password);  // changed by bob: cleared
  EXPECT_TRUE(store_->find_session("keep").value().has_value());
  EXPECT_FALSE(store_->find_session("other1").value().has_value());
  EXPECT_FALSE(store_->find_session("other2").value().has_value());

  // A second change checked against the first hash lost the race: nothing written.
  auto lost = store_->change_password("bob", bob.password_hash, "$argon2id$third", "");
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().kind, Kind::conflict);
  EXPECT_EQ(store_->find_user("bob").value()->password_hash, "$argon2id$second");
  EXPECT_TRUE(store_->find_session("keep").value().has_value());
}

}  // namespace
}  // namespace aisbf::store::testing
