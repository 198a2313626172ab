// The first start's generated files (first_run.hpp) and the "env:NAME"
// references they hold (env_keys.hpp, resolved at load).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include <boost/json/parse.hpp>

#include "config/config.hpp"
#include "config/config_test_util.hpp"
#include "config/env_keys.hpp"
#include "config/first_run.hpp"

namespace aisbf::config_test {
namespace {

EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

TEST(EnvKeys, ReferenceSyntax) {
  EXPECT_EQ(env_key_reference("env:OPENAI_API_KEY"), "OPENAI_API_KEY");
  EXPECT_EQ(env_key_reference("env:_x9"), "_x9");
  EXPECT_EQ(env_key_reference("sk-123"), std::nullopt);
  EXPECT_EQ(env_key_reference("env:"), std::nullopt);
  EXPECT_EQ(env_key_reference("env:9LIVES"), std::nullopt);
  EXPECT_EQ(env_key_reference("env:A B"), std::nullopt);
  EXPECT_EQ(env_key_reference("env:" + std::string(129, 'A')), std::nullopt);
}

TEST(FirstRun, ProvidersForTheKeysFoundAsReferences) {
  const auto docs = first_run_docs(fake_env({{"OPENAI_API_KEY", "sk-live-secret-1"},
                                             {"GOOGLE_API_KEY", "g-secret"},
                                             {"GROQ_API_KEY", "gsk-secret"},
                                             {"GROQ_BASE_URL", "http://127.0.0.1:9/openai/v1"},
                                             {"MISTRAL_API_KEY", ""}}),
                                   std::string("http://127.0.0.1:11434"));
  EXPECT_EQ(docs.providers_json.find("secret"), std::string::npos) << docs.providers_json;
  const auto root = boost::json::parse(docs.providers_json);
  const auto& providers = root.at("providers").as_object();
  std::vector<std::string> ids;
  for (const auto& kv : providers) ids.emplace_back(kv.key());
  EXPECT_EQ(ids, (std::vector<std::string>{"openai", "gemini", "groq", "ollama"}));
  EXPECT_EQ(providers.at("openai").at("api_key").as_string(), "env:OPENAI_API_KEY");
  EXPECT_EQ(providers.at("openai").at("endpoint").as_string(), "https://api.openai.com/v1");
  EXPECT_EQ(providers.at("gemini").at("api_key").as_string(), "env:GOOGLE_API_KEY");
  EXPECT_EQ(providers.at("gemini").at("type").as_string(), "google");
  EXPECT_EQ(providers.at("groq").at("preset").as_string(), "groq");
  EXPECT_EQ(providers.at("groq").at("endpoint").as_string(), "http://127.0.0.1:9/openai/v1");
  EXPECT_EQ(providers.at("ollama").at("endpoint").as_string(), "http://127.0.0.1:11434");
  ASSERT_EQ(docs.found.size(), 4u);
  EXPECT_EQ(docs.found[0].origin, "env:OPENAI_API_KEY");
  EXPECT_EQ(docs.autoselect_json, "{}\n");
}

// Every provider the first start can write loads, with its key from the
// environment, and without a single diagnostic (the issue's "no warnings").
TEST(FirstRun, TheGeneratedFilesLoadWithoutDiagnostics) {
  std::map<std::string, std::string> vars;
  for (const auto& p : env_providers()) vars[std::string(p.key_vars[0])] = "k-" + std::string(p.id);
  for (const auto& [name, value] : vars) ::setenv(name.c_str(), value.c_str(), 1);
  TempDir dir;
  const auto docs = first_run_docs(fake_env(vars), std::string("http://127.0.0.1:11434"));
  ASSERT_EQ(write_first_run_files(dir.path() / "fresh", docs), "");
  const auto loaded = load_config(dir.path() / "fresh", {.write_missing_defaults = true});
  for (const auto& [name, value] : vars) ::unsetenv(name.c_str());
  EXPECT_EQ(formatted(loaded.diagnostics), std::vector<std::string>{});
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded.config->providers.size(), env_providers().size() + 1);
  const auto* openai = loaded.config->find_provider("openai");
  ASSERT_NE(openai, nullptr);
  EXPECT_EQ(openai->api_key, "k-openai");
  EXPECT_EQ(fs::status(dir.path() / "fresh" / "providers.json").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
}

TEST(FirstRun, OnlyAnEmptyDirectoryIsAFirstStart) {
  TempDir dir;
  EXPECT_TRUE(is_first_start(dir.path() / "missing"));
  EXPECT_TRUE(is_first_start(dir.path()));
  dir.write("aisbf.json", "{}");
  EXPECT_FALSE(is_first_start(dir.path()));
}

TEST(EnvKeys, AnUnsetVariableIsAWarningAndNoKey) {
  TempDir dir;
  write_base_files(dir);
  dir.write("providers.json", R"({"providers": {"openai": {"id": "openai", "type": "openai",
    "endpoint": "https://api.openai.com/v1", "api_key": "env:AISBF_TEST_SURELY_UNSET_KEY", "models": []}}})");
  const auto loaded = load_config(dir.path());
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded.config->find_provider("openai")->api_key, "");
  const auto lines = formatted(loaded.diagnostics);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0],
            "warning: providers.json: providers.openai.api_key: the environment variable "
            "AISBF_TEST_SURELY_UNSET_KEY is not set; no key is sent");
}

