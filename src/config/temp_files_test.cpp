// The start-up clean-up of config writers' temp files: a killed writer's is
// removed, a live writer's (locked) and anything else stays.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fstream>

#include "config/config_test_util.hpp"
#include "config/config_writer.hpp"
#include "config/temp_files.hpp"

namespace aisbf::config_test {
namespace {

TEST(TempFiles, NamesTheWritersMakeAndNoOthers) {
  EXPECT_TRUE(is_writer_temp_name(".providers.json.tmp-Ab3xYz"));
  EXPECT_TRUE(is_writer_temp_name(".autoselect.md.tmp-000000"));
  EXPECT_FALSE(is_writer_temp_name("providers.json.tmp-Ab3xYz"));  // no leading dot
  EXPECT_FALSE(is_writer_temp_name(".providers.json.tmp-Ab3xY"));  // five random characters
  EXPECT_FALSE(is_writer_temp_name(".providers.json.tmp-Ab3x.z"));
  EXPECT_FALSE(is_writer_temp_name(".tmp-Ab3xYz"));
  EXPECT_FALSE(is_writer_temp_name("secret.key"));
}

TEST(TempFiles, RemovesAKilledWritersTempButNotALiveOneOrOtherFiles) {
  TempDir dir;
  dir.write(".providers.json.tmp-Ab3xYz", "{\"half\": ");
  dir.write(".aisbf.json.tmp-KEEPme", "ok");
  dir.write("notes.tmp-abcdef", "mine");
  dir.write("providers.json", "{}");
  fs::create_symlink(dir.path() / "providers.json", dir.path() / ".rotations.json.tmp-Sym123");
  // A live writer elsewhere: its lock is held on this descriptor.
  const int live = ::open((dir.path() / ".aisbf.json.tmp-KEEPme").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(live, 0);
  ASSERT_EQ(::flock(live, LOCK_EX), 0);

  const auto removed = remove_stale_temp_files(dir.path());
  ::close(live);
  ASSERT_EQ(removed, std::vector<std::string>{".providers.json.tmp-Ab3xYz"});
  EXPECT_FALSE(fs::exists(dir.path() / ".providers.json.tmp-Ab3xYz"));
  EXPECT_TRUE(fs::exists(dir.path() / ".aisbf.json.tmp-KEEPme"));
  EXPECT_TRUE(fs::exists(dir.path() / "notes.tmp-abcdef"));
  EXPECT_TRUE(fs::is_symlink(dir.path() / ".rotations.json.tmp-Sym123"));
  EXPECT_TRUE(fs::exists(dir.path() / "providers.json"));
  // Unlocked now: the next start removes it.
  EXPECT_EQ(remove_stale_temp_files(dir.path()).size(), 1u);
}

TEST(TempFiles, AWriteInProgressKeepsItsTempUntilTheRename) {
  TempDir dir;
  dir.write("providers.json", "old");
  std::size_t removed_mid_write = 99, temps_mid_write = 0;
  WriteOptions options;
  options.fail_at = [&](WriteStep s) {
    if (s != WriteStep::rename) return false;
    for (const auto& e : fs::directory_iterator(dir.path()))
      temps_mid_write += is_writer_temp_name(e.path().filename().string()) ? 1 : 0;
    removed_mid_write = remove_stale_temp_files(dir.path()).size();  // as a second instance starting now
    return false;
  };
  ASSERT_FALSE(write_file_atomically(dir.path() / "providers.json", "new", options));
  EXPECT_EQ(temps_mid_write, 1u);
  EXPECT_EQ(removed_mid_write, 0u);
  std::ifstream in(dir.path() / "providers.json");
  std::string text;
  std::getline(in, text);
  EXPECT_EQ(text, "new");
}

TEST(TempFiles, AMissingDirectoryRemovesNothing) {
  EXPECT_TRUE(remove_stale_temp_files("/nonexistent/aisbf-temp-files-test").empty());
}

}  // namespace
}  // namespace aisbf::config_test
