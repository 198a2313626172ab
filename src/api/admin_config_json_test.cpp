// Secrets in admin answers: masked wherever they are, and a masked value
// sent back keeps the stored secret (or is refused, naming its path).
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "api/admin_config_json.hpp"
#include "auth/secret_box.hpp"

namespace aisbf::api {
namespace {

namespace json = boost::json;

constexpr const char* kAisbf = R"({
  "server": {"host": "127.0.0.1", "port": 17765},
  "auth": {"enabled": true, "tokens": ["global-token-number-one", "global-token-number-two"]},
  "dashboard": {"username": "admin", "password": "8c6976e5b5410415bde908bd4dee15df"},
  "database": {"mysql_password": "mysql-secret-pass", "postgres_url": "postgresql://app:pg-secret-pass@db:5432/x",
               "mysql_port": 3306},
  "mcp": {"autoselect_tokens": ["mcp-token-aaaaaaaa"], "fullconfig_tokens": ["mcp-token-bbbbbbbb"]},
  "internal_model": {"condensation_max_tokens": 1000},
  "oauth2": {"google": {"client_secret": "google-client-secret"}}
})";

TEST(AdminConfigJson, SecretKeys) {
  for (auto k : {"api_key", "API_KEY", "mysql_password", "password", "client_secret", "tokens", "autoselect_tokens",
                 "refresh_token", "access_token"})
    EXPECT_TRUE(is_secret_key(k)) << k;
  for (auto k : {"max_tokens", "condensation_max_tokens", "name", "endpoint", "rate_limit_tpm", "mysql_port"})
    EXPECT_FALSE(is_secret_key(k)) << k;
}

TEST(AdminConfigJson, MaskingLeavesNoSecretInTheText) {
  const std::string text = json::serialize(masked(json::parse(kAisbf)));
  for (auto secret : {"global-token-number-one", "global-token-number-two", "8c6976e5b5410415bde908bd4dee15df",
                      "mysql-secret-pass", "pg-secret-pass", "mcp-token-aaaaaaaa", "mcp-token-bbbbbbbb",
                      "google-client-secret"})
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << " in " << text;
  const auto m = masked(json::parse(kAisbf));
  EXPECT_EQ(m.at("database").at("postgres_url"),
            json::value("postgresql://app:" + auth::mask_secret("pg-secret-pass") + "@db:5432/x"));
  EXPECT_EQ(m.at("internal_model").at("condensation_max_tokens"), 1000);
  EXPECT_EQ(m.at("dashboard").at("username"), "admin");
}

TEST(AdminConfigJson, MaskedValuesSentBackKeepTheStoredSecrets) {
  const json::value stored = json::parse(kAisbf);
  json::value sent = masked(stored);
  // The client reorders the tokens and adds one in clear.
  auto& tokens = sent.at("auth").at("tokens").as_array();
  std::swap(tokens[0], tokens[1]);
  tokens.emplace_back("a-brand-new-token-value");
  ASSERT_FALSE(restore_masked(sent, &stored, ""));
  EXPECT_EQ(sent.at("auth").at("tokens"),
            json::parse(R"(["global-token-number-two", "global-token-number-one", "a-brand-new-token-value"])"));
  EXPECT_EQ(sent.at("database"), stored.at("database"));
  EXPECT_EQ(sent.at("dashboard"), stored.at("dashboard"));
  EXPECT_EQ(sent.at("oauth2"), stored.at("oauth2"));
  EXPECT_EQ(sent.at("mcp"), stored.at("mcp"));
}

TEST(AdminConfigJson, AMaskedValueThatMatchesNothingIsRefusedWithItsPath) {
  const json::value stored = json::parse(R"({"api_key": "sk-stored-secret-1234"})");
  json::value sent = json::parse(R"({"api_key": ""})");
  sent.as_object()["api_key"] = auth::mask_secret("sk-another-secret-9999");
  auto error = restore_masked(sent, &stored, "providers.p");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->path, "providers.p.api_key");
  json::value fresh = sent;
  EXPECT_TRUE(restore_masked(fresh, nullptr, "providers.new"));
  json::value clear = json::parse(R"({"api_key": "sk-new-clear-value-0000"})");
  EXPECT_FALSE(restore_masked(clear, &stored, "providers.p"));
  EXPECT_EQ(clear.at("api_key"), "sk-new-clear-value-0000");
}

// A rotation's providers, each with its own key: two long keys, and two
// keys under 12 characters, which both mask to "…".
constexpr const char* kRotation = R"({"providers": [
  {"provider_id": "openai", "api_key": "sk-openai-key-number-1111", "models": [{"name": "a", "weight": 3}]},
  {"provider_id": "groq", "api_key": "gsk-short1", "weight": 2},
  {"provider_id": "openai", "api_key": "sk-openai-key-number-2222", "models": [{"name": "b"}]},
  {"provider_id": "mock", "api_key": "short-two", "weight": 0}
]})";

