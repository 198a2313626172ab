// Bad providers.json inputs, each with the exact diagnostics it yields.
// The runner (TEST_P) is here; other files add cases to the same suite.
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config/config_test_util.hpp"

namespace aisbf::config_test {
namespace {

TEST_P(ConfigBadInput, ReportsExactDiagnostics) {
  const BadCase& c = GetParam();
  TempDir dir;
  write_base_files(dir);
  dir.write(c.file, c.content);
  LoadResult result = load_config(dir.path());
  std::vector<std::string> lines = formatted(result.diagnostics);
  EXPECT_EQ(lines, c.expected);
  EXPECT_EQ(result.ok(), count_errors(result.diagnostics) == 0);
  for (const std::string& line : lines) {
    EXPECT_EQ(line.find("sk-secret"), std::string::npos) << "secret leaked: " << line;
  }
}

TEST(ConfigBadInputBase, BaseFilesLoadCleanly) {
  TempDir dir;
  write_base_files(dir);
  LoadResult result = load_config(dir.path());
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result.diagnostics.empty()) << testing::PrintToString(formatted(result.diagnostics));
}

// A provider "openai" with `fields` (a JSON object body) added.
std::string openai_with(const std::string& fields) {
  return R"({"providers": {"openai": {"endpoint": "https://api.openai.com/v1", "type": "openai", "api_key": "sk-secret-123")" +
         (fields.empty() ? std::string() : ", " + fields) + "}}}";
}

const std::string kP = "error: providers.json: providers.openai.";
const std::string kW = "warning: providers.json: providers.openai.";

const BadCase kProviderCases[] = {
    {"InvalidJson", "providers.json", "{\"providers\": {\n  \"openai\": tru\n}}",
     {"error: providers.json: invalid JSON at line 2, column 13: syntax error"}},
    {"TruncatedJson", "providers.json", "{\"providers\": {", {"error: providers.json: invalid JSON at line 1, column 16: incomplete JSON"}},
    {"EmptyFile", "providers.json", "  \n", {"error: providers.json: invalid JSON: the file is empty"}},
    {"TopLevelArray", "providers.json", "[]", {"error: providers.json: expected an object, got array"}},
    {"MissingProvidersKey", "providers.json", "{}",
     {"error: providers.json: providers: missing required field"}},
    {"ProvidersNotObject", "providers.json", R"({"providers": []})",
     {"error: providers.json: providers: expected an object, got array"}},
    {"ProviderNotObject", "providers.json", R"({"providers": {"openai": "x"}})",
     {"error: providers.json: providers.openai: expected an object, got string"}},
    {"EndpointWrongType", "providers.json", R"({"providers": {"openai": {"endpoint": 5, "type": "openai"}}})",
     {kP + "endpoint: expected a string, got number"}},
    {"EndpointMissing", "providers.json", R"({"providers": {"openai": {"type": "openai"}}})",
     {kP + "endpoint: missing required field"}},
    {"EndpointEmpty", "providers.json", R"({"providers": {"openai": {"endpoint": "", "type": "openai"}}})",
     {kP + "endpoint: must not be empty"}},
    {"OauthEndpointMissingIsWarning", "providers.json", R"({"providers": {"openai": {"type": "kiro"}}})",
     {kW + "endpoint: missing or empty; allowed for the OAuth-based type \"kiro\", which will use its built-in "
           "endpoint"}},
    {"TypeMissing", "providers.json", R"({"providers": {"openai": {"endpoint": "http://x"}}})",
     {kP + "type: missing required field"}},
    {"TypeWrong", "providers.json", R"({"providers": {"openai": {"endpoint": "http://x", "type": ["openai"]}}})",
     {kP + "type: expected a string, got array"}},
    {"ApiKeyWrongTypeHidesValue", "providers.json",
     R"({"providers": {"openai": {"endpoint": "http://x", "type": "openai", "api_key": ["sk-secret-123"]}}})",
     {kP + "api_key: expected a string or null, got array"}},
    {"ApiKeyRequiredWrongType", "providers.json", openai_with(R"("api_key_required": "yes")"),
     {kP + "api_key_required: expected a boolean, got string"}},
    {"RateLimitNegative", "providers.json", openai_with(R"("rate_limit": -1)"), {kP + "rate_limit: must be >= 0"}},
    {"RateLimitNull", "providers.json", openai_with(R"("rate_limit": null)"),
     {kP + "rate_limit: expected a number, got null"}},
    {"IdDiffersFromKey", "providers.json", openai_with(R"("id": "other")"),
     {kW + "id: \"other\" differs from its key \"openai\"; the key is used"}},
    {"UnknownProviderKey", "providers.json", openai_with(R"("colour": "blue")"),
     {kW + "colour: unknown key, kept but not used"}},
    {"SubConfigMustBeObject", "providers.json", openai_with(R"("runpod_config": 1)"),
     {kP + "runpod_config: expected an object or null, got number"}},
    {"ModelsNotArray", "providers.json", openai_with(R"("models": {})"),
     {kP + "models: expected an array or null, got object"}},
    {"ModelNotObject", "providers.json", openai_with(R"("models": ["gpt-4"])"),
     {kP + "models[0]: expected an object, got string"}},
    {"ModelNameMissing", "providers.json", openai_with(R"("models": [{"context_size": 10}])"),
     {kP + "models[0].name: missing required field"}},
    {"ModelContextSizeString", "providers.json", openai_with(R"("models": [{"name": "m", "context_size": "big"}])"),
     {kP + "models[0].context_size: expected an integer or null, got string"}},
    {"ModelContextSizeFraction", "providers.json", openai_with(R"("models": [{"name": "m", "context_size": 1.5}])"),
     {kP + "models[0].context_size: expected an integer or null, got number"}},
    {"ModelContextSizeTooLarge", "providers.json",
     openai_with(R"("models": [{"name": "m", "context_size": 18446744073709551615}])"),
     {kP + "models[0].context_size: integer out of range"}},
    {"RateLimitInfinite", "providers.json", openai_with(R"("rate_limit": 1e999)"), {kP + "rate_limit: number out of range"}},
    {"ModelCapabilitiesElement", "providers.json",
     openai_with(R"("models": [{"name": "m", "capabilities": ["t2t", 7]}])"),
     {kP + "models[0].capabilities[1]: expected a string, got number"}},
    {"ModelCondenseMethodWrong", "providers.json", openai_with(R"("models": [{"name": "m", "condense_method": 3}])"),
     {kP + "models[0].condense_method: expected a string, an array of strings or null, got number"}},
    {"ModelUnknownKey", "providers.json", openai_with(R"("models": [{"name": "m", "temperature": 0.2}])"),
     {kW + "models[0].temperature: unknown key, kept but not used"}},
    {"ModelDuplicateName", "providers.json", openai_with(R"("models": [{"name": "m"}, {"name": "m"}])"),
     {kW + "models[1].name: duplicate model name \"m\"; the first entry is used"}},
    {"ModelNegativeTpm", "providers.json", openai_with(R"("models": [{"name": "m", "rate_limit_TPM": -5}])"),
     {kP + "models[0].rate_limit_TPM: must be >= 0"}},
    {"TimeoutsBad", "providers.json", openai_with(R"("timeouts": {"connect": 0, "idle": "x", "speed": 1})"),
     {kP + "timeouts.idle: expected a number, got string", kW + "timeouts.speed: unknown key, kept but not used",
      kP + "timeouts.connect: must be > 0"}},
    {"ModelTimeoutsNegative", "providers.json",
     openai_with(R"("models": [{"name": "m", "timeouts": {"total": -1}}])"),
     {kP + "models[0].timeouts.total: must be > 0"}},
    {"TimeoutsNotObject", "providers.json", openai_with(R"("timeouts": 30)"),
     {kP + "timeouts: expected an object or null, got number"}},
    {"CondensationWrongTypes", "providers.json",
     R"({"condensation": {"enabled": "yes", "max_context": -1, "extra": 1},
         "providers": {"openai": {"endpoint": "http://x", "type": "openai"}}})",
     {"error: providers.json: condensation.enabled: expected a boolean, got string",
      "warning: providers.json: condensation.extra: unknown key, kept but not used",
      "error: providers.json: condensation.max_context: must be >= 0"}},
    {"UnknownTopLevelKey", "providers.json",
     R"({"providers": {"openai": {"endpoint": "http://x", "type": "openai"}}, "extras": {}})",
     {"warning: providers.json: extras: unknown key, kept but not used"}},
    {"ManyErrorsAllReported", "providers.json",
     R"({"providers": {"openai": {"endpoint": 1, "type": 2, "models": [{"name": 3}, {}]}}})",
     {kP + "endpoint: expected a string, got number", kP + "type: expected a string, got number",
      kP + "models[0].name: expected a string, got number", kP + "models[1].name: missing required field"}},
    {"ReservedProviderId", "providers.json",
     R"({"providers": {"openai": {"endpoint": "http://x", "type": "openai"},
                       "models": {"endpoint": "http://x", "type": "openai"}}})",
     {"error: providers.json: providers.models: id \"models\" is a reserved route word"}},
    {"ProviderNamedAutoselectIsError", "providers.json",
     R"({"providers": {"openai": {"endpoint": "http://x", "type": "openai"},
                       "autoselect": {"endpoint": "http://x", "type": "openai"}}})",
     {"error: providers.json: providers.autoselect: id \"autoselect\" is a reserved route word"}},
    {"SlashInId", "providers.json",
     R"({"providers": {"openai": {"endpoint": "http://x", "type": "openai"},
                       "a/b": {"endpoint": "http://x", "type": "openai"}}})",
     {"error: providers.json: providers[\"a/b\"]: id \"a/b\" must not contain \"/\""}},
    {"EmptyId", "providers.json",
     R"({"providers": {"openai": {"endpoint": "http://x", "type": "openai"},
                       "": {"endpoint": "http://x", "type": "openai"}}})",
     {"error: providers.json: providers[\"\"]: id must not be empty"}},
    {"SpaceInId", "providers.json",
     R"({"providers": {"openai": {"endpoint": "http://x", "type": "openai"},
                       "my provider": {"endpoint": "http://x", "type": "openai"}}})",
     {"error: providers.json: providers[\"my provider\"]: id \"my provider\" must not contain spaces or control "
      "characters"}},
};

INSTANTIATE_TEST_SUITE_P(Providers, ConfigBadInput, testing::ValuesIn(kProviderCases), case_name);

}  // namespace
}  // namespace aisbf::config_test
