// Missing files get AISBF's defaults; write_missing_defaults writes them
// (0700 directory, 0600 files, atomically) and they load back identically.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "config/config.hpp"
#include "config/config_test_util.hpp"

namespace aisbf::config_test {
namespace {

using Strings = std::vector<std::string>;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Strings dir_listing(const fs::path& dir) {
  Strings names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

void expect_same_config(const Config& a, const Config& b) {
  EXPECT_EQ(a.aisbf, b.aisbf);
  EXPECT_EQ(a.server.host, b.server.host);
  EXPECT_EQ(a.server.port, b.server.port);
  EXPECT_EQ(a.auth.enabled, b.auth.enabled);
  EXPECT_EQ(a.auth.tokens, b.auth.tokens);
  EXPECT_EQ(provider_ids(a), provider_ids(b));
  EXPECT_EQ(rotation_ids(a), rotation_ids(b));
  EXPECT_EQ(autoselect_ids(a), autoselect_ids(b));
  for (std::size_t i = 0; i < a.providers.size() && i < b.providers.size(); ++i) {
    EXPECT_EQ(a.providers[i].raw, b.providers[i].raw);
  }
  for (std::size_t i = 0; i < a.autoselects.size() && i < b.autoselects.size(); ++i) {
    EXPECT_EQ(a.autoselects[i].raw, b.autoselects[i].raw);
  }
}

TEST(ConfigDefaults, EmptyDirectoryGetsDefaultsAndStaysEmpty) {
  TempDir dir;
  LoadResult result = load_config(dir.path());
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  EXPECT_EQ(formatted(result.diagnostics),
            (Strings{"warning: autoselect.json (built-in default): autoselect: id \"autoselect\" is a reserved route "
                     "word, accepted because AISBF ships it; clients reach it as model \"autoselect/autoselect\" or "
                     "via /api/autoselect/autoselect",
                     "warning: autoselect.json (built-in default): autoselect.available_models: no candidates: this "
                     "autoselect cannot choose a model (add entries to available_models)",
                     "warning: autoselect.json (built-in default): autoselect.fallback: unknown rotation, provider or \"provider/model\" \"general\"",
                     "warning: autoselect.json (built-in default): autoselect.selection_model: unknown rotation, provider or "
                     "\"provider/model\" \"general\""}));
  const Config& c = *result.config;
  EXPECT_EQ(provider_ids(c), (Strings{"codex", "kiro", "claude", "kilo", "coderai"}));
  EXPECT_TRUE(c.rotations.empty());
  EXPECT_EQ(autoselect_ids(c), Strings{"autoselect"});
  EXPECT_EQ(c.server.host, "127.0.0.1");
  EXPECT_EQ(c.server.port, 17765);
  EXPECT_FALSE(c.auth.enabled);
  EXPECT_TRUE(c.auth.tokens.empty());
  const boost::json::object* dashboard = c.aisbf.if_contains("dashboard")->if_object();
  ASSERT_NE(dashboard, nullptr);
  EXPECT_EQ(dashboard->if_contains("password"), nullptr);
  EXPECT_TRUE(dir_listing(dir.path()).empty());
}

TEST(ConfigDefaults, MissingDirectoryIsAnErrorWithoutWriting) {
  TempDir dir;
  fs::path missing = dir.path() / "nope";
  LoadResult result = load_config(missing);
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(formatted(result.diagnostics),
            Strings{"error: config directory \"" + missing.string() + "\" does not exist"});
  EXPECT_FALSE(fs::exists(missing));
}

TEST(ConfigDefaults, PathThatIsAFileIsAnError) {
  TempDir dir;
  dir.write("file", "x");
  LoadResult result = load_config(dir.path() / "file", LoadOptions{.write_missing_defaults = true});
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(formatted(result.diagnostics),
            Strings{"error: config directory \"" + (dir.path() / "file").string() + "\" is not a directory"});
}

TEST(ConfigDefaults, WriteMissingDefaultsCreatesPrivateFiles) {
  TempDir dir;
  fs::path cfg = dir.path() / "home" / ".aisbf";
  LoadResult written = load_config(cfg, LoadOptions{.write_missing_defaults = true});
  ASSERT_TRUE(written.ok()) << testing::PrintToString(formatted(written.diagnostics));
  EXPECT_EQ(mode_of(cfg), 0700u);
  EXPECT_EQ(dir_listing(cfg), (Strings{"aisbf.json", "autoselect.json", "providers.json", "rotations.json"}));
  for (const char* name : {"aisbf.json", "autoselect.json", "providers.json", "rotations.json"}) {
    EXPECT_EQ(mode_of(cfg / name), 0600u) << name;
  }
  std::string aisbf = read_text(cfg / "aisbf.json");
  EXPECT_EQ(aisbf.find("8c6976e5b5410415bde908bd4dee15dfb167a9c873fc4bb8a81f6f2ab448a918"), std::string::npos);
  EXPECT_EQ(aisbf.find("api-token-1"), std::string::npos);
  boost::json::value parsed = boost::json::parse(aisbf);
  EXPECT_EQ(parsed.at("server").at("host"), "127.0.0.1");
  EXPECT_EQ(parsed.at("auth").at("enabled"), false);
  EXPECT_EQ(parsed.at("dashboard").as_object().if_contains("password"), nullptr);

  // Read back (diagnostics now name the real files) and equal to the
  // in-memory defaults.
  LoadResult again = load_config(cfg);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(formatted(again.diagnostics), formatted(written.diagnostics));
  expect_same_config(*again.config, *written.config);
  TempDir empty;
  LoadResult in_memory = load_config(empty.path());
  ASSERT_TRUE(in_memory.ok());
  expect_same_config(*again.config, *in_memory.config);
}

TEST(ConfigDefaults, WriteMissingDefaultsKeepsExistingFiles) {
  TempDir dir;
  write_base_files(dir);
  fs::remove(dir.path() / "autoselect.json");
  LoadResult result = load_config(dir.path(), LoadOptions{.write_missing_defaults = true});
  EXPECT_EQ(read_text(dir.path() / "providers.json"), kBaseProviders);
  EXPECT_EQ(read_text(dir.path() / "rotations.json"), kBaseRotations);
  EXPECT_EQ(dir_listing(dir.path()), (Strings{"aisbf.json", "autoselect.json", "providers.json", "rotations.json"}));
  EXPECT_EQ(mode_of(dir.path() / "autoselect.json"), 0600u);
  // The written default autoselect is read back from the file.
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result.diagnostics.size(), 2u);  // the reserved id, and no candidates (AISBF ships none)
  EXPECT_EQ(result.diagnostics[0].file, "autoselect.json");
  EXPECT_EQ(result.diagnostics[0].json_path, "autoselect");
  EXPECT_EQ(result.diagnostics[1].json_path, "autoselect.available_models");
  EXPECT_EQ(autoselect_ids(*result.config), Strings{"autoselect"});
}

TEST(ConfigDefaults, UnreadableFileIsAnErrorNotDefaults) {
  TempDir dir;
  write_base_files(dir);
  fs::remove(dir.path() / "providers.json");
  fs::create_directory(dir.path() / "providers.json");
  LoadResult result = load_config(dir.path());
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(formatted(result.diagnostics), Strings{"error: providers.json: cannot read the file: not a regular file"});
}

}  // namespace
}  // namespace aisbf::config_test
