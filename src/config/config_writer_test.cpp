// Atomic writes: the new text in place with the right mode, or (on any
// failed step) the old file untouched and no temp file left; and the JSON
// formatting edits are written with.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>
#include <iterator>

#include <boost/json/parse.hpp>

#include "config/config_test_util.hpp"
#include "config/config_writer.hpp"

namespace aisbf::config_test {
namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return st.st_mode & 07777;
}

std::size_t entries(const fs::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

TEST(ConfigWriter, ReplacesTheFileWithMode0600ForSecrets) {
  TempDir dir;
  dir.write("providers.json", "old");
  fs::permissions(dir.path() / "providers.json", fs::perms(0644), fs::perm_options::replace);
  ASSERT_FALSE(write_file_atomically(dir.path() / "providers.json", "new text"));
  EXPECT_EQ(slurp(dir.path() / "providers.json"), "new text");
  EXPECT_EQ(mode_of(dir.path() / "providers.json"), 0600u);
  EXPECT_EQ(entries(dir.path()), 1u);
}

TEST(ConfigWriter, KeepsAnExistingModeWhenAskedAndMakesNewFiles0600) {
  TempDir dir;
  dir.write("autoselect.md", "old");
  fs::permissions(dir.path() / "autoselect.md", fs::perms(0640), fs::perm_options::replace);
  ASSERT_FALSE(write_file_atomically(dir.path() / "autoselect.md", "x", {.mode = FileMode::keep_existing, .fail_at = {}}));
  EXPECT_EQ(mode_of(dir.path() / "autoselect.md"), 0640u);
  ASSERT_FALSE(write_file_atomically(dir.path() / "fresh.md", "y", {.mode = FileMode::keep_existing, .fail_at = {}}));
  EXPECT_EQ(mode_of(dir.path() / "fresh.md"), 0600u);
}

TEST(ConfigWriter, AFailedStepLeavesTheOldFileAndNoTempFile) {
  for (auto failing : {WriteStep::create_temp, WriteStep::write, WriteStep::sync_file, WriteStep::rename}) {
    TempDir dir;
    dir.write("aisbf.json", R"({"old": true})");
    WriteOptions options;
    options.fail_at = [failing](WriteStep s) { return s == failing; };
    auto error = write_file_atomically(dir.path() / "aisbf.json", R"({"new": true})", options);
    ASSERT_TRUE(error) << static_cast<int>(failing);
    EXPECT_EQ(error->path, (dir.path() / "aisbf.json").string());
    EXPECT_FALSE(error->message.empty());
    EXPECT_EQ(slurp(dir.path() / "aisbf.json"), R"({"old": true})");
    EXPECT_EQ(entries(dir.path()), 1u) << "a temp file was left behind";
  }
}

TEST(ConfigWriter, AMissingDirectoryIsAnErrorNamingThePath) {
  TempDir dir;
  const auto target = dir.path() / "no-such-dir" / "aisbf.json";
  auto error = write_file_atomically(target, "{}");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->path, target.string());
  EXPECT_NE(error->message.find("No such file"), std::string::npos) << error->message;
}

TEST(ConfigWriter, PrettyJsonIndentsByTwoAndKeepsOrderAndNumberKinds) {
  const auto v = boost::json::parse(R"({"z":1,"a":[1,2.0,0.1,"s\n"],"e":{},"l":[],"n":null,"b":true,"d":{"k":-3.5}})");
  EXPECT_EQ(pretty_json(v),
            "{\n"
            "  \"z\": 1,\n"
            "  \"a\": [\n"
            "    1,\n"
            "    2.0,\n"
            "    0.1,\n"
            "    \"s\\n\"\n"
            "  ],\n"
            "  \"e\": {},\n"
            "  \"l\": [],\n"
            "  \"n\": null,\n"
            "  \"b\": true,\n"
            "  \"d\": {\n"
            "    \"k\": -3.5\n"
            "  }\n"
            "}\n");
  EXPECT_EQ(boost::json::parse(pretty_json(v)), v);
}

}  // namespace
}  // namespace aisbf::config_test
