// Ollama model list (`GET /api/tags`, PROTOCOLS.md §4.3):
// {"models":[{"name":"llama3.2:latest","model":"llama3.2:latest","modified_at",
//   "size","digest","details":{"family","parameter_size","quantization_level",...}}]}.
// The id is `name` (`model` when a server leaves `name` out); the list tells
// neither context size nor capabilities (that is `/api/show`, per model).
#include <fmt/format.h>

#include "providers/ollama/ollama_adapter.hpp"
#include "providers/ollama/ollama_wire.hpp"

namespace aisbf::ollama {

namespace json = boost::json;

std::string OllamaAdapter::models_path(const UpstreamTarget& target) const {
  // Same endpoint rule as chat_path: an endpoint ending in /api already has it.
  return chat_path(target, false) == "/chat" ? "/tags" : "/api/tags";
}

Expected<std::vector<ProviderModel>> OllamaAdapter::decode_models(std::string_view body) const {
  auto root = wire::parse_object(body, "model list");
  if (!root) return root.take_error();
  const json::value* models = root->if_contains("models");
  if (models != nullptr && models->is_null()) return std::vector<ProviderModel>{};  // a nil Go slice
  if (models == nullptr || !models->is_array())
    return wire::protocol_error(
        fmt::format("upstream model list has no `models` array: {}", wire::excerpt(body, 120)));

  std::vector<ProviderModel> out;
  out.reserve(models->get_array().size());
  for (const json::value& item : models->get_array()) {
    const json::object* entry = item.if_object();
    if (entry == nullptr) continue;
    ProviderModel model;
    model.id = wire::string_member(*entry, "name");
    if (model.id.empty()) model.id = wire::string_member(*entry, "model");
    if (model.id.empty()) continue;
    out.push_back(std::move(model));
  }
  return out;
}

}  // namespace aisbf::ollama
