// The OpenAI-compatible presets as config/ sees them: a name, a default
// endpoint and whether a key is needed. The full table (quirks, auth style,
// sources) is providers/openai/openai_presets.cpp; this copy keeps config/
// free of providers/, and config_presets_test.cpp fails when they differ.
#include <algorithm>

#include "config/load_internal.hpp"

namespace aisbf::config_detail {

namespace {

constexpr PresetFacts kPresets[] = {
    {"openai", "https://api.openai.com/v1", true},
    {"openrouter", "https://openrouter.ai/api/v1", true},
    {"deepseek", "https://api.deepseek.com", true},
    {"groq", "https://api.groq.com/openai/v1", true},
    {"mistral", "https://api.mistral.ai/v1", true},
    {"together", "https://api.together.ai/v1", true},
    {"xai", "https://api.x.ai/v1", true},
    {"fireworks", "https://api.fireworks.ai/inference/v1", true},
    {"perplexity", "https://api.perplexity.ai", true},
    {"cerebras", "https://api.cerebras.ai/v1", true},
    {"lmstudio", "http://localhost:1234/v1", false},
    {"vllm", "http://localhost:8000/v1", false},
    {"llamacpp", "http://localhost:8080/v1", false},
    {"azure_openai", "", true},  // https://{resource}.openai.azure.com: the user's own
};

}  // namespace

const PresetFacts* find_preset_facts(std::string_view name) {
  if (name.empty()) return nullptr;
  auto it = std::find_if(std::begin(kPresets), std::end(kPresets), [&](const PresetFacts& p) { return p.name == name; });
  return it == std::end(kPresets) ? nullptr : &*it;
}

std::span<const PresetFacts> preset_facts() { return kPresets; }

std::string preset_names() {
  std::string out;
  for (const auto& preset : kPresets) out.append(out.empty() ? "" : ", ").append(preset.name);
  return out;
}

}  // namespace aisbf::config_detail