// The key each provider entry of `v` carries, in order.
std::vector<std::string> keys_of(const json::value& v) {
  std::vector<std::string> out;
  for (const auto& e : v.at("providers").as_array()) out.emplace_back(e.at("api_key").as_string());
  return out;
}

TEST(AdminConfigJson, ReorderedEntriesKeepTheirOwnMaskedKeys) {
  const json::value stored = json::parse(kRotation);
  json::value sent = masked(stored);
  auto& entries = sent.at("providers").as_array();
  std::reverse(entries.begin(), entries.end());
  entries[0].as_object()["weight"] = 5;  // edited as well as moved
  ASSERT_FALSE(restore_masked(sent, &stored, "rotations.r"));
  EXPECT_EQ(keys_of(sent), (std::vector<std::string>{"short-two", "sk-openai-key-number-2222", "gsk-short1",
                                                     "sk-openai-key-number-1111"}));
}

TEST(AdminConfigJson, RemovedAndSplitEntriesKeepTheirKeys) {
  const json::value stored = json::parse(kRotation);
  json::value sent = masked(stored);
  auto& entries = sent.at("providers").as_array();
  entries.erase(entries.begin());  // the first openai entry removed
  // The second openai entry split in two (a model moved out keeps the key).
  json::value split = entries[1];
  split.as_object()["models"] = json::parse(R"([{"name": "c"}])");
  entries.push_back(split);
  ASSERT_FALSE(restore_masked(sent, &stored, "rotations.r"));
  EXPECT_EQ(keys_of(sent), (std::vector<std::string>{"gsk-short1", "sk-openai-key-number-2222", "short-two",
                                                     "sk-openai-key-number-2222"}));
  // An entry of a provider that had no key stored: refused, not given another's.
  json::value other = masked(stored);
  other.at("providers").as_array()[3].as_object()["provider_id"] = "other";
  auto error = restore_masked(other, &stored, "rotations.r");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->path, "rotations.r.providers[3].api_key");
}

TEST(AdminConfigJson, MaskedKeysThatMaskAlikeAreRefusedUnlessTheEntryIsUnchanged) {
  const json::value stored = json::parse(R"({"providers": [
    {"provider_id": "openai", "api_key": "key-one", "models": [{"name": "a"}]},
    {"provider_id": "openai", "api_key": "key-two", "models": [{"name": "b"}]}]})");
  // Swapped but each sent back as read (its keys in another order, too):
  // each is its stored self.
  json::value sent = masked(stored);
  auto& entries = sent.at("providers").as_array();
  std::swap(entries[0], entries[1]);
  entries[0] = json::parse(R"({"models": [{"name": "b"}], "api_key": "…", "provider_id": "openai"})");
  ASSERT_FALSE(restore_masked(sent, &stored, "rotations.r"));
  EXPECT_EQ(keys_of(sent), (std::vector<std::string>{"key-two", "key-one"}));
  // Edited: either key could be meant; refused, naming the field.
  json::value edited = masked(stored);
  edited.at("providers").as_array()[1].as_object()["weight"] = 2;
  auto error = restore_masked(edited, &stored, "rotations.r");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->path, "rotations.r.providers[1].api_key");
  EXPECT_NE(error->message.find("more than one"), std::string::npos) << error->message;
  // The same key in both entries is no ambiguity.
  const json::value same = json::parse(R"({"providers": [
    {"provider_id": "openai", "api_key": "key-one", "weight": 1}, {"provider_id": "openai", "api_key": "key-one"}]})");
  json::value again = masked(same);
  again.at("providers").as_array()[0].as_object()["weight"] = 4;
  ASSERT_FALSE(restore_masked(again, &same, ""));
  EXPECT_EQ(keys_of(again), (std::vector<std::string>{"key-one", "key-one"}));
}

TEST(AdminConfigJson, InvalidConfigBodyListsEveryDiagnosticWithItsPath) {
  std::vector<Diagnostic> diags = {
      {Diagnostic::Severity::warning, "rotations.json", "rotations.r", "w"},
      {Diagnostic::Severity::error, "providers.json", "providers.p.endpoint", "expected a string, got number"},
      {Diagnostic::Severity::error, "providers.json", "providers.p.type", "unknown type"},
  };
  const auto body = json::parse(invalid_config_json(diags));
  EXPECT_EQ(body.at("error").at("code"), "invalid_config");
  EXPECT_EQ(body.at("error").at("param"), "providers.p.endpoint");
  ASSERT_EQ(body.at("diagnostics").as_array().size(), 3u);
  EXPECT_EQ(body.at("diagnostics").at(1).at("path"), "providers.p.endpoint");
  EXPECT_EQ(body.at("diagnostics").at(1).at("file"), "providers.json");
}

