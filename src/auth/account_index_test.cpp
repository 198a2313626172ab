#include "auth/account_index.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "auth/api_tokens.hpp"
#include "limits/quotas.hpp"

namespace aisbf::auth {
namespace {

constexpr store::UnixMs kNow = 1'700'000'000'000;

store::User user(std::string name, store::UserRole role = store::UserRole::user, bool active = true) {
  store::User u;
  u.username = std::move(name);
  u.role = role;
  u.active = active;
  u.quotas_json = "{\"requests_per_minute\":5}";
  return u;
}

struct Issued {
  std::string raw;
  store::ApiToken row;
};

Issued token(std::string id, std::string owner, store::UnixMs expires = 0, bool active = true) {
  auto made = generate_api_token();
  store::ApiToken t;
  t.id = std::move(id);
  t.username = std::move(owner);
  t.token_hash = made.hash;
  t.quotas_json = "{\"requests_per_day\":100}";
  t.expires_ms = expires;
  t.active = active;
  return {made.token, t};
}

store::Session session(std::string cookie, std::string owner, store::UnixMs expires) {
  store::Session s;
  s.id_hash = sha256_hex(cookie);
  s.username = std::move(owner);
  s.csrf_token = "csrf-" + cookie;
  s.expires_ms = expires;
  return s;
}

TEST(AccountIndex, FindsATokenWithItsUserAndQuotas) {
  AccountIndex index;
  auto t = token("tok1", "alice");
  index.put_user(user("alice"));
  index.put_token(t.row);
  for (int round = 0; round < 2; ++round) {  // a miss (hashed), then a hit (cached)
    auto [lookup, grant] = index.find_token(t.raw, kNow);
    ASSERT_EQ(lookup, Lookup::found) << round;
    EXPECT_EQ(grant->principal.kind, PrincipalKind::user_token);
    EXPECT_EQ(grant->principal.role, Role::user);
    EXPECT_EQ(grant->principal.user_id, "alice");
    EXPECT_EQ(grant->principal.token_id, "tok1");
    ASSERT_NE(grant->principal.user_quotas, nullptr);
    EXPECT_EQ(grant->principal.user_quotas->requests_per_minute, 5);
    ASSERT_NE(grant->principal.token_quotas, nullptr);
    EXPECT_EQ(grant->principal.token_quotas->requests_per_day, 100);
  }
}

TEST(AccountIndex, UnknownTokens) {
  AccountIndex index;
  index.put_user(user("alice"));
  EXPECT_EQ(index.find_token(generate_api_token().token, kNow).first, Lookup::unknown);
  EXPECT_EQ(index.find_token("not-a-user-token", kNow).first, Lookup::unknown);
  EXPECT_EQ(index.find_token("", kNow).first, Lookup::unknown);
  // A token whose owner the index does not know yet: ask the store.
  auto t = token("tok1", "bob");
  index.put_token(t.row);
  EXPECT_EQ(index.find_token(t.raw, kNow).first, Lookup::unknown);
  index.put_user(user("bob"));
  EXPECT_EQ(index.find_token(t.raw, kNow).first, Lookup::found);
}

TEST(AccountIndex, RevocationTakesEffectAtOnceOnACachedToken) {
  AccountIndex index;
  auto t = token("tok1", "alice");
  auto other = token("tok2", "alice");
  index.put_user(user("alice"));
  index.put_token(t.row);
  index.put_token(other.row);
  ASSERT_EQ(index.find_token(t.raw, kNow).first, Lookup::found);
  ASSERT_EQ(index.find_token(t.raw, kNow).first, Lookup::found);  // now cached on this thread
  index.remove_token("tok1");
  EXPECT_NE(index.find_token(t.raw, kNow).first, Lookup::found);
  EXPECT_EQ(index.find_token(other.raw, kNow).first, Lookup::found);
  // Another thread, which never saw it: not in memory at all.
  std::thread([&] { EXPECT_EQ(index.find_token(t.raw, kNow).first, Lookup::unknown); }).join();
}

TEST(AccountIndex, InactiveAndExpiredTokensAreRefused) {
  AccountIndex index;
  index.put_user(user("alice"));
  auto expired = token("exp", "alice", kNow);
  auto later = token("later", "alice", kNow + 1);
  auto off = token("off", "alice", 0, false);
  for (const auto* t : {&expired, &later, &off}) index.put_token(t->row);
  EXPECT_EQ(index.find_token(expired.raw, kNow).first, Lookup::refused);
  EXPECT_EQ(index.find_token(later.raw, kNow).first, Lookup::found);
  EXPECT_EQ(index.find_token(later.raw, kNow + 1).first, Lookup::refused);  // expiry while cached
  EXPECT_EQ(index.find_token(off.raw, kNow).first, Lookup::refused);
  auto on = off.row;
  on.active = true;
  index.put_token(on);
  EXPECT_EQ(index.find_token(off.raw, kNow).first, Lookup::found);
}

TEST(AccountIndex, UserChangesApplyToTokensAndSessionsAtOnce) {
  AccountIndex index;
  auto t = token("tok1", "alice");
  index.put_user(user("alice"));
  index.put_token(t.row);
  index.put_session(session("cookie-a", "alice", kNow + 60'000));
  ASSERT_EQ(index.find_token(t.raw, kNow).second->principal.role, Role::user);
  index.put_user(user("alice", store::UserRole::admin));
  EXPECT_EQ(index.find_token(t.raw, kNow).second->principal.role, Role::admin);
  EXPECT_EQ(index.find_session("cookie-a", kNow).second->principal.role, Role::admin);
  index.put_user(user("alice", store::UserRole::admin, false));
  EXPECT_EQ(index.find_token(t.raw, kNow).first, Lookup::refused);
  EXPECT_EQ(index.find_session("cookie-a", kNow).first, Lookup::refused);
  index.remove_user("alice");
  EXPECT_NE(index.find_token(t.raw, kNow).first, Lookup::found);
  EXPECT_EQ(index.find_session("cookie-a", kNow).first, Lookup::unknown);
  EXPECT_EQ(index.user("alice"), std::nullopt);
}

// The race of a user's own password change (POST /api/user/password) with
// an admin's PATCH, driven step by step: the change read the row, the admin
// deactivated and demoted the user meanwhile, then the change landed. Only
// the hash and must_change_password move; the admin's change stays.
TEST(AccountIndex, APasswordChangeKeepsAConcurrentRoleAndActiveChange) {
  AccountIndex index;
  auto before = user("alice", store::UserRole::admin);
  before.password_hash = "old-hash";
  before.must_change_password = true;
  index.put_user(before);
  index.put_session(session("cookie-a", "alice", kNow + 60'000));
  const auto read_by_the_change = *index.user("alice");
  ASSERT_TRUE(read_by_the_change.active);

  auto patched = before;  // the admin's PATCH: active false, role user
  patched.active = false;
  patched.role = store::UserRole::user;
  index.put_user(patched);
  index.password_changed("alice", "new-hash");

  const auto now = *index.user("alice");
  EXPECT_FALSE(now.active);
  EXPECT_EQ(now.role, store::UserRole::user);
  EXPECT_EQ(now.password_hash, "new-hash");
  EXPECT_FALSE(now.must_change_password);
  EXPECT_EQ(now.quotas_json, before.quotas_json);
  EXPECT_EQ(index.find_session("cookie-a", kNow).first, Lookup::refused);

  // Still active: the session is free of the forced change from now on.
  auto bob = user("bob");
  bob.must_change_password = true;
  index.put_user(bob);
  index.put_session(session("cookie-b", "bob", kNow + 60'000));
  ASSERT_TRUE(index.find_session("cookie-b", kNow).second->principal.password_change_required);
  index.password_changed("bob", "bobs-hash");
  EXPECT_FALSE(index.find_session("cookie-b", kNow).second->principal.password_change_required);

  index.password_changed("nobody", "hash");  // not in the index: not made up
  EXPECT_EQ(index.user("nobody"), std::nullopt);
}

TEST(AccountIndex, Sessions) {
  AccountIndex index;
  index.put_user(user("alice"));
  index.put_session(session("cookie-a", "alice", kNow + 1000));
  auto [lookup, grant] = index.find_session("cookie-a", kNow);
  ASSERT_EQ(lookup, Lookup::found);
  EXPECT_EQ(grant->principal.kind, PrincipalKind::session);
  EXPECT_EQ(grant->principal.user_id, "alice");
  EXPECT_EQ(grant->csrf_token, "csrf-cookie-a");
  EXPECT_EQ(grant->expires_ms, kNow + 1000);
  EXPECT_EQ(index.find_session("cookie-a", kNow + 1000).first, Lookup::refused);
  EXPECT_EQ(index.find_session("cookie-b", kNow).first, Lookup::unknown);
  EXPECT_EQ(index.find_session(std::string(600, 'x'), kNow).first, Lookup::unknown);
  index.remove_session(sha256_hex("cookie-a"));
  EXPECT_EQ(index.find_session("cookie-a", kNow).first, Lookup::unknown);
}

TEST(AccountIndex, LoadReplacesEverything) {
  AccountIndex index;
  auto gone = token("gone", "alice");
  index.put_user(user("alice"));
  index.put_token(gone.row);
  auto kept = token("kept", "bob");
  std::vector<store::User> users{user("bob")};
  std::vector<store::ApiToken> tokens{kept.row};
  std::vector<store::Session> sessions{session("cookie-b", "bob", kNow + 5)};
  index.load(users, tokens, sessions);
  EXPECT_EQ(index.find_token(gone.raw, kNow).first, Lookup::unknown);
  EXPECT_EQ(index.find_token(kept.raw, kNow).first, Lookup::found);
  EXPECT_EQ(index.find_session("cookie-b", kNow).first, Lookup::found);
  EXPECT_EQ(index.user("alice"), std::nullopt);
  EXPECT_EQ(index.user("bob")->username, "bob");
}

TEST(AccountIndex, LastUsedStampsAreTakenOncePerToken) {
  AccountIndex index;
  auto a = token("a", "alice"), b = token("b", "alice"), idle = token("idle", "alice");
  index.put_user(user("alice"));
  for (const auto* t : {&a, &b, &idle}) index.put_token(t->row);
  for (int i = 0; i < 50; ++i) index.find_token(a.raw, kNow + i);
  index.find_token(b.raw, kNow + 7);
  // A write between the use and the flush (a copy of the token map) keeps the stamps.
  index.put_token(token("new", "alice").row);
  auto used = index.take_last_used();
  std::sort(used.begin(), used.end());
  using Stamps = std::vector<std::pair<std::string, store::UnixMs>>;
  EXPECT_EQ(used, (Stamps{{"a", kNow + 49}, {"b", kNow + 7}}));
  EXPECT_TRUE(index.take_last_used().empty());
  index.find_token(b.raw, kNow + 8);
  EXPECT_EQ(index.take_last_used(), (Stamps{{"b", kNow + 8}}));
  // Refused lookups are not uses.
  index.put_user(user("alice", store::UserRole::user, false));
  index.find_token(a.raw, kNow + 9);
  EXPECT_TRUE(index.take_last_used().empty());
}

TEST(AccountIndex, TwoIndexesOnOneThreadDoNotShareTheirCaches) {
  AccountIndex first, second;
  auto t = token("tok1", "alice");
  first.put_user(user("alice"));
  first.put_token(t.row);
  ASSERT_EQ(first.find_token(t.raw, kNow).first, Lookup::found);
  EXPECT_EQ(second.find_token(t.raw, kNow).first, Lookup::unknown);
  EXPECT_EQ(first.find_token(t.raw, kNow).first, Lookup::found);
}

// Four threads look the token up while one revokes it: once remove_token has
// returned, no lookup that starts afterwards finds it.
TEST(AccountIndex, NoLookupFindsATokenAfterRemoveReturns) {
  AccountIndex index;
  index.put_user(user("alice"));
  std::vector<Issued> tokens;
  for (int i = 0; i < 20; ++i) {
    tokens.push_back(token("tok" + std::to_string(i), "alice"));
    index.put_token(tokens.back().row);
  }
  std::vector<std::atomic<bool>> removed(tokens.size());
  std::atomic<bool> done{false};
  std::atomic<int> violations{0}, found_before{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 4; ++r) {
    readers.emplace_back([&] {
      while (!done.load()) {
        for (std::size_t i = 0; i < tokens.size(); ++i) {
          const bool was_removed = removed[i].load();  // read before the lookup starts
          const bool found = index.find_token(tokens[i].raw, kNow).first == Lookup::found;
          if (found && was_removed) ++violations;
          if (found && !was_removed) ++found_before;
        }
      }
    });
  }
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    while (found_before.load() < static_cast<int>((i + 1) * 8)) std::this_thread::yield();  // readers have it cached
    index.remove_token(tokens[i].row.id);
    removed[i].store(true);
    index.put_session(session("noise" + std::to_string(i), "alice", kNow + 1));  // unrelated writes
  }
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(violations.load(), 0);
  for (const auto& t : tokens) EXPECT_NE(index.find_token(t.raw, kNow).first, Lookup::found);
}

}  // namespace
}  // namespace aisbf::auth

namespace aisbf::auth {
namespace {

// Readers hold the token in their thread caches while the owner is demoted:
// once put_user has returned, no lookup that starts afterwards sees the old role.
TEST(AccountIndex, NoLookupSeesTheOldRoleAfterPutUserReturns) {
  AccountIndex index;
  index.put_user(user("alice", store::UserRole::admin));
  auto t = token("tok", "alice");
  index.put_token(t.row);
  std::atomic<bool> demoted{false}, done{false};
  std::atomic<int> violations{0}, admin_seen{0}, after{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 4; ++r) {
    readers.emplace_back([&] {
      while (!done.load()) {
        const bool was_demoted = demoted.load();
        auto [lookup, grant] = index.find_token(t.raw, kNow);
        const bool admin = lookup == Lookup::found && grant->principal.role == Role::admin;
        if (admin && was_demoted) ++violations;
        if (admin && !was_demoted) ++admin_seen;
        if (was_demoted) ++after;
      }
    });
  }
  while (admin_seen.load() < 40) std::this_thread::yield();
  index.put_user(user("alice", store::UserRole::user));
  demoted = true;
  for (int i = 0; i < 50; ++i) index.put_session(session("noise" + std::to_string(i), "alice", kNow + 1));
  while (after.load() < 40) std::this_thread::yield();  // lookups that started after the demotion
  done = true;
  for (auto& th : readers) th.join();
  EXPECT_EQ(violations.load(), 0);
  EXPECT_EQ(index.find_token(t.raw, kNow).second->principal.role, Role::user);
}

}  // namespace
}  // namespace aisbf::auth

namespace aisbf::auth {
namespace {

// A refresh (load) replaces the token map: tokens this thread has cached are
// found again without hashing, dropped ones are refused, and pending
// last-use stamps survive.
TEST(AccountIndex, CachedTokensAcrossARefresh) {
  AccountIndex index;
  auto stays = token("stays", "alice"), dropped = token("dropped", "alice");
  std::vector<store::User> users{user("alice")};
  std::vector<store::ApiToken> both{stays.row, dropped.row};
  index.load(users, both, {});
  ASSERT_EQ(index.find_token(stays.raw, kNow).first, Lookup::found);
  ASSERT_EQ(index.find_token(dropped.raw, kNow).first, Lookup::found);
  std::vector<store::ApiToken> one{stays.row};
  users[0].role = store::UserRole::admin;
  index.load(users, one, {});
  using Stamps = std::vector<std::pair<std::string, store::UnixMs>>;
  EXPECT_EQ(index.take_last_used(), (Stamps{{"stays", kNow}}));  // the stamp made before the refresh
  auto [lookup, grant] = index.find_token(stays.raw, kNow + 1);
  ASSERT_EQ(lookup, Lookup::found);
  EXPECT_EQ(grant->principal.role, Role::admin);
  EXPECT_EQ(index.find_token(dropped.raw, kNow + 1).first, Lookup::refused);
  EXPECT_EQ(index.take_last_used(), (Stamps{{"stays", kNow + 1}}));
}

}  // namespace
}  // namespace aisbf::auth

namespace aisbf::auth {
namespace {

TEST(AccountIndex, QuotasAreParsedWhenStoredAndNullWhenNone) {
  AccountIndex index;
  auto plain = user("bob");
  plain.quotas_json = "{}";
  index.put_user(plain);
  auto t = token("tok1", "bob");
  t.row.quotas_json = "{}";
  index.put_token(t.row);
  auto [lookup, grant] = index.find_token(t.raw, kNow);
  ASSERT_EQ(lookup, Lookup::found);
  EXPECT_EQ(grant->principal.user_quotas, nullptr);
  EXPECT_EQ(grant->principal.token_quotas, nullptr);
  // A PATCH of the user's quotas reaches the cached token's next lookup; the
  // spec is shared by every lookup until the entry changes.
  plain.quotas_json = R"({"tokens_per_day":7})";
  index.put_user(plain);
  auto first = index.find_token(t.raw, kNow).second->principal.user_quotas;
  auto second = index.find_token(t.raw, kNow).second->principal.user_quotas;
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->tokens_per_day, 7);
  EXPECT_EQ(first.get(), second.get());
  // Text that limits nothing (an old row, a hand edit) is no quota.
  plain.quotas_json = R"({"requests_per_week":3})";
  index.put_user(plain);
  EXPECT_EQ(index.find_token(t.raw, kNow).second->principal.user_quotas, nullptr);
  index.put_session(session("cookie-b", "bob", kNow + 1000));
  plain.quotas_json = R"({"max_concurrent":2})";
  index.put_user(plain);
  auto s = index.find_session("cookie-b", kNow).second->principal;
  ASSERT_NE(s.user_quotas, nullptr);
  EXPECT_EQ(s.user_quotas->max_concurrent, 2);
  EXPECT_EQ(s.token_quotas, nullptr);
}

TEST(AccountIndex, UnknownTokensAreRememberedUntilTheNextLoad) {
  AccountIndex index;
  index.put_user(user("alice"));
  const auto garbage = generate_api_token();
  EXPECT_EQ(index.find_token(garbage.token, kNow).first, Lookup::unknown);
  index.remember_unknown_token(garbage.hash, kNow);
  EXPECT_EQ(index.find_token(garbage.token, kNow).first, Lookup::refused);
  // On every thread: the memory is the index's, not the thread's.
  std::thread([&] { EXPECT_EQ(index.find_token(garbage.token, kNow).first, Lookup::refused); }).join();
  EXPECT_EQ(index.stats().unknown_tokens, 1u);
  // A full refresh forgets it: a token made on another instance is then found.
  store::ApiToken row;
  row.id = "tok-elsewhere";
  row.username = "alice";
  row.token_hash = garbage.hash;
  std::vector<store::User> users{user("alice")};
  std::vector<store::ApiToken> tokens{row};
  const auto loads = index.stats().loads;
  index.load(users, tokens, {});
  EXPECT_EQ(index.stats().loads, loads + 1);
  EXPECT_EQ(index.stats().unknown_tokens, 0u);
  EXPECT_EQ(index.find_token(garbage.token, kNow).first, Lookup::found);
}

TEST(AccountIndex, ATokenMadeHereIsFoundAtOnceEvenIfRememberedUnknown) {
  AccountIndex index;
  index.put_user(user("alice"));
  auto t = token("tok1", "alice");
  index.remember_unknown_token(t.row.token_hash, kNow);
  index.put_token(t.row);
  EXPECT_EQ(index.find_token(t.raw, kNow).first, Lookup::found);
  EXPECT_EQ(index.stats().unknown_tokens, 0u);
}

}  // namespace
}  // namespace aisbf::auth