TEST(EnvKeys, ALoadMayRefuseThemPerProvider) {
  ::setenv("AISBF_TEST_FIRST_RUN_KEY", "sk-from-env", 1);
  TempDir dir;
  write_base_files(dir);
  dir.write("providers.json", R"({"providers": {
    "mine": {"id": "mine", "type": "openai", "endpoint": "https://a.example/v1", "api_key": "env:AISBF_TEST_FIRST_RUN_KEY", "models": []},
    "ops": {"id": "ops", "type": "openai", "endpoint": "https://a.example/v1", "api_key": "env:AISBF_TEST_FIRST_RUN_KEY", "models": []},
    "openai": {"id": "openai", "type": "openai", "endpoint": "https://a.example/v1", "api_key": "k", "models": []}}})");
  LoadOptions options;
  options.env_keys_for = [](std::string_view id) { return id != "mine"; };
  const auto loaded = load_config(dir.path(), options);
  ::unsetenv("AISBF_TEST_FIRST_RUN_KEY");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded.config->find_provider("ops")->api_key, "sk-from-env");
  EXPECT_EQ(loaded.config->find_provider("mine")->api_key, "");
  const auto lines = formatted(loaded.diagnostics);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("providers.mine.api_key"), std::string::npos) << lines[0];
  EXPECT_EQ(lines[0].find("sk-from-env"), std::string::npos);
}

TEST(EnvKeys, OnlyKeyNamesAreRead) {
  EXPECT_TRUE(env_key_name_allowed("OPENAI_API_KEY"));
  EXPECT_TRUE(env_key_name_allowed("HF_TOKEN"));
  EXPECT_FALSE(env_key_name_allowed("HOME"));
  EXPECT_FALSE(env_key_name_allowed("DATABASE_PASSWORD"));
  ::setenv("AISBF_TEST_ENV_SECRET", "not-a-key-value", 1);
  TempDir dir;
  write_base_files(dir);
  dir.write("providers.json", R"({"providers": {"openai": {"id": "openai", "type": "openai",
    "endpoint": "https://api.openai.com/v1", "api_key": "env:AISBF_TEST_ENV_SECRET", "models": []}}})");
  const auto loaded = load_config(dir.path());
  ::unsetenv("AISBF_TEST_ENV_SECRET");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded.config->find_provider("openai")->api_key, "");
  const auto lines = formatted(loaded.diagnostics);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0],
            "warning: providers.json: providers.openai.api_key: only variables named …_KEY or …_TOKEN are read, not "
            "AISBF_TEST_ENV_SECRET; no key is sent");
}

// A providers.json holding only references holds no key: open modes are fine.
TEST(EnvKeys, ReferencesAloneAreNoSecretsInTheFile) {
  ::setenv("AISBF_TEST_MODE_KEY", "sk-from-env-mode", 1);
  TempDir dir;
  write_base_files(dir);
  dir.write("providers.json", R"({"providers": {"openai": {"id": "openai", "type": "openai",
    "endpoint": "https://api.openai.com/v1", "api_key": "env:AISBF_TEST_MODE_KEY", "models": [{"name": "gpt-4"}]}}})");
  std::filesystem::permissions(
      dir.path() / "providers.json",
      std::filesystem::perms::owner_all | std::filesystem::perms::group_read | std::filesystem::perms::others_read,
      std::filesystem::perm_options::replace);
  const auto loaded = load_config(dir.path());
  ::unsetenv("AISBF_TEST_MODE_KEY");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded.config->find_provider("openai")->api_key, "sk-from-env-mode");
  EXPECT_EQ(formatted(loaded.diagnostics), std::vector<std::string>{});
}

// A rotation entry's api_key is not resolved (an API caller may write
// rotations): a warning, and the provider's own key is sent.
TEST(EnvKeys, ARotationEntryNeverReadsTheEnvironment) {
  ::setenv("AISBF_TEST_ROTATION_KEY", "sk-rotation-env", 1);
  TempDir dir;
  write_base_files(dir);
  dir.write("rotations.json", R"({"rotations": {"general": {"model_name": "general", "providers": [
    {"provider_id": "openai", "api_key": "env:AISBF_TEST_ROTATION_KEY", "models": [{"name": "gpt-4"}]}]}}})");
  const auto loaded = load_config(dir.path());
  ::unsetenv("AISBF_TEST_ROTATION_KEY");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded.config->rotations.at(0).providers.at(0).api_key, "");
  EXPECT_EQ(formatted(loaded.diagnostics),
            std::vector<std::string>{"warning: rotations.json: rotations.general.providers[0].api_key: \"env:…\" "
                                     "references are read only in providers.json; the provider's own key is sent"});
}

}  // namespace
}  // namespace aisbf::config_test
