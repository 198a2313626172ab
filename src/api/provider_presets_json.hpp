// GET /api/admin/provider-presets: the templates the dashboard's provider form
// starts from. The provider types aisbf builds (openai, anthropic, google,
// ollama, codex) with their usual endpoints, then the OpenAI-compatible
// presets of issue 3 (providers/openai/openai_presets.hpp: name, default
// endpoint, whether a key is needed, the service's quirks). Each template is
// the provider entry to start from (`template`) plus what the form shows
// about it. Pure.
#pragma once

#include <string>

namespace aisbf::api {

// {"presets": [{"id" ("type:openai", "preset:groq"), "name", "label", "kind": "type"|"preset", "endpoint",
// "api_key_required", "notes", "template": {…provider entry…}}]}
std::string provider_presets_json();

}  // namespace aisbf::api
