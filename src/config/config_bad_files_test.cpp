// Bad aisbf.json, rotations.json and autoselect.json inputs and
// cross-file checks, each with the exact diagnostics it yields (the runner
// is in config_bad_providers_test.cpp).
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config/config_test_util.hpp"

namespace aisbf::config_test {
namespace {

const std::string kA = "error: aisbf.json: ";
const std::string kR = "error: rotations.json: ";
const std::string kS = "error: autoselect.json: ";

const BadCase kAisbfCases[] = {
    {"AisbfInvalidJson", "aisbf.json", "{\"server\": {\"port\": 1,}}",
     {"error: aisbf.json: invalid JSON at line 1, column 23: syntax error"}},
    {"AisbfNotObject", "aisbf.json", "\"x\"", {kA + "expected an object, got string"}},
    {"PortTooLarge", "aisbf.json", R"({"server": {"port": 70000}})", {kA + "server.port: must be between 0 and 65535"}},
    {"PortNegative", "aisbf.json", R"({"server": {"port": -1}})", {kA + "server.port: must be between 0 and 65535"}},
    {"PortString", "aisbf.json", R"({"server": {"port": "8080"}})", {kA + "server.port: expected an integer, got string"}},
    {"PortHugeReportedOnce", "aisbf.json", R"({"server": {"port": 1e30}})", {kA + "server.port: integer out of range"}},
    {"PortZeroAllowed", "aisbf.json", R"({"server": {"port": 0}})", {}},
    {"HostEmpty", "aisbf.json", R"({"server": {"host": ""}})", {kA + "server.host: must not be empty"}},
    {"ProtocolUnknown", "aisbf.json", R"({"server": {"protocol": "ftp"}})",
     {kA + "server.protocol: expected \"http\" or \"https\""}},
    {"ServerNotObject", "aisbf.json", R"({"server": "127.0.0.1"})",
     {kA + "server: expected an object or null, got string"}},
    {"ServerLimitsBad", "aisbf.json",
     R"({"server": {"max_body_bytes": 0, "header_timeout": -1, "idle_timeout": "1", "shutdown_grace": 0}})",
     {kA + "server.idle_timeout: expected a number, got string", kA + "server.max_body_bytes: must be >= 1",
      kA + "server.header_timeout: must be > 0"}},
    {"ServerUnknownKey", "aisbf.json", R"({"server": {"workers": 4}})",
     {"warning: aisbf.json: server.workers: unknown key, kept but not used"}},
    {"AuthEnabledString", "aisbf.json", R"({"auth": {"enabled": "yes"}})",
     {kA + "auth.enabled: expected a boolean, got string"}},
    {"AuthTokensString", "aisbf.json", R"({"auth": {"tokens": "sk-secret-123"}})",
     {kA + "auth.tokens: expected an array of strings, got string"}},
    {"AuthTokenNotString", "aisbf.json", R"({"auth": {"tokens": ["sk-secret-123", 5, ""]}})",
     {kA + "auth.tokens[1]: expected a string, got number", kA + "auth.tokens[2]: must not be empty"}},
    {"UnknownSection", "aisbf.json", R"({"plugins": {}})",
     {"warning: aisbf.json: plugins: unknown key, kept but not used"}},
    {"UninterpretedSectionsNotDeep", "aisbf.json", R"({"billing": {"anything": [1, {"x": null}]}, "smtp": {"y": 1}})",
     {}},
    {"SectionWrongType", "aisbf.json", R"({"classify_nsfw": "no", "dashboard": []})",
     {kA + "classify_nsfw: expected a boolean, got string", kA + "dashboard: expected an object or null, got array"}},
};

const BadCase kRotationCases[] = {
    {"RotationsMissing", "rotations.json", R"({"notifyerrors": true})", {kR + "rotations: missing required field"}},
    {"NotifyErrorsString", "rotations.json", R"({"notifyerrors": "no", "rotations": {"general": {"providers": [{"provider_id": "openai"}]}}})",
     {kR + "notifyerrors: expected a boolean, got string"}},
    {"RotationUnknownProvider", "rotations.json",
     R"({"rotations": {"general": {"model_name": "general", "providers": [{"provider_id": "openai"},
        {"provider_id": "nope"}]}}})",
     {kR + "rotations.general.providers[1].provider_id: unknown provider \"nope\""}},
    {"RotationProviderIdMissing", "rotations.json", R"({"rotations": {"general": {"providers": [{"weight": 1}]}}})",
     {kR + "rotations.general.providers[0].provider_id: missing required field"}},
    {"RotationProvidersMissing", "rotations.json", R"({"rotations": {"general": {"model_name": "general"}}})",
     {kR + "rotations.general.providers: missing required field"}},
    {"RotationProvidersEmpty", "rotations.json", R"({"rotations": {"general": {"providers": []}}})",
     {"warning: rotations.json: rotations.general.providers: no providers; requests to this rotation will fail"}},
    {"RotationWeightBad", "rotations.json",
     R"({"rotations": {"general": {"providers": [{"provider_id": "openai", "weight": "2",
        "models": [{"name": "gpt-4", "weight": -1}, {"weight": 1}]}]}}})",
     {kR + "rotations.general.providers[0].weight: expected a number or null, got string",
      kR + "rotations.general.providers[0].models[0].weight: must be >= 0",
      kR + "rotations.general.providers[0].models[1].name: missing required field"}},
    {"RotationUnknownKeys", "rotations.json",
     R"({"rotations": {"general": {"strategy": "x", "providers": [{"provider_id": "openai", "region": "eu",
        "models": [{"name": "gpt-4", "colour": 1}]}]}}, "version": 2})",
     {"warning: rotations.json: version: unknown key, kept but not used",
      "warning: rotations.json: rotations.general.strategy: unknown key, kept but not used",
      "warning: rotations.json: rotations.general.providers[0].region: unknown key, kept but not used",
      "warning: rotations.json: rotations.general.providers[0].models[0].colour: unknown key, kept but not used"}},
    {"RotationModelTimeoutsBad", "rotations.json",
     R"({"rotations": {"general": {"providers": [{"provider_id": "openai",
        "models": [{"name": "gpt-4", "timeouts": {"first_byte": 0}}]}]}}})",
     {kR + "rotations.general.providers[0].models[0].timeouts.first_byte: must be > 0"}},
    {"RotationCollidesWithProvider", "rotations.json",
     R"({"rotations": {"general": {"providers": [{"provider_id": "openai"}]},
                       "openai": {"providers": [{"provider_id": "openai"}]}}})",
     {kR + "rotations.openai: id \"openai\" is also used by a provider; ids must be unique across providers, "
           "rotations and autoselects"}},
    {"RotationReservedWord", "rotations.json",
     R"({"rotations": {"general": {"providers": [{"provider_id": "openai"}]},
                       "v1": {"providers": [{"provider_id": "openai"}]}}})",
     {kR + "rotations.v1: id \"v1\" is a reserved route word"}},
    {"RotationNotObjectStillAnId", "rotations.json", R"({"rotations": {"general": true}})",
     {kR + "rotations.general: expected an object, got boolean"}},
};

