// The condensation settings that are not per model, read from a loaded
// Config: aisbf.json's switch for the feature and the model the LLM methods
// (conversational, semantic) ask. The per-model fields are ModelLimits'
// condense_context / condense_method, cascaded by routing/rotation.hpp.
#pragma once

#include "config/config.hpp"

namespace aisbf {

// aisbf.json `feature_controls.context_condensation.mode`: `disabled` turns
// condensation off everywhere; `enabled` also condenses the models that set
// nothing (the built-in threshold and methods); `inherit` or absent: each
// model's cascaded settings decide (docs/config.md). The loader warns about
// any other value, which reads as `inherit`.
enum class CondensationMode { inherit, enabled, disabled };
CondensationMode condensation_mode(const Config& config);
const char* condensation_mode_name(CondensationMode mode);

// Config::condensation after the load names its target as resolved (AISBF's
// `"model": "internal"` and a `model` naming a rotation are resolved by the
// loader): `rotation_id`, or `provider_id` + `model`. Without a target, or
// with `enabled` false (the default for a block that does not say), the LLM
// methods ask the request's own model, as AISBF does.
bool has_condensation_target(const CondensationConfig& condensation);

}  // namespace aisbf
