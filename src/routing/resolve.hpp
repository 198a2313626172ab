// Model-id resolution: which configured target a chat request names, in the
// caller's view of the configuration. Decisions only, no I/O.
#pragma once

#include <string>
#include <string_view>

#include "config/config.hpp"
#include "core/expected.hpp"

namespace aisbf::routing {

struct ProviderTarget {
  const ProviderConfig* provider = nullptr;
  const ModelConfig* model = nullptr;  // null when the provider lists no models
  std::string upstream_model;          // the name the upstream knows
};

// What a chat request names: a rotation, or one provider model.
struct Resolution {
  const RotationConfig* rotation = nullptr;  // set: serve the rotation
  ProviderTarget target;                     // otherwise
};

// `scope` is the {id} of /api/{id}/chat/completions (empty for the global
// routes; "rotations" and "autoselect" for /api/rotations/… and
// /api/autoselect/…, which name the target in `model`); `model` is the
// request's `model` field. Looks an id up in AISBF's order: autoselect,
// rotation, provider.
Expected<Resolution> resolve_chat(const Config& config, std::string_view scope, std::string_view model);

}  // namespace aisbf::routing
