#include "cache/cache_policy.hpp"

#include <optional>

namespace aisbf::cache {

namespace {

std::optional<bool> flag(const boost::json::object& raw) {
  const auto* v = raw.if_contains("enable_response_cache");
  if (v == nullptr || !v->is_bool()) return std::nullopt;  // absent or null: inherit
  return v->get_bool();
}

// The rotation's own entry for the provider's model, when it lists one.
std::optional<bool> rotation_model_flag(const RotationConfig& rotation, const CacheScope& scope) {
  for (const auto& rp : rotation.providers) {
    if (rp.provider_id != scope.provider->id) continue;
    for (const auto& m : rp.models) {
      if (m.name == scope.model) return flag(m.raw);
    }
  }
  return std::nullopt;
}

}  // namespace

bool response_cache_enabled(const Config& config, const CacheScope& scope) {
  if (scope.provider != nullptr) {
    if (scope.rotation != nullptr) {
      if (auto f = rotation_model_flag(*scope.rotation, scope)) return *f;
    }
    if (const ModelConfig* model = scope.provider->find_model(scope.model)) {
      if (auto f = flag(model->raw)) return *f;
    }
    if (auto f = flag(scope.provider->raw)) return *f;
  }
  if (scope.rotation != nullptr) {
    if (auto f = flag(scope.rotation->raw)) return *f;
  }
  if (scope.autoselect != nullptr) {
    if (auto f = flag(scope.autoselect->raw)) return *f;
  }
  return config.response_cache.enabled;
}

}  // namespace aisbf::cache
