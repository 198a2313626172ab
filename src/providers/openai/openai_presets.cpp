// The preset table. Each entry follows its service's own documentation (the
// `source` field; read as stored copies), and a quirk is listed only where a
// document or the service's own error answers say so.
#include "providers/openai/openai_presets.hpp"

#include <algorithm>

namespace aisbf::openai {

namespace {

// Groq: "The following fields are currently not supported and will result in
// a 400 error: logprobs, logit_bias, top_logprobs, messages[].name; if N is
// supplied, it must be equal to 1." Its API reference marks `max_tokens`
// deprecated in favour of `max_completion_tokens`.
constexpr std::string_view kGroqUnsupported[] = {"logprobs", "logit_bias", "top_logprobs"};

// Cerebras, "Currently Unsupported OpenAI Features" (400 when supplied).
constexpr std::string_view kCerebrasUnsupported[] = {"frequency_penalty", "logit_bias", "presence_penalty",
                                                     "parallel_tool_calls", "service_tier"};

// Mistral's chat schema forbids unknown fields (422 "extra_forbidden"): of
// OpenAI's extension fields it takes these, and `seed` as `random_seed`.
// Rejected as extra: `stream_options`, `max_completion_tokens`, `metadata`,
// `messages[].name` (reported in public issues, see the entry's source).
constexpr std::string_view kMistralFields[] = {
    "n", "presence_penalty", "frequency_penalty", "response_format", "parallel_tool_calls", "prediction"};
constexpr FieldRename kMistralRenames[] = {{"seed", "random_seed"}};

constexpr PresetQuirks kNoQuirks{};

constexpr OpenAiPreset kPresets[] = {
    {.name = "openai",
     .endpoint = "https://api.openai.com/v1",
     .quirks = {.token_limit = TokenLimitField::max_completion_tokens},
     .source = "https://platform.openai.com/docs/api-reference/chat/create (max_tokens is deprecated and not "
               "compatible with o-series models)"},
    {.name = "openrouter",
     .endpoint = "https://openrouter.ai/api/v1",
     .quirks = kNoQuirks,
     .source = "https://openrouter.ai/docs/quickstart (base URL; optional HTTP-Referer and X-Title headers)"},
    {.name = "deepseek",
     .endpoint = "https://api.deepseek.com",
     .quirks = kNoQuirks,
     .source = "https://api-docs.deepseek.com/ (base_url https://api.deepseek.com; /v1 is also accepted)"},
    {.name = "groq",
     .endpoint = "https://api.groq.com/openai/v1",
     .quirks = {.unsupported = kGroqUnsupported,
                .token_limit = TokenLimitField::max_completion_tokens,
                .message_name = false,
                .single_choice = true},
     .source = "https://console.groq.com/docs/openai (unsupported fields), "
               "https://console.groq.com/docs/api-reference#chat-create (max_completion_tokens)"},
    {.name = "mistral",
     .endpoint = "https://api.mistral.ai/v1",
     .quirks =
         {.only_fields = kMistralFields, .renames = kMistralRenames, .stream_options = false, .message_name = false},
     .source = "https://docs.mistral.ai/api/ (chat completion schema); 422 extra_forbidden answers quoted in "
               "mistralai/platform-docs-public#7, avante-corp/avante.nvim#2347 (stream_options), "
               "editor-code-assistant/eca#231 (max_completion_tokens), Gage-Technologies/mistral-go#2 "
               "(messages[].name)"},
    {.name = "together",
     .endpoint = "https://api.together.ai/v1",
     .quirks = kNoQuirks,
     .source = "https://docs.together.ai/docs/inference/openai-compatibility"},
    {.name = "xai",
     .endpoint = "https://api.x.ai/v1",
     .quirks = kNoQuirks,
     .source = "https://docs.x.ai/api/integrations (OpenAI SDK with baseURL https://api.x.ai/v1)"},
    {.name = "fireworks",
     .endpoint = "https://api.fireworks.ai/inference/v1",
     .quirks = kNoQuirks,
     .source = "https://docs.fireworks.ai/tools-sdks/openai-compatibility (base URL "
               "https://api.fireworks.ai/inference/v1)"},
    {.name = "perplexity",
     .endpoint = "https://api.perplexity.ai",
     .quirks = kNoQuirks,
     .source = "https://docs.perplexity.ai/guides/chat-completions-guide (base_url https://api.perplexity.ai)"},
    {.name = "cerebras",
     .endpoint = "https://api.cerebras.ai/v1",
     .quirks = {.unsupported = kCerebrasUnsupported},
     .source = "https://inference-docs.cerebras.ai/resources/openai (base URL; \"Currently Unsupported OpenAI "
               "Features\")"},
    {.name = "lmstudio",
     .endpoint = "http://localhost:1234/v1",
     .key_required = false,
     .quirks = kNoQuirks,
     .source = "https://lmstudio.ai/docs/api/openai-api (server port 1234, /v1)"},
    {.name = "vllm",
     .endpoint = "http://localhost:8000/v1",
     .key_required = false,
     .quirks = kNoQuirks,
     .source = "https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html (vllm serve, port 8000; "
               "--api-key optional)"},
    {.name = "llamacpp",
     .endpoint = "http://localhost:8080/v1",
     .key_required = false,
     .quirks = kNoQuirks,
     .source = "https://github.com/ggml-org/llama.cpp/blob/master/tools/server/README.md (llama-server, port "
               "8080, /v1)"},
    {.name = "azure_openai",
     .endpoint = "",  // https://{resource}.openai.azure.com: the user's own resource
     .auth = PresetAuth::azure,
     .quirks = {.token_limit = TokenLimitField::max_completion_tokens},
     .source = "https://learn.microsoft.com/azure/ai-foundry/openai/reference (dated API: "
               "/openai/deployments/{deployment}/chat/completions?api-version=, api-key header, latest GA "
               "2024-10-21), https://learn.microsoft.com/azure/ai-foundry/openai/api-version-lifecycle (v1 API: "
               "/openai/v1/, the OpenAI client's Bearer key)"},
};

bool has_control(std::string_view value) {
  return std::any_of(value.begin(), value.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

}  // namespace

const OpenAiPreset* find_openai_preset(std::string_view name) {
  if (name.empty()) return nullptr;
  for (const auto& preset : kPresets) {
    if (preset.name == name) return &preset;
  }
  return nullptr;
}

std::span<const OpenAiPreset> openai_presets() { return kPresets; }

std::string openai_preset_names() {
  std::string out;
  for (const auto& preset : kPresets) out.append(out.empty() ? "" : ", ").append(preset.name);
  return out;
}

HeaderList preset_headers(const OpenAiPreset& preset, std::string_view site_url, std::string_view app_name) {
  HeaderList headers;
  if (preset.name != "openrouter") return headers;
  if (!site_url.empty() && !has_control(site_url)) headers.emplace_back("HTTP-Referer", std::string(site_url));
  if (!app_name.empty() && !has_control(app_name)) headers.emplace_back("X-Title", std::string(app_name));
  return headers;
}

}  // namespace aisbf::openai