// A URL whose password came back masked: the stored password, with the rest
// of the URL as edited; a masked password that stands for nothing stored is
// refused (the mask itself must never become the password).
TEST(AdminConfigJson, AUrlKeepsItsStoredPasswordWhenItsHostIsEdited) {
  const json::value stored = json::parse(kAisbf);
  json::value sent = masked(stored);
  std::string url(sent.at("database").at("postgres_url").as_string());
  url.replace(url.find("@db:5432"), 8, "@db2.internal:6543");
  sent.at("database").as_object()["postgres_url"] = url;
  ASSERT_FALSE(restore_masked(sent, &stored, ""));
  EXPECT_EQ(sent.at("database").at("postgres_url"), "postgresql://app:pg-secret-pass@db2.internal:6543/x");

  // Unchanged: itself. A new password in clear: as sent.
  json::value same = masked(stored);
  ASSERT_FALSE(restore_masked(same, &stored, ""));
  EXPECT_EQ(same.at("database").at("postgres_url"), stored.at("database").at("postgres_url"));
  json::value clear = json::parse(R"({"database": {"postgres_url": "postgresql://app:new-pass@db:5432/x"}})");
  ASSERT_FALSE(restore_masked(clear, &stored, ""));
  EXPECT_EQ(clear.at("database").at("postgres_url"), "postgresql://app:new-pass@db:5432/x");

  // A mask of another password, or of one where none is stored: refused, named.
  json::value other = json::parse(R"({"database": {"postgres_url": ""}})");
  other.at("database").as_object()["postgres_url"] =
      "postgresql://app:" + auth::mask_secret("another-password-9") + "@db/x";
  auto error = restore_masked(other, &stored, "");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->path, "database.postgres_url");
  json::value none = json::parse(R"({"database": {"postgres_url": "postgresql://app:\u2026@db/x"}})");
  const json::value without = json::parse(R"({"database": {"postgres_url": "postgresql://db/x"}})");
  EXPECT_TRUE(restore_masked(none, &without, ""));
  EXPECT_TRUE(restore_masked(none, nullptr, ""));
}

// Tokens under 12 characters all mask to "…": sent back as often as stored,
// they keep every secret; fewer times, which one was removed cannot be
// told and the list is refused rather than guessed.
TEST(AdminConfigJson, ShortSecretsThatMaskAlikeAreRestoredOnlyWhenUnambiguous) {
  const json::value stored =
      json::parse(R"({"auth": {"tokens": ["short-one", "short-two", "a-long-token-value-1234"]}})");
  json::value all = masked(stored);
  ASSERT_EQ(all.at("auth").at("tokens").at(0), "\u2026");
  ASSERT_FALSE(restore_masked(all, &stored, ""));
  EXPECT_EQ(all, stored);

  json::value one_removed = json::parse(R"({"auth": {"tokens": ["\u2026", "a-l\u2026234"]}})");
  one_removed.at("auth").at("tokens").as_array()[1] = auth::mask_secret("a-long-token-value-1234");
  auto error = restore_masked(one_removed, &stored, "");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->path, "auth.tokens[0]");
  EXPECT_NE(error->message.find("cannot be told"), std::string::npos) << error->message;

  // Both removed, or the one to keep sent in clear: fine.
  json::value kept_clear = json::parse(R"({"auth": {"tokens": ["short-two"]}})");
  ASSERT_FALSE(restore_masked(kept_clear, &stored, ""));
  EXPECT_EQ(kept_clear.at("auth").at("tokens"), json::parse(R"(["short-two"])"));
  // More masks than stored secrets: the extra one matches nothing.
  json::value extra = json::parse(R"({"auth": {"tokens": ["\u2026", "\u2026", "\u2026"]}})");
  error = restore_masked(extra, &stored, "");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->path, "auth.tokens[2]");
  // The same short secret stored twice: any mask of it is that secret.
  const json::value twice = json::parse(R"({"auth": {"tokens": ["short-one", "short-one"]}})");
  json::value one = json::parse(R"({"auth": {"tokens": ["\u2026"]}})");
  ASSERT_FALSE(restore_masked(one, &twice, ""));
  EXPECT_EQ(one.at("auth").at("tokens"), json::parse(R"(["short-one"])"));
}

}  // namespace
}  // namespace aisbf::api