const BadCase kAutoselectCases[] = {
    {"AutoselectNotObject", "autoselect.json", R"({"auto": 5})", {kS + "auto: expected an object, got number"}},
    {"AutoselectUnknownRefsWarn", "autoselect.json",
     R"({"auto": {"fallback": "missing", "available_models": [{"model_id": "general", "description": "g"},
        {"model_id": "coding", "description": "c"}]}})",
     {"warning: autoselect.json: auto.fallback: unknown rotation, provider or \"provider/model\" \"missing\"",
      "warning: autoselect.json: auto.available_models[1].model_id: unknown rotation, provider or "
      "\"provider/model\" \"coding\""}},
    {"AutoselectModelBad", "autoselect.json",
     R"({"auto": {"available_models": [{"description": "g"}, "general"], "capabilities": "t2t"}})",
     {kS + "auto.capabilities: expected an array of strings or null, got string",
      "warning: autoselect.json: auto.fallback: missing: a selection that fails (timeout, error, an answer not in "
      "the list) goes to the first candidate left",
      kS + "auto.available_models[0].model_id: missing required field",
      kS + "auto.available_models[1]: expected an object, got string"}},
    {"AutoselectUnknownKey", "autoselect.json", R"({"auto": {"fallback": "general", "mode": "fast", "available_models": [{"model_id": "general", "description": "g"}]}})",
     {"warning: autoselect.json: auto.mode: unknown key, kept but not used"}},
    {"AutoselectCollidesWithRotation", "autoselect.json", R"({"general": {"fallback": "general", "available_models": [{"model_id": "general", "description": "g"}]}})",
     {kS + "general: id \"general\" is also used by a rotation; ids must be unique across providers, rotations and "
           "autoselects"}},
    {"AutoselectCollidesWithProvider", "autoselect.json", R"({"openai": {"fallback": "general", "available_models": [{"model_id": "general", "description": "g"}]}})",
     {kS + "openai: id \"openai\" is also used by a provider; ids must be unique across providers, rotations and "
           "autoselects"}},
    {"AutoselectNamedAutoselectWarns", "autoselect.json", R"({"autoselect": {"fallback": "general", "available_models": [{"model_id": "general", "description": "g"}]}})",
     {"warning: autoselect.json: autoselect: id \"autoselect\" is a reserved route word, accepted because AISBF "
      "ships it; clients reach it as model \"autoselect/autoselect\" or via /api/autoselect/autoselect"}},
    {"AutoselectOtherReservedWordErrors", "autoselect.json", R"({"embeddings": {"fallback": "general", "available_models": [{"model_id": "general", "description": "g"}]}})",
     {kS + "embeddings: id \"embeddings\" is a reserved route word"}},
    {"AutoselectSlashId", "autoselect.json", R"({"a/b": {"fallback": "general", "available_models": [{"model_id": "general", "description": "g"}]}})",
     {kS + "[\"a/b\"]: id \"a/b\" must not contain \"/\""}},
};

INSTANTIATE_TEST_SUITE_P(Aisbf, ConfigBadInput, testing::ValuesIn(kAisbfCases), case_name);
INSTANTIATE_TEST_SUITE_P(Rotations, ConfigBadInput, testing::ValuesIn(kRotationCases), case_name);
INSTANTIATE_TEST_SUITE_P(Autoselect, ConfigBadInput, testing::ValuesIn(kAutoselectCases), case_name);

}  // namespace
}  // namespace aisbf::config_test
