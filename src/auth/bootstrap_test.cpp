#include "auth/bootstrap.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <fstream>
#include <map>

#include "auth/api_tokens.hpp"
#include "auth/passwords.hpp"

namespace aisbf::auth {
namespace {

namespace fs = std::filesystem;
using store::Result;
using store::StoreError;

StoreError unsupported() { return {StoreError::Kind::internal, "not in the fake"}; }

// Only the user methods ensure_admin calls; everything else is an internal
// error, so a call the bootstrap should not make shows up as a failure. For
// what a real database cannot be made to do on demand (be down); the
// BootstrapSqlite tests below run the same paths on the SQLite store.
class FakeUserStore : public store::Store {
 public:
  std::map<std::string, store::User, std::less<>> users;
  bool down = false;

  std::string_view backend() const override { return "fake"; }
  Result<int> migrate() override { return unsupported(); }
  Result<int> schema_version() override { return unsupported(); }
  Result<store::Done> create_user(const store::User& u) override {
    if (down) return StoreError{StoreError::Kind::unavailable, "down"};
    if (!users.emplace(u.username, u).second) return StoreError{StoreError::Kind::conflict, "exists"};
    return store::Done{};
  }
  Result<std::optional<store::User>> find_user(std::string_view name) override {
    if (down) return StoreError{StoreError::Kind::unavailable, "down"};
    auto it = users.find(name);
    return it == users.end() ? std::optional<store::User>{} : std::optional(it->second);
  }
  Result<std::vector<store::User>> list_users() override { return unsupported(); }
  Result<store::Done> update_user(const store::User& u) override {
    auto it = users.find(u.username);
    if (it == users.end()) return StoreError{StoreError::Kind::not_found, "no user"};
    const auto created = it->second.created_ms;
    it->second = u;
    it->second.created_ms = created;
    return store::Done{};
  }
  Result<store::Done> delete_user(std::string_view) override { return unsupported(); }
  Result<std::int64_t> count_active_admins() override {
    if (down) return StoreError{StoreError::Kind::unavailable, "down"};
    std::int64_t n = 0;
    for (const auto& [name, u] : users) n += u.active && u.role == store::UserRole::admin;
    return n;
  }
  Result<store::Done> create_token(const store::ApiToken&) override { return unsupported(); }
  Result<std::optional<store::ApiToken>> find_token_by_hash(std::string_view) override { return unsupported(); }
  Result<std::vector<store::ApiToken>> list_tokens(std::string_view) override { return unsupported(); }
  Result<std::vector<store::ApiToken>> list_all_tokens() override { return unsupported(); }
  Result<store::Done> delete_token(std::string_view, std::string_view) override { return unsupported(); }
  Result<store::Done> touch_tokens(std::span<const std::pair<std::string, store::UnixMs>>) override {
    return unsupported();
  }
  Result<store::Done> create_session(const store::Session&) override { return unsupported(); }
  Result<std::optional<store::Session>> find_session(std::string_view) override { return unsupported(); }
  Result<store::Done> delete_session(std::string_view) override { return unsupported(); }
  Result<std::int64_t> delete_expired_sessions(store::UnixMs) override { return unsupported(); }
  Result<store::Done> put_doc(const store::ConfigDoc&) override { return unsupported(); }
  Result<std::optional<store::ConfigDoc>> get_doc(std::string_view, store::DocKind, std::string_view) override {
    return unsupported();
  }
  Result<std::vector<store::ConfigDoc>> list_docs(std::string_view) override { return unsupported(); }
  Result<store::Done> delete_doc(std::string_view, store::DocKind, std::string_view) override { return unsupported(); }
  Result<store::Done> insert_usage(std::span<const store::UsageRecord>) override { return unsupported(); }
  Result<store::UsageReport> query_usage(const store::UsageQuery&) override { return unsupported(); }
  Result<std::int64_t> export_usage(const store::UsageQuery&,
                                    const std::function<bool(const store::UsageRecord&)>&) override {
    return unsupported();
  }
  Result<std::int64_t> prune_usage(store::UnixMs) override { return unsupported(); }
  Result<std::optional<std::string>> get_meta(std::string_view) override { return unsupported(); }
  Result<store::Done> put_meta(std::string_view, std::string_view) override { return unsupported(); }
};

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("aisbf-bootstrap-" + random_hex(6));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

boost::json::object json(std::string_view text) { return boost::json::parse(text).as_object(); }

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0);
  return st.st_mode & 0777;
}

