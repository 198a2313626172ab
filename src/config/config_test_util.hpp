// Helpers shared by the config unit tests (header only, tests only).
#pragma once

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <gtest/gtest.h>

#include "config/config.hpp"

namespace aisbf::config_test {

namespace fs = std::filesystem;

// A fresh directory under $TMPDIR, removed with its content at the end.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "aisbf-config-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }

  // Written with mode 0600, as aisbf writes files holding keys (a file open
  // to others adds a warning; tests of that warning chmod it themselves).
  void write(std::string_view name, std::string_view text) const {
    {
      std::ofstream out(path_ / name, std::ios::binary | std::ios::trunc);
      out << text;
    }
    fs::permissions(path_ / name, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
  }

 private:
  fs::path path_;
};

inline fs::path fixture_dir(std::string_view name) {
  return fs::path(AISBF_SOURCE_DIR) / "tests" / "fixtures" / name;
}

// A copy of a fixture directory with its files at mode 0600: a checkout's
// modes follow the umask, and a file open to others adds a warning.
inline fs::path private_fixture(std::string_view name, const TempDir& into) {
  fs::path dir = into.path() / name;
  fs::create_directories(dir);
  for (const auto& entry : fs::directory_iterator(fixture_dir(name))) {
    fs::copy_file(entry.path(), dir / entry.path().filename());
    fs::permissions(dir / entry.path().filename(), fs::perms::owner_read | fs::perms::owner_write,
                    fs::perm_options::replace);
  }
  return dir;
}

inline std::vector<std::string> formatted(const std::vector<Diagnostic>& diagnostics) {
  std::vector<std::string> out;
  for (const auto& d : diagnostics) out.push_back(format_diagnostic(d));
  return out;
}

inline std::size_t count_errors(const std::vector<Diagnostic>& diagnostics) {
  std::size_t n = 0;
  for (const auto& d : diagnostics) n += d.severity == Diagnostic::Severity::error ? 1 : 0;
  return n;
}

inline std::vector<std::string> provider_ids(const Config& config) {
  std::vector<std::string> ids;
  for (const auto& p : config.providers) ids.push_back(p.id);
  return ids;
}
inline std::vector<std::string> rotation_ids(const Config& config) {
  std::vector<std::string> ids;
  for (const auto& r : config.rotations) ids.push_back(r.id);
  return ids;
}
inline std::vector<std::string> autoselect_ids(const Config& config) {
  std::vector<std::string> ids;
  for (const auto& a : config.autoselects) ids.push_back(a.id);
  return ids;
}

// A small valid directory: one provider "openai" (with a secret api key),
// one rotation "general", one autoselect "auto". Loads with no diagnostics.
inline constexpr std::string_view kBaseAisbf = R"({"server": {"host": "127.0.0.1", "port": 17765}})";
inline constexpr std::string_view kBaseProviders = R"({"providers": {"openai": {
  "id": "openai", "name": "OpenAI", "endpoint": "https://api.openai.com/v1", "type": "openai",
  "api_key_required": true, "api_key": "sk-secret-123",
  "models": [{"name": "gpt-4", "context_size": 128000}]}}})";
inline constexpr std::string_view kBaseRotations = R"({"notifyerrors": false, "rotations": {
  "general": {"model_name": "general", "providers": [{"provider_id": "openai", "models": [{"name": "gpt-4"}]}]}}})";
inline constexpr std::string_view kBaseAutoselect = R"({"auto": {"model_name": "auto", "description": "d",
  "fallback": "general", "available_models": [{"model_id": "general", "description": "g"}]}})";

inline void write_base_files(const TempDir& dir) {
  dir.write("aisbf.json", kBaseAisbf);
  dir.write("providers.json", kBaseProviders);
  dir.write("rotations.json", kBaseRotations);
  dir.write("autoselect.json", kBaseAutoselect);
}

// The base files with `aisbf` as aisbf.json, loaded.
inline LoadResult load_with_aisbf(std::string_view aisbf) {
  TempDir dir;
  write_base_files(dir);
  dir.write("aisbf.json", std::string(aisbf));
  return load_config(dir.path());
}

// One bad input: `file` replaces the base file; `expected` is the exact
// list of formatted diagnostics.
struct BadCase {
  const char* name;
  const char* file;
  std::string content;
  std::vector<std::string> expected;
};
inline void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }
class ConfigBadInput : public testing::TestWithParam<BadCase> {};
inline std::string case_name(const testing::TestParamInfo<BadCase>& info) { return info.param.name; }

// Permission bits of a file or directory.
inline unsigned mode_of(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

}  // namespace aisbf::config_test
