#include "config/condensation.hpp"

#include "config/load_internal.hpp"

namespace aisbf {

namespace config_detail {

std::optional<CondensationMode> condensation_mode_from(const json::object& aisbf_root, const json::value** raw) {
  const json::object* controls = get_object(aisbf_root, "feature_controls");
  const json::object* feature = controls ? get_object(*controls, "context_condensation") : nullptr;
  const json::value* mode = feature ? feature->if_contains("mode") : nullptr;
  if (raw != nullptr) *raw = mode;
  if (mode == nullptr || mode->is_null()) return CondensationMode::inherit;
  const json::string* text = mode->if_string();
  if (text == nullptr) return std::nullopt;
  if (*text == "enabled") return CondensationMode::enabled;
  if (*text == "disabled") return CondensationMode::disabled;
  if (*text == "inherit") return CondensationMode::inherit;
  return std::nullopt;
}

}  // namespace config_detail

CondensationMode condensation_mode(const Config& config) {
  return config_detail::condensation_mode_from(config.aisbf, nullptr).value_or(CondensationMode::inherit);
}

const char* condensation_mode_name(CondensationMode mode) {
  switch (mode) {
    case CondensationMode::enabled: return "enabled";
    case CondensationMode::disabled: return "disabled";
    case CondensationMode::inherit: break;
  }
  return "inherit";
}

bool has_condensation_target(const CondensationConfig& c) {
  return c.enabled && (!c.rotation_id.empty() || (!c.provider_id.empty() && !c.model.empty()));
}

}  // namespace aisbf
