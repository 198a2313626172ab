// OpenAI-compatible presets: for each known service, where it lives and how
// it differs from OpenAI's Chat Completions API. A provider names a preset
// with `"type": "groq"` or `"type": "openai", "preset": "groq"`; the preset
// supplies the endpoint and the quirks, the user supplies the key.
//
// Pure data and lookups (no config, no I/O): config/ reads it to validate
// providers.json, pipeline/ to fill in a default endpoint, and the OpenAI
// adapter to build paths, headers and bodies. Sources for every entry are in
// openai_presets.cpp.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/provider_adapter.hpp"

namespace aisbf::openai {

// How the key travels.
enum class PresetAuth {
  bearer,  // Authorization: Bearer <key>
  azure,   // api-key: <key> on the dated API (/openai/deployments/…?api-version=…), Bearer on "v1"
};

// The field the canonical token limit is sent as.
enum class TokenLimitField { max_tokens, max_completion_tokens };

struct FieldRename {
  std::string_view from;
  std::string_view to;
};

// What the translating path (encode_chat) changes for a service. A
// passthrough body is the caller's own bytes and is never changed.
struct PresetQuirks {
  // Request fields the service rejects: dropped.
  std::span<const std::string_view> unsupported{};
  // Non-empty: the service's schema forbids unknown fields, and these are
  // the only OpenAI extension fields it takes; every other one is dropped.
  std::span<const std::string_view> only_fields{};
  // Fields the service spells differently (after the drops above).
  std::span<const FieldRename> renames{};
  TokenLimitField token_limit = TokenLimitField::max_tokens;
  bool stream_options = true;  // accepts `stream_options` (include_usage)
  bool message_name = true;    // accepts `messages[].name`
  bool single_choice = false;  // `n` must be 1: any other `n` is dropped
};

struct OpenAiPreset {
  std::string_view name;      // the `type` or `preset` value
  std::string_view endpoint;  // default base URL; empty when there is none (Azure: per resource)
  bool key_required = true;
  PresetAuth auth = PresetAuth::bearer;
  PresetQuirks quirks{};
  std::string_view source;  // the documentation the entry follows
};

// The preset called `name`, or null (also for an empty name).
const OpenAiPreset* find_openai_preset(std::string_view name);

// Every preset, in a stable order (for messages and the dashboard).
std::span<const OpenAiPreset> openai_presets();

// "openai, openrouter, deepseek, …": the names, for error messages.
std::string openai_preset_names();

// Azure OpenAI's api-version when the provider sets none: the latest GA
// version of the dated inference API. "v1" selects the v1 API instead.
inline constexpr std::string_view kAzureDefaultApiVersion = "2024-10-21";

// Headers a preset adds from the provider's settings: OpenRouter's optional
// attribution headers `HTTP-Referer` (site_url) and `X-Title` (app_name).
// A value holding a control character is left out.
HeaderList preset_headers(const OpenAiPreset& preset, std::string_view site_url, std::string_view app_name);

}  // namespace aisbf::openai
