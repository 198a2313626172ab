// Gemini model list (`GET {endpoint}/models`, PROTOCOLS.md §3.7):
// {"models":[{"name":"models/gemini-2.0-flash","displayName","inputTokenLimit",
//   "outputTokenLimit","supportedGenerationMethods":[...]}],"nextPageToken"}.
// Kept: models that can `generateContent` (chat) and embedding models
// (`embedContent`/`batchEmbedContents`, capability "embeddings"); the rest
// (`predict` image models, `generateAnswer` AQA, ...) cannot serve the
// gateway and are dropped. Only the first page is read (the default page size
// of 50 covers today's list; more needs `pageToken=nextPageToken`).
#include <fmt/format.h>

#include <algorithm>

#include "providers/gemini/gemini_adapter.hpp"
#include "providers/gemini/gemini_wire.hpp"

namespace aisbf::gemini {

namespace {

bool has_method(const json::array* methods, std::string_view wanted) {
  if (methods == nullptr) return false;
  return std::any_of(methods->begin(), methods->end(),
                     [&](const json::value& m) { return m.is_string() && m.get_string() == wanted; });
}

std::optional<std::int64_t> positive(std::optional<std::int64_t> n) {
  return n && *n > 0 ? n : std::nullopt;
}

}  // namespace

std::string GeminiAdapter::models_path(const UpstreamTarget& /*target*/) const { return "/models"; }

Expected<std::vector<ProviderModel>> GeminiAdapter::decode_models(std::string_view body) const {
  auto root = parse_object(body, "model list");
  if (!root) return root.take_error();
  if (root->contains("error"))
    return protocol_error(fmt::format("upstream model list is an error: {}", excerpt(body, 200)));
  // Proto3 JSON leaves out an empty repeated field: `{}` is an empty list.
  const json::value* models = root->if_contains("models");
  if (models != nullptr && !models->is_array() && !models->is_null())
    return protocol_error(fmt::format("upstream model list has a `models` that is not an array: {}",
                                      excerpt(body, 120)));

  std::vector<ProviderModel> out;
  if (models == nullptr || !models->is_array()) return out;
  for (const json::value& item : models->get_array()) {
    const json::object* entry = item.if_object();
    if (entry == nullptr) continue;
    std::string name = string_member(*entry, "name");
    std::string_view id = name;
    if (id.starts_with("models/")) id.remove_prefix(7);
    if (id.empty()) continue;

    const json::array* methods = array_member(*entry, "supportedGenerationMethods");
    bool chat = has_method(methods, "generateContent");
    bool embeddings = has_method(methods, "embedContent") || has_method(methods, "batchEmbedContents");
    if (!chat && !embeddings) continue;

    ProviderModel model;
    model.id = std::string(id);
    model.display_name = string_member(*entry, "displayName");
    model.context_size = positive(optional_int_member(*entry, "inputTokenLimit"));
    model.max_output_tokens = positive(optional_int_member(*entry, "outputTokenLimit"));
    if (embeddings) model.capabilities.emplace_back("embeddings");
    out.push_back(std::move(model));
  }
  return out;
}

}  // namespace aisbf::gemini
