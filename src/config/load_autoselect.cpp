// autoselect.json: {id: {model_name, description, fallback,
// available_models: [{model_id, description}], ...}}
#include <fmt/format.h>

#include "config/load_internal.hpp"
#include "config/schema.hpp"

namespace aisbf::config_detail {

namespace {

void parse_available_models(const json::object& obj, const std::string& path, DiagSink& sink,
                            AutoselectConfig& autoselect) {
  const json::array* models = get_array(obj, "available_models");
  if (models == nullptr) return;
  const std::string models_path = key_path(path, "available_models");
  for (std::size_t i = 0; i < models->size(); ++i) {
    const std::string model_path = index_path(models_path, i);
    const json::value& value = (*models)[i];
    if (!check_value(value, kObject, model_path, sink)) continue;
    const json::object& model = value.get_object();
    check_fields(model, model_path, autoselect_model_schema(), sink);
    std::string model_id = required_string(model, "model_id", model_path, sink);
    if (!model_id.empty()) autoselect.available_model_ids.push_back(std::move(model_id));
  }
}

AutoselectConfig parse_autoselect(const std::string& id, const json::value& value, const LoadContext& ctx,
                                  DiagSink& sink) {
  const std::string path = key_path("", id);
  check_id(IdKind::autoselect, id, path, ctx, sink);
  AutoselectConfig autoselect;
  autoselect.id = id;
  if (!check_value(value, kObject, path, sink)) return autoselect;
  const json::object& obj = value.get_object();
  check_fields(obj, path, autoselect_schema(), sink);
  autoselect.raw = obj;
  autoselect.model_name = get_string(obj, "model_name").value_or("");
  if (autoselect.model_name.empty()) autoselect.model_name = id;
  autoselect.description = get_string(obj, "description").value_or("");
  autoselect.fallback = get_string(obj, "fallback").value_or("");
  parse_available_models(obj, path, sink, autoselect);
  return autoselect;
}

}  // namespace

bool load_autoselects(const json::value& root, const LoadContext& ctx, DiagSink& sink, Config& config) {
  const json::object* obj = root.if_object();
  if (obj == nullptr) {
    sink.error("", fmt::format("expected an object, got {}", kind_name(root)));
    return false;
  }
  for (const auto& kv : *obj) config.autoselects.push_back(parse_autoselect(std::string(kv.key()), kv.value(), ctx, sink));
  return true;
}

}  // namespace aisbf::config_detail
