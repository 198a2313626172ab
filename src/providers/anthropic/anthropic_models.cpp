// Anthropic model list (`GET /v1/models`, PROTOCOLS.md §2.8):
// {"data":[{"type":"model","id","display_name","created_at",
//   "max_input_tokens","max_tokens","capabilities"}],"has_more","first_id","last_id"}.
// `max_input_tokens`, `max_tokens` and `capabilities` are newer and nullable;
// they are read when present. Only the first page is read: with the default
// limit (20) `has_more` may be true, and the rest would need `after_id=last_id`
// requests the caller does not make.
#include <fmt/format.h>

#include <boost/json/value.hpp>

#include "providers/anthropic/anthropic_adapter.hpp"
#include "providers/anthropic/anthropic_wire.hpp"

namespace aisbf::anthropic {

namespace json = boost::json;

namespace {

// capabilities.<name>.supported == true
bool supports(const json::object* capabilities, std::string_view name) {
  if (capabilities == nullptr) return false;
  const json::object* capability = wire::object_member(*capabilities, name);
  if (capability == nullptr) return false;
  const json::value* supported = capability->if_contains("supported");
  return supported != nullptr && supported->is_bool() && supported->get_bool();
}

std::optional<std::int64_t> positive(std::optional<std::int64_t> n) {
  return n && *n > 0 ? n : std::nullopt;
}

}  // namespace

std::string AnthropicAdapter::models_path(const UpstreamTarget& target) const {
  // Same endpoint rule as chat_path: a path ending in /v1 already has the version.
  return chat_path(target, false) == "/messages" ? "/models" : "/v1/models";
}

Expected<std::vector<ProviderModel>> AnthropicAdapter::decode_models(std::string_view body) const {
  auto root = wire::parse_object(body, "model list");
  if (!root) return root.take_error();
  const json::value* data = root->if_contains("data");
  if (data == nullptr || !data->is_array())
    return wire::protocol_error(
        fmt::format("upstream model list has no `data` array: {}", wire::excerpt(body, 120)));

  std::vector<ProviderModel> out;
  out.reserve(data->get_array().size());
  for (const json::value& item : data->get_array()) {
    const json::object* entry = item.if_object();
    if (entry == nullptr) continue;
    ProviderModel model;
    model.id = wire::string_member(*entry, "id");
    if (model.id.empty()) continue;
    model.display_name = wire::string_member(*entry, "display_name");
    model.context_size = positive(wire::optional_int_member(*entry, "max_input_tokens"));
    model.max_output_tokens = positive(wire::optional_int_member(*entry, "max_tokens"));
    if (supports(wire::object_member(*entry, "capabilities"), "image_input")) model.capabilities.emplace_back("vision");
    out.push_back(std::move(model));
  }
  return out;
}

}  // namespace aisbf::anthropic
