// `check-config`: output, exit codes, and that it never writes.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "config/check_config.hpp"
#include "config/config_test_util.hpp"

namespace aisbf::config_test {
namespace {

// Every entry under `dir` with its content, to prove nothing was written.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    out[entry.path().string()] = std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return out;
}

// The third: its condensation block names a model its gemini entry does not list.
TEST(CheckConfig, Sample0_9_4PassesWithThreeWarnings) {
  TempDir tmp;
  std::ostringstream out;
  EXPECT_EQ(run_check_config(private_fixture("aisbf-0.9.4-config", tmp), out), 0);
  EXPECT_EQ(out.str(),
            "warning: autoselect.json: autoselect: id \"autoselect\" is a reserved route word, accepted because AISBF "
            "ships it; clients reach it as model \"autoselect/autoselect\" or via /api/autoselect/autoselect\n"
            "warning: rotations.json: rotations.simple-openai.providers[0]: no models here and provider \"openai\" "
            "lists none: the entry has no candidates\n"
            "warning: providers.json: condensation.model: provider \"gemini\" lists no model \"gemini-1.5-flash\": "
            "the condensation calls ask it as an unlisted model, with the provider's defaults (none of a listed "
            "model's context_size, limits or prices); if the upstream does not serve it, every call fails and the "
            "next method runs\n"
            "check-config: 22 providers, 6 rotations, 1 autoselect; 0 errors, 3 warnings\n");
}

TEST(CheckConfig, Sample0_99_83Passes) {
  TempDir tmp;
  std::ostringstream out;
  EXPECT_EQ(run_check_config(private_fixture("aisbf-0.99.83-config", tmp), out), 0);
  EXPECT_NE(out.str().find("check-config: 5 providers, 0 rotations, 1 autoselect; 0 errors, 4 warnings\n"),
            std::string::npos)
      << out.str();
}

TEST(CheckConfig, ErrorsFailAndAreAllPrinted) {
  TempDir dir;
  write_base_files(dir);
  dir.write("providers.json", R"({"providers": {"openai": {"endpoint": 5, "type": "openai", "api_key": "sk-secret-123",
      "x": 1}, "p2": {"type": "openai"}}})");
  const auto before = snapshot(dir.path());
  std::ostringstream out;
  EXPECT_EQ(run_check_config(dir.path(), out), 1);
  EXPECT_EQ(out.str(),
            "error: providers.json: providers.openai.endpoint: expected a string, got number\n"
            "warning: providers.json: providers.openai.x: unknown key, kept but not used\n"
            "error: providers.json: providers.p2.endpoint: missing required field\n"
            "check-config: 2 providers, 1 rotation, 1 autoselect; 2 errors, 1 warning\n");
  EXPECT_EQ(out.str().find("sk-secret"), std::string::npos);
  EXPECT_EQ(snapshot(dir.path()), before);
}

TEST(CheckConfig, MissingDirectoryFailsAndIsNotCreated) {
  TempDir dir;
  fs::path missing = dir.path() / "absent";
  std::ostringstream out;
  EXPECT_EQ(run_check_config(missing, out), 1);
  EXPECT_EQ(out.str(), "error: config directory \"" + missing.string() +
                           "\" does not exist\n"
                           "check-config: 0 providers, 0 rotations, 0 autoselects; 1 error, 0 warnings\n");
  EXPECT_FALSE(fs::exists(missing));
}

TEST(CheckConfig, MissingFilesUseDefaultsAndWriteNothing) {
  TempDir dir;
  std::ostringstream out;
  EXPECT_EQ(run_check_config(dir.path(), out), 0);
  EXPECT_NE(out.str().find("check-config: 5 providers, 0 rotations, 1 autoselect; 0 errors, 4 warnings\n"),
            std::string::npos)
      << out.str();
  EXPECT_TRUE(snapshot(dir.path()).empty());
}

TEST(CheckConfig, CleanDirectoryPrintsOnlyTheSummary) {
  TempDir dir;
  write_base_files(dir);
  const auto before = snapshot(dir.path());
  std::ostringstream out;
  EXPECT_EQ(run_check_config(dir.path(), out), 0);
  EXPECT_EQ(out.str(), "check-config: 1 provider, 1 rotation, 1 autoselect; 0 errors, 0 warnings\n");
  EXPECT_EQ(snapshot(dir.path()), before);
}

TEST(CheckConfig, DatabaseSectionErrorsNameTheirPath) {
  TempDir dir;
  write_base_files(dir);
  dir.write("aisbf.json", R"({"database": {"type": "oracle", "mysql_port": "3306", "postgres_port": 70000,
      "sqlite_path": 5, "usage_retention_days": -1, "postgres_url": "postgresql://x@127.0.0.1/db", "colour": 1}})");
  std::ostringstream out;
  EXPECT_EQ(run_check_config(dir.path(), out), 1);
  EXPECT_EQ(out.str(),
            "error: aisbf.json: database.mysql_port: expected an integer, got string\n"
            "error: aisbf.json: database.sqlite_path: expected a string or null, got number\n"
            "warning: aisbf.json: database.colour: unknown key, kept but not used\n"
            "error: aisbf.json: database.type: \"oracle\" is not one of sqlite, postgres (postgresql), mysql (mariadb)\n"
            "error: aisbf.json: database.postgres_port: must be between 1 and 65535\n"
            "error: aisbf.json: database.usage_retention_days: must be between 0 and 100000\n"
            "check-config: 1 provider, 1 rotation, 1 autoselect; 5 errors, 1 warning\n");
}

TEST(CheckConfig, DatabaseSectionOfEveryTypeIsAccepted) {
  for (const char* type : {"sqlite", "postgres", "PostgreSQL", "mysql", "mariadb"}) {
    TempDir dir;
    write_base_files(dir);
    dir.write("aisbf.json", std::string(R"({"database": {"type": ")") + type +
                                R"(", "postgres_host": "db", "postgres_port": 5433, "usage_retention_days": 90}})");
    std::ostringstream out;
    EXPECT_EQ(run_check_config(dir.path(), out), 0) << type << ": " << out.str();
  }
}

TEST(CheckConfig, InvalidJsonFails) {
  TempDir dir;
  write_base_files(dir);
  dir.write("rotations.json", "{\"rotations\": }");
  std::ostringstream out;
  EXPECT_EQ(run_check_config(dir.path(), out), 1);
  EXPECT_EQ(out.str(),
            "error: rotations.json: invalid JSON at line 1, column 15: syntax error\n"
            "check-config: 1 provider, 0 rotations, 1 autoselect; 1 error, 0 warnings\n");
}

}  // namespace
}  // namespace aisbf::config_test
