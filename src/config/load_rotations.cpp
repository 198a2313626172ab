// rotations.json: {"notifyerrors": bool, "rotations": {id: {model_name,
// notifyerrors?, providers: [{provider_id, weight?, models?: [...]}]}}}
#include <fmt/format.h>

#include "config/env_keys.hpp"
#include "config/load_internal.hpp"
#include "config/schema.hpp"

namespace aisbf::config_detail {

namespace {

const Range kNonNegative{0, false, std::nullopt};

std::optional<RotationModel> parse_rotation_model(const json::value& value, const std::string& path,
                                                  DiagSink& sink) {
  if (!check_value(value, kObject, path, sink)) return std::nullopt;
  const json::object& obj = value.get_object();
  check_fields(obj, path, rotation_model_schema(), sink);
  RotationModel model;
  model.name = required_string(obj, "name", path, sink);
  check_no_control(model.name, key_path(path, "name"), kInUrl, sink);
  if (check_range(obj, "weight", path, kNonNegative, sink)) model.weight = get_number(obj, "weight").value_or(1);
  model.limits = parse_model_limits(obj, "", path, sink);
  model.timeouts = parse_timeouts(obj, path, sink);
  model.capabilities = get_strings(obj, "capabilities");
  // Native caching is the provider model's (providers.json): one model
  // served through several rotations caches one way.
  for (std::string_view key : {"enable_native_caching", "min_cacheable_tokens", "cache_ttl", "prompt_cache_key"}) {
    if (obj.contains(key)) {
      sink.warning(key_path(path, key), "ignored in a rotation; set it on the provider or its model in providers.json");
    }
  }
  model.raw = obj;
  return model;
}

std::optional<RotationProvider> parse_rotation_provider(const json::value& value, const std::string& path,
                                                        DiagSink& sink) {
  if (!check_value(value, kObject, path, sink)) return std::nullopt;
  const json::object& obj = value.get_object();
  check_fields(obj, path, rotation_provider_schema(), sink);
  RotationProvider entry;
  entry.provider_id = required_string(obj, "provider_id", path, sink);
  if (check_range(obj, "weight", path, kNonNegative, sink)) entry.weight = get_number(obj, "weight");
  entry.api_key = get_string(obj, "api_key").value_or("");
  // Read only in providers.json (the rotations an API caller may write
  // must not read the environment); sent as written it would be no key.
  if (env_key_reference(entry.api_key)) {
    sink.warning(key_path(path, "api_key"),
                 "\"env:…\" references are read only in providers.json; the provider's own key is sent");
    entry.api_key.clear();
  }
  check_no_control(entry.api_key, key_path(path, "api_key"), kInHeader, sink);
  if (const json::array* models = get_array(obj, "models")) {
    const std::string models_path = key_path(path, "models");
    for (std::size_t i = 0; i < models->size(); ++i) {
      auto model = parse_rotation_model((*models)[i], index_path(models_path, i), sink);
      if (model) entry.models.push_back(std::move(*model));
    }
  }
  entry.raw = obj;
  return entry;
}

RotationConfig parse_rotation(const std::string& id, const json::value& value, const std::string& path,
                              bool default_notify, const LoadContext& ctx, DiagSink& sink) {
  check_id(IdKind::rotation, id, path, ctx, sink);
  RotationConfig rotation;
  rotation.id = id;
  if (!check_value(value, kObject, path, sink)) return rotation;
  const json::object& obj = value.get_object();
  check_fields(obj, path, rotation_schema(), sink);
  rotation.raw = obj;
  rotation.model_name = get_string(obj, "model_name").value_or("");
  if (rotation.model_name.empty()) rotation.model_name = id;
  rotation.notifyerrors = get_bool(obj, "notifyerrors").value_or(default_notify);
  rotation.defaults = parse_model_limits(obj, "default_", path, sink);
  if (check_range(obj, "max_attempts", path, Range{1, false, 100.0}, sink)) {
    if (auto n = get_int(obj, "max_attempts")) rotation.max_attempts = static_cast<int>(*n);
  }
  if (!require(obj, "providers", path, sink)) return rotation;
  const json::array* providers = get_array(obj, "providers");
  if (providers == nullptr) return rotation;  // type error already recorded
  const std::string providers_path = key_path(path, "providers");
  if (providers->empty()) sink.warning(providers_path, "no providers; requests to this rotation will fail");
  for (std::size_t i = 0; i < providers->size(); ++i) {
    auto entry = parse_rotation_provider((*providers)[i], index_path(providers_path, i), sink);
    if (entry) rotation.providers.push_back(std::move(*entry));
  }
  return rotation;
}

}  // namespace

bool load_rotations(const json::value& root, const LoadContext& ctx, DiagSink& sink, Config& config) {
  const json::object* obj = root.if_object();
  if (obj == nullptr) {
    sink.error("", fmt::format("expected an object, got {}", kind_name(root)));
    return false;
  }
  check_fields(*obj, "", rotations_file_schema(), sink);
  config.notifyerrors = get_bool(*obj, "notifyerrors").value_or(false);
  if (!require(*obj, "rotations", "", sink)) return false;
  const json::object* rotations = get_object(*obj, "rotations");
  if (rotations == nullptr) return false;  // type error already recorded
  for (const auto& kv : *rotations) {
    std::string id(kv.key());
    config.rotations.push_back(parse_rotation(id, kv.value(), key_path("rotations", id), config.notifyerrors, ctx, sink));
  }
  return true;
}

}  // namespace aisbf::config_detail
