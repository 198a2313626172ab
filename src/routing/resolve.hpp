// Model-id resolution: which configured target a chat request names, in the
// caller's view of the configuration. Decisions only, no I/O.
#pragma once

#include <optional>
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

struct UserView;  // user_config.hpp

// Whose view of the configuration a model id resolves in: the global one
// (the files of the config directory) or a user's own providers, rotations
// and autoselects over it (the principal's, or /api/u/{username}/…'s).
struct Namespace {
  std::string_view user_id;      // empty: the global namespace
  const UserView* view = nullptr;  // the user's view; null with a user_id: it could not be loaded
  bool is_global() const { return user_id.empty(); }
};

// What a chat request names: an autoselect, a rotation, or one provider model.
struct Resolution {
  const AutoselectConfig* autoselect = nullptr;  // set: choose a target first (pipeline/autoselect_step.hpp)
  const RotationConfig* rotation = nullptr;      // set: serve the rotation
  ProviderTarget target;                         // otherwise
  bool in_user_view = false;  // points into the namespace's view (serve it with its routing table)
};

// `scope` is the {id} of /api/{id}/chat/completions (empty for the global
// routes; "rotations" and "autoselect" for /api/rotations/… and
// /api/autoselect/…, which name the target in `model`); `model` is the
// request's `model` field. Looks an id up in AISBF's order: autoselect,
// rotation, provider. `ns`: the caller's namespace, where `user-provider/…`,
// `user-rotation/…` and `user-autoselect/…` resolve (404 in the global one,
// 503 store_unavailable when the user's documents could not be loaded).
// In a user's namespace the scoped routes reach the user's own targets too:
// /api/rotations/… and /api/autoselect/… take `user-rotation/<id>` and
// `user-autoselect/<id>` in `model`, and /api/{id}/… takes the id of the
// user's own provider, rotation or autoselect when no global target has it
// (AISBF serves a user's providers there; global ids are never shadowed).
Expected<Resolution> resolve_chat(const Config& config, const Namespace& ns, std::string_view scope,
                                  std::string_view model);

// An autoselect's candidate, selection model or fallback as the model id a
// client would name: a rotation id becomes `rotation/<id>`, a provider id
// its first model (`<id>/<model>`), a user's own rotation or provider
// (in their namespace, when no global one has the id) its `user-…` id; an
// id with a slash is taken as it is. Nullopt: it names nothing, or an
// autoselect (a choice is served, never chosen again).
std::optional<std::string> autoselect_target_id(const Config& config, const Namespace& ns, std::string_view id);

// Whether `scope` (of /api/{scope}/…) names no global target, so that in a
// user's namespace it can only name one of theirs.
bool names_user_scope(const Config& config, std::string_view scope);

}  // namespace aisbf::routing
