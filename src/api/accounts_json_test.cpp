#include "api/accounts_json.hpp"

#include <gtest/gtest.h>

namespace aisbf::api {
namespace {

TEST(AccountsJson, LoginBody) {
  auto ok = parse_login(R"({"username":"alice","password":"pw"})");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->username, "alice");
  EXPECT_EQ(parse_login(R"({"username":"alice"})").error().param, "password");
  EXPECT_EQ(parse_login(R"({"username":1,"password":"x"})").error().param, "username");
  EXPECT_EQ(parse_login("[]").error().code, "invalid_body");
  EXPECT_EQ(parse_login("{").error().status, 400);
}

TEST(AccountsJson, NewUserAndPatchNameTheField) {
  auto ok = parse_new_user(R"({"username":"bob","password":"password-1","role":"admin","quotas":{"requests_per_minute":5}})");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->user.role, store::UserRole::admin);
  EXPECT_TRUE(ok->user.active);
  EXPECT_EQ(ok->user.quotas_json, R"({"requests_per_minute":5})");
  EXPECT_EQ(parse_new_user(R"({"username":"Bob","password":"password-1"})").error().param, "username");
  EXPECT_EQ(parse_new_user(R"({"username":"bob","password":"short"})").error().param, "password");
  EXPECT_EQ(parse_user_patch(R"({"role":"root"})").error().param, "role");
  EXPECT_EQ(parse_user_patch(R"({"active":"yes"})").error().param, "active");
  EXPECT_EQ(parse_user_patch(R"({"quotas":[1]})").error().param, "quotas");
  auto patch = parse_user_patch(R"({"active":false,"allow_private_endpoints":true})");
  ASSERT_TRUE(patch);
  EXPECT_EQ(patch->active, false);
  EXPECT_EQ(patch->allow_private_endpoints, true);
  EXPECT_FALSE(patch->role);
  EXPECT_FALSE(patch->password);
}

TEST(AccountsJson, NewToken) {
  const store::UnixMs now = 1'700'000'000'000;
  auto none = parse_new_token("", now);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->expires_ms, 0);
  auto in = parse_new_token(R"({"description":"ci","expires_in":60})", now);
  ASSERT_TRUE(in);
  EXPECT_EQ(in->expires_ms, now + 60'000);
  EXPECT_EQ(parse_new_token(R"({"expires_in":-5})", now).error().param, "expires_in");
  EXPECT_EQ(parse_new_token(R"({"expires_at":5})", now).error().param, "expires_at");
  EXPECT_EQ(parse_new_token(R"({"description":7})", now).error().param, "description");
  EXPECT_EQ(parse_new_token(std::string(R"({"description":")") + std::string(201, 'x') + "\"}", now).error().param,
            "description");
}

TEST(AccountsJson, AnswersNeverCarrySecrets) {
  store::User u{"alice", store::UserRole::user, true, false, "$argon2id$secret-hash", "{}", 1'000, 0};
  const auto json = user_json(u);
  EXPECT_EQ(json.find("argon2"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("last_login":null)"), std::string::npos) << json;
  store::ApiToken t{"tok_1", "alice", "deadbeefhash", "d", "{}", 2'000, 0, 0, true};
  const auto list = tokens_list_json({t});
  EXPECT_EQ(list.find("deadbeef"), std::string::npos) << list;
  EXPECT_EQ(list.find("token\""), std::string::npos) << list;
  const auto created = created_token_json(t, "aisbf_secret");
  EXPECT_NE(created.find(R"("token":"aisbf_secret")"), std::string::npos) << created;
  EXPECT_EQ(created.find("deadbeef"), std::string::npos) << created;
  auth::Principal p{auth::PrincipalKind::session, auth::Role::admin, "alice", "s"};
  EXPECT_EQ(me_json(p), R"({"kind":"session","user":"alice","role":"admin","must_change_password":false})");
}

TEST(AccountsJson, APasswordToChangeIsSaidAndTheNewOneMustDiffer) {
  store::User u{"admin", store::UserRole::admin, true, false, "$argon2id$h", "{}", 1'000, 0};
  u.must_change_password = true;
  EXPECT_NE(user_json(u).find(R"("must_change_password":true)"), std::string::npos);
  EXPECT_EQ(login_json("c", u),
            R"({"csrf_token":"c","user":{"username":"admin","role":"admin","must_change_password":true}})");
  auth::Principal p{auth::PrincipalKind::session, auth::Role::admin, "admin", "session"};
  p.password_change_required = true;
  EXPECT_NE(me_json(p).find(R"("must_change_password":true)"), std::string::npos);

  auto same = parse_password_change(R"({"current_password":"generated-1","new_password":"generated-1"})");
  ASSERT_FALSE(same);
  EXPECT_EQ(same.error().param, "new_password");
  EXPECT_TRUE(parse_password_change(R"({"current_password":"generated-1","new_password":"mine-12345"})"));
}

}  // namespace
}  // namespace aisbf::api
