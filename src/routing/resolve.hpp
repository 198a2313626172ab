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

// Whose view of the configuration a model id resolves in: the global one
// (the files of the config directory) or, once users exist, a user's own
// providers, rotations and autoselects over it. The principal says which.
struct Namespace {
  std::string_view user_id;  // empty: the global namespace
  bool is_global() const { return user_id.empty(); }
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
// rotation, provider. `ns`: the caller's namespace (only the global one
// exists so far: every namespace resolves there).
Expected<Resolution> resolve_chat(const Config& config, const Namespace& ns, std::string_view scope,
                                  std::string_view model);

}  // namespace aisbf::routing