constexpr store::UnixMs kNow = 1'700'000'000'000;

TEST(Bootstrap, GeneratesARandomAdminPasswordWrittenOnce0600) {
  FakeUserStore store;
  TempDir dir;
  auto r = ensure_admin(store, dir.path, {}, kNow);
  ASSERT_FALSE(r.error) << r.error->message;
  EXPECT_TRUE(r.created);
  EXPECT_EQ(r.username, "admin");
  EXPECT_TRUE(acceptable_password(r.password));
  EXPECT_EQ(r.password_file, dir.path / "initial-admin-password");
  EXPECT_EQ(read_file(r.password_file), r.password + "\n");
  EXPECT_EQ(mode_of(r.password_file), 0600);
  const auto& admin = store.users.at("admin");
  EXPECT_EQ(admin.role, store::UserRole::admin);
  EXPECT_TRUE(admin.active);
  EXPECT_EQ(admin.created_ms, kNow);
  EXPECT_EQ(verify_password(admin.password_hash, r.password), PasswordCheck::ok);
  EXPECT_EQ(verify_password(admin.password_hash, "admin"), PasswordCheck::wrong);
  EXPECT_TRUE(admin.must_change_password);  // generated: the first login replaces it

  // With an active admin: nothing more happens.
  auto again = ensure_admin(store, dir.path, {}, kNow + 1);
  EXPECT_FALSE(again.created);
  EXPECT_FALSE(again.error);
  EXPECT_EQ(again.password, "");
  EXPECT_EQ(read_file(r.password_file), r.password + "\n");
}

TEST(Bootstrap, ImportsAisbfDashboardSha256) {
  FakeUserStore store;
  TempDir dir;
  const std::string hex = sha256_hex("my old dashboard password");
  auto r = ensure_admin(store, dir.path, json(R"({"dashboard":{"username":"Boss","password":")" + hex + "\"}}"), kNow);
  ASSERT_FALSE(r.error);
  EXPECT_TRUE(r.created);
  EXPECT_EQ(r.username, "boss");
  EXPECT_EQ(r.password, "");
  EXPECT_TRUE(r.password_file.empty());
  EXPECT_FALSE(fs::exists(dir.path / "initial-admin-password"));
  EXPECT_EQ(store.users.at("boss").password_hash, "sha256:" + hex);
  EXPECT_FALSE(store.users.at("boss").must_change_password);  // the operator chose it
  EXPECT_EQ(verify_password(store.users.at("boss").password_hash, "my old dashboard password"),
            PasswordCheck::ok_rehash);
}

TEST(Bootstrap, RefusesAisbfDefaultAdminAdmin) {
  FakeUserStore store;
  TempDir dir;
  auto r = ensure_admin(store, dir.path,
                        json(R"({"dashboard":{"username":"admin","password":")" + sha256_hex("admin") + "\"}}"), kNow);
  ASSERT_FALSE(r.error);
  EXPECT_TRUE(r.created);
  EXPECT_FALSE(r.password.empty());
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("default"), std::string::npos);
  EXPECT_EQ(verify_password(store.users.at("admin").password_hash, "admin"), PasswordCheck::wrong);
  EXPECT_EQ(verify_password(store.users.at("admin").password_hash, r.password), PasswordCheck::ok);
}

TEST(Bootstrap, ReplacesAnOldPasswordFileAndPromotesAnExistingUser) {
  FakeUserStore store;
  TempDir dir;
  const auto file = dir.path / "initial-admin-password";
  { std::ofstream(file) << "old-password\n"; }
  ::chmod(file.c_str(), 0644);
  store::User demoted;
  demoted.username = "admin";
  demoted.role = store::UserRole::admin;
  demoted.active = false;
  demoted.created_ms = 5;
  store.users.emplace("admin", demoted);
  auto r = ensure_admin(store, dir.path, json(R"({"dashboard":{"password":"not-a-hash"}})"), kNow);
  ASSERT_FALSE(r.error);
  EXPECT_TRUE(r.created);
  EXPECT_EQ(read_file(file), r.password + "\n");
  EXPECT_EQ(mode_of(file), 0600);
  EXPECT_EQ(r.warnings.size(), 2u);  // the ignored dashboard.password, the promoted user
  EXPECT_TRUE(store.users.at("admin").active);
  EXPECT_EQ(store.users.at("admin").created_ms, 5);
  EXPECT_EQ(verify_password(store.users.at("admin").password_hash, r.password), PasswordCheck::ok);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator{}), 1);  // no temp file left
}

