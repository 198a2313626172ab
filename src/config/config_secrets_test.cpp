// Values that leave with an upstream request: control characters refused
// (keys, endpoints, model names, …), keys over plain http:// and files open
// to other users warned about, and no message ever quoting a key.
#include <gtest/gtest.h>

#include <sstream>

#include "config/check_config.hpp"
#include "config/config.hpp"
#include "config/config_test_util.hpp"

namespace aisbf::config_test {
namespace {

using Strings = std::vector<std::string>;

const std::string kP = "error: providers.json: providers.openai.";
const std::string kR = "error: rotations.json: rotations.general.providers[0].";
const std::string kA = "error: aisbf.json: ";
const std::string kHeader = "; it is sent in an upstream header";
const std::string kUrl = "; it becomes part of an upstream URL";
const std::string kPaste = " (a trailing newline from a paste?)";

std::string openai(const std::string& fields) {
  return R"({"providers": {"openai": {"type": "openai", )" + fields + "}}}";
}
std::string rotation_entry(const std::string& fields) {
  return R"({"rotations": {"general": {"model_name": "general", "providers": [{"provider_id": "openai", )" + fields +
         "}]}}}";
}

const BadCase kControlCases[] = {
    {"KeyWithPastedNewline", "providers.json",
     openai(R"("endpoint": "https://api.openai.com/v1", "api_key": "sk-secret-123\n")"),
     {kP + "api_key: must not contain control characters: byte 0x0a at offset 13" + kPaste + kHeader}},
    {"KeyWithCrLf", "providers.json", openai(R"("endpoint": "https://a.example/v1", "api_key": "sk-secret-123\r\n")"),
     {kP + "api_key: must not contain control characters: byte 0x0d at offset 13" + kPaste + kHeader}},
    {"KeyWithInjectedHeader", "providers.json",
     openai(R"("endpoint": "https://a.example/v1", "api_key": "sk-secret-123\r\nX-Evil: 1")"),
     {kP + "api_key: must not contain control characters: byte 0x0d at offset 13" + kHeader}},
    {"KeyWithDel", "providers.json", openai(R"("endpoint": "https://a.example/v1", "api_key": "sk-secret\u007f")"),
     {kP + "api_key: must not contain control characters: byte 0x7f at offset 9" + kHeader}},
    {"EndpointWithNewline", "providers.json", openai(R"("endpoint": "https://api.openai.com/v1\n")"),
     {kP + "endpoint: must not contain control characters: byte 0x0a at offset 25" + kPaste + kUrl}},
    {"EndpointWithTab", "providers.json", openai(R"("endpoint": "https://api\t.openai.com")"),
     {kP + "endpoint: must not contain control characters: byte 0x09 at offset 11" + kUrl}},
    {"ApiVersionWithNewline", "providers.json",
     openai(R"("preset": "azure_openai", "endpoint": "https://r.openai.azure.com", "api_key": "k", "api_version": "v1\n")"),
     {kP + "api_version: must not contain control characters: byte 0x0a at offset 2" + kPaste + kUrl}},
    {"ModelNameAndDeployment", "providers.json",
     openai(R"("endpoint": "https://a.example/v1", "models": [{"name": "gpt\u0000x"}, {"name": "ok", "deployment": "d\n"}])"),
     {kP + "models[0].name: must not contain control characters: byte 0x00 at offset 3" + kUrl,
      kP + "models[1].deployment: must not contain control characters: byte 0x0a at offset 1" + kPaste + kUrl}},
    {"RotationEntryKey", "rotations.json", rotation_entry(R"("api_key": "sk-secret-123\n", "models": [{"name": "gpt-4"}])"),
     {kR + "api_key: must not contain control characters: byte 0x0a at offset 13" + kPaste + kHeader}},
    {"RotationModelName", "rotations.json", rotation_entry(R"("models": [{"name": "gpt-4\r"}])"),
     {kR + "models[0].name: must not contain control characters: byte 0x0d at offset 5" + kPaste + kUrl}},
    {"AuthToken", "aisbf.json", R"({"auth": {"enabled": true, "tokens": ["good", "sk-secret-123\n"]}})",
     {kA + "auth.tokens[1]: must not contain control characters: byte 0x0a at offset 13" + kPaste +
      "; a client sends it in a header, so it could never match"}},
    {"SpacesAndUnicodeAreFine", "providers.json",
     openai(R"("endpoint": "https://a.example/v1", "api_key": "sk secret é", "models": [{"name": "mödel 1"}])"), {}},
};

INSTANTIATE_TEST_SUITE_P(ControlCharacters, ConfigBadInput, testing::ValuesIn(kControlCases), case_name);

const std::string kWarnKey =
    " is sent over plain http:// to \"gpu.example\", which is not a loopback address: anyone on the path can read it; "
    "use https:// or reach the provider through a local tunnel";

const BadCase kClearTextCases[] = {
    {"KeyOverPlainHttp", "providers.json", openai(R"("endpoint": "http://gpu.example:8000/v1", "api_key": "sk-secret-123")"),
     {"warning: providers.json: providers.openai.endpoint: the provider's api_key" + kWarnKey}},
    {"SchemeAndHostCaseInsensitive", "providers.json",
     openai(R"("endpoint": "HTTP://user@gpu.example/v1", "api_key": "sk-secret-123")"),
     {"warning: providers.json: providers.openai.endpoint: the provider's api_key" + kWarnKey}},
    {"NoKeyNoWarning", "providers.json", openai(R"("endpoint": "http://gpu.example:8000/v1")"), {}},
    {"HttpsNoWarning", "providers.json", openai(R"("endpoint": "https://gpu.example/v1", "api_key": "sk-secret-123")"),
     {}},
    {"LoopbackNames", "providers.json", R"({"providers": {
        "openai": {"type": "openai", "endpoint": "http://localhost:1234/v1", "api_key": "sk-secret-1"},
        "b": {"type": "openai", "endpoint": "http://127.3.2.1/v1", "api_key": "sk-secret-2"},
        "c": {"type": "openai", "endpoint": "http://[::1]:8000", "api_key": "sk-secret-3"},
        "d": {"type": "openai", "endpoint": "http://llm.localhost/v1", "api_key": "sk-secret-4"}}})", {}},
    {"LookalikesOfLoopbackWarn", "providers.json", R"({"providers": {
        "openai": {"type": "openai", "endpoint": "http://127.0.0.1.nip.io/v1", "api_key": "sk-secret-1"},
        "b": {"type": "openai", "endpoint": "http://localhost.evil.example/v1", "api_key": "sk-secret-2"}}})",
     {"warning: providers.json: providers.openai.endpoint: the provider's api_key is sent over plain http:// to "
      "\"127.0.0.1.nip.io\", which is not a loopback address: anyone on the path can read it; use https:// or reach "
      "the provider through a local tunnel",
      "warning: providers.json: providers.b.endpoint: the provider's api_key is sent over plain http:// to "
      "\"localhost.evil.example\", which is not a loopback address: anyone on the path can read it; use https:// or "
      "reach the provider through a local tunnel"}},
};

INSTANTIATE_TEST_SUITE_P(ClearText, ConfigBadInput, testing::ValuesIn(kClearTextCases), case_name);

TEST(ConfigSecrets, RotationEntryKeyOverPlainHttpIsWarnedAtTheEntry) {
  TempDir dir;
  write_base_files(dir);
  dir.write("providers.json", openai(R"("endpoint": "http://gpu.example/v1", "models": [{"name": "gpt-4"}])"));
  dir.write("rotations.json", rotation_entry(R"("api_key": "sk-secret-rot", "models": [{"name": "gpt-4"}])"));
  LoadResult result = load_config(dir.path());
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(formatted(result.diagnostics),
            Strings{"warning: rotations.json: rotations.general.providers[0].api_key: this entry's api_key" + kWarnKey});
}

// Base files (keys in providers.json) with `name` opened to `perms`.
std::vector<Diagnostic> load_with_mode(const TempDir& dir, std::string_view name, fs::perms perms) {
  fs::permissions(dir.path() / name, perms, fs::perm_options::replace);
  return load_config(dir.path()).diagnostics;
}

TEST(ConfigSecrets, KeyFileOpenToOthersIsWarnedWithoutTheKey) {
  TempDir dir;
  write_base_files(dir);
  const auto rw_r_r = fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read;
  auto diagnostics = load_with_mode(dir, "providers.json", rw_r_r);
  EXPECT_EQ(formatted(diagnostics),
            Strings{"warning: providers.json: holds API keys and is open to group or others (mode 0644); restrict it "
                    "with chmod 600"});
  EXPECT_EQ(count_errors(diagnostics), 0u);
  diagnostics = load_with_mode(dir, "providers.json", fs::perms::owner_read | fs::perms::group_write);
  EXPECT_EQ(formatted(diagnostics),
            Strings{"warning: providers.json: holds API keys and is open to group or others (mode 0420); restrict it "
                    "with chmod 600"});
  EXPECT_TRUE(load_with_mode(dir, "providers.json", fs::perms::owner_read).empty());
}

TEST(ConfigSecrets, OnlyFilesHoldingSecretsAreWarned) {
  TempDir dir;
  write_base_files(dir);
  const auto open = fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read;
  // No tokens in aisbf.json, no keys in rotations.json, autoselect.json never holds any.
  for (const char* name : {"aisbf.json", "rotations.json", "autoselect.json"}) {
    EXPECT_TRUE(load_with_mode(dir, name, open).empty()) << name;
  }
  dir.write("aisbf.json", R"({"auth": {"enabled": true, "tokens": ["sk-secret-tok"]}})");
  dir.write("rotations.json", rotation_entry(R"("api_key": "sk-secret-rot", "models": [{"name": "gpt-4"}])"));
  fs::permissions(dir.path() / "rotations.json", open, fs::perm_options::replace);
  EXPECT_EQ(formatted(load_with_mode(dir, "aisbf.json", open)),
            (Strings{"warning: aisbf.json: holds gateway auth tokens and is open to group or others (mode 0644); "
                     "restrict it with chmod 600",
                     "warning: rotations.json: holds API keys and is open to group or others (mode 0644); restrict it "
                     "with chmod 600"}));
}

TEST(ConfigSecrets, CheckConfigFailsOnAControlCharacterAndWarnsOnModes) {
  TempDir dir;
  write_base_files(dir);
  dir.write("providers.json", openai(R"("endpoint": "https://a.example/v1", "api_key": "sk-secret-123\n")"));
  fs::permissions(dir.path() / "providers.json", fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read,
                  fs::perm_options::replace);
  std::ostringstream out;
  EXPECT_EQ(run_check_config(dir.path(), out), 1);
  EXPECT_EQ(out.str(),
            kP + "api_key: must not contain control characters: byte 0x0a at offset 13" + kPaste + kHeader + "\n" +
                "warning: providers.json: holds API keys and is open to group or others (mode 0604); restrict it "
                "with chmod 600\n"
                "check-config: 1 provider, 1 rotation, 1 autoselect; 1 error, 1 warning\n");
  EXPECT_EQ(out.str().find("sk-secret"), std::string::npos);
}

}  // namespace
}  // namespace aisbf::config_test
