// JSON of the user routes (/api/user/…, /api/u/{username}/…): a user's
// documents with their keys masked, and the model ids of their namespace
// ("user-provider/<provider>/<model>", "user-rotation/<id>",
// "user-autoselect/<id>"), which are exactly the ids that resolve.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "routing/user_config.hpp"
#include "store/store.hpp"

namespace aisbf::api {

// "providers", "rotations", "autoselects": the route word of a kind.
std::string_view doc_kind_plural(store::DocKind kind);

// Calls `fn` on every key a document of `kind` carries: a provider's
// `api_key`, a rotation's providers[i].api_key.
void for_each_secret(store::DocKind kind, boost::json::object& doc, const std::function<void(boost::json::value&)>& fn);

// The document as a response shows it: every key masked.
boost::json::object masked_doc(const routing::UserDoc& doc);

// {"<plural>": {"<id>": {…masked…}, …}} for one kind.
std::string user_docs_json(const routing::UserView& view, store::DocKind kind);
// One document, masked.
std::string user_doc_json(const routing::UserDoc& doc);

// The user's own model ids as OpenAI model entries: every configured model
// of their providers, then their rotations, then their autoselects (all
// when `kind` is empty), or one kind's.
boost::json::array user_model_entries(const routing::UserView& view, std::optional<store::DocKind> kind);
// {"object":"list","data":[…]}: `global_list` (models_list_json's text)
// followed by the user's entries (of one kind when `kind` is set).
std::string namespace_models_json(std::string_view global_list, const routing::UserView* view,
                                  std::optional<store::DocKind> kind = std::nullopt);

// The entries of the user's own provider `id` (its "user-provider/<id>/…"
// ids), for /api/{id}/models; nullopt when the user has no such provider.
std::optional<std::string> user_provider_models_json(const routing::UserView& view, std::string_view id);

// The models of the user's own rotation `id` (models_json.hpp's
// rotation_candidates_json), for /api/{id}/models: their own providers as
// "user-provider/<id>", the global ones by their id.
std::string user_rotation_candidates_json(const routing::UserView& view, const RotationConfig& rotation,
                                          std::string_view id);

// One of the user's ids of any kind, as the lists show it; nullopt for an id
// no list of theirs holds (so a lookup finds exactly what the lists give).
std::optional<std::string> user_model_json(const routing::UserView& view, std::string_view model_id);

// (id, display name) of the user's providers' models, rotations and
// autoselects, for the Anthropic shape of the model list.
std::vector<std::pair<std::string, std::string>> user_model_names(const routing::UserView& view);

}  // namespace aisbf::api