TEST(Bootstrap, StoreErrorsAreReturned) {
  FakeUserStore store;
  store.down = true;
  TempDir dir;
  auto r = ensure_admin(store, dir.path, {}, kNow);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->kind, StoreError::Kind::unavailable);
  EXPECT_FALSE(r.created);
  EXPECT_EQ(r.password, "");
  EXPECT_FALSE(fs::exists(dir.path / "initial-admin-password"));
}

TEST(Bootstrap, AnUnwritablePasswordFileIsAWarningNotAFailure) {
  FakeUserStore store;
  auto r = ensure_admin(store, "/nonexistent-aisbf-dir", {}, kNow);
  ASSERT_FALSE(r.error);
  EXPECT_TRUE(r.created);
  EXPECT_FALSE(r.password.empty());  // main still prints it
  EXPECT_TRUE(r.password_file.empty());
  ASSERT_EQ(r.warnings.size(), 1u);
}

// The same on the real SQLite store (wt-store), migrated as main does it.
class BootstrapSqlite : public ::testing::Test {
 protected:
  void SetUp() override {
    store::DatabaseSettings settings;
    settings.type = "sqlite";
    settings.sqlite_path = (dir.path / "aisbf.db").string();
    auto opened = store::open_store(settings);
    ASSERT_TRUE(opened) << opened.error().message;
    db = std::move(opened.value());
    auto migrated = db->migrate();
    ASSERT_TRUE(migrated) << migrated.error().message;
  }
  TempDir dir;
  std::unique_ptr<store::Store> db;
};

TEST_F(BootstrapSqlite, CreatesOneAdminWithARandomPassword) {
  auto r = ensure_admin(*db, dir.path, {}, kNow);
  ASSERT_FALSE(r.error) << r.error->message;
  ASSERT_TRUE(r.created);
  EXPECT_EQ(read_file(dir.path / "initial-admin-password"), r.password + "\n");
  auto admin = db->find_user("admin");
  ASSERT_TRUE(admin && admin.value());
  EXPECT_EQ(admin.value()->role, store::UserRole::admin);
  EXPECT_TRUE(admin.value()->active);
  EXPECT_EQ(verify_password(admin.value()->password_hash, r.password), PasswordCheck::ok);
  EXPECT_EQ(db->count_active_admins().value(), 1);
  auto again = ensure_admin(*db, dir.path, {}, kNow + 1);
  EXPECT_FALSE(again.created);
  EXPECT_FALSE(again.error);
  EXPECT_EQ(db->list_users().value().size(), 1u);
}

TEST_F(BootstrapSqlite, ImportsAisbfSha256) {
  const std::string hex = sha256_hex("imported pw");
  auto r = ensure_admin(*db, dir.path, json(R"({"dashboard":{"username":"root","password":")" + hex + "\"}}"), kNow);
  ASSERT_FALSE(r.error) << r.error->message;
  EXPECT_EQ(r.password, "");
  auto root = db->find_user("root");
  ASSERT_TRUE(root && root.value());
  EXPECT_EQ(verify_password(root.value()->password_hash, "imported pw"), PasswordCheck::ok_rehash);
  EXPECT_FALSE(fs::exists(dir.path / "initial-admin-password"));
}

TEST_F(BootstrapSqlite, PromotesAnInactiveAdmin) {
  store::User old;
  old.username = "admin";
  old.role = store::UserRole::admin;
  old.active = false;
  old.password_hash = hash_password("forgotten-pw");
  old.quotas_json = "{}";
  old.created_ms = 42;
  ASSERT_TRUE(db->create_user(old));
  auto r = ensure_admin(*db, dir.path, json(R"({"dashboard":{"password":")" + sha256_hex("admin") + "\"}}"), kNow);
  ASSERT_FALSE(r.error) << r.error->message;
  EXPECT_TRUE(r.created);
  auto admin = db->find_user("admin");
  ASSERT_TRUE(admin && admin.value());
  EXPECT_TRUE(admin.value()->active);
  EXPECT_EQ(admin.value()->created_ms, 42);
  EXPECT_EQ(verify_password(admin.value()->password_hash, r.password), PasswordCheck::ok);
  EXPECT_EQ(verify_password(admin.value()->password_hash, "admin"), PasswordCheck::wrong);
  EXPECT_EQ(db->count_active_admins().value(), 1);
}

}  // namespace
}  // namespace aisbf::auth
