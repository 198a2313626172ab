// JSON views of the configuration for the read-only routes: the model list
// (OpenAI's {"object":"list","data":[…]}), one model, and the status page.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <map>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "config/config.hpp"
#include "core/provider_adapter.hpp"

namespace aisbf::api {

// Every configured model of every provider, or of one provider when
// `provider_id` is not empty, followed by the models the providers' own
// lists report that the configuration does not name, then (for the full
// list) the rotations as "rotation/<id>" and the autoselects as
// "autoselect/<id>".
std::string models_list_json(const Config& config, std::string_view provider_id = {},
                             const std::map<std::string, std::vector<ProviderModel>>* fetched = nullptr);

// {"object":"list","data": data}.
std::string model_list_json(boost::json::array data);

// The rotations as models ("rotation/<id>"), for /api/rotations/models.
std::string rotation_models_json(const Config& config);
// The autoselects as models ("autoselect/<id>"), for /api/autoselect/models.
std::string autoselect_models_json(const Config& config);

// One autoselect's candidates as models, for GET /api/{autoselect-id}/models
// (AISBF's list of the ids its selection may choose): each
// {"id": model_id as configured, "object":"model", "created":0,
// "owned_by":"aisbf", "name": model_id, "description", "autoselect_id": `id`}.
// `id`: the autoselect as the caller named it (a user's own without the
// prefix it carries in their view).
std::string autoselect_candidates_json(const AutoselectConfig& autoselect, std::string_view id);

// One rotation's models as models, for GET /api/{rotation-id}/models
// (AISBF's handle_rotation_model_list, in the list shape the other lists
// have): each {"id":"<provider>/<model>", "object":"model", "created":0,
// "owned_by": provider, "name": model, "provider_id", "rotation_id": `id`,
// "weight", "rate_limit" (seconds, null when not set), "context_window"
// and "capabilities" when the rotation entry or the provider's model gives
// them}. A provider entry without models lists the provider's configured
// models (the rotation's simple format). `config` holds the providers the
// rotation names; `shown` turns a provider id into the one the caller uses
// (a user's own providers are "user-provider/<id>" to them).
std::string rotation_candidates_json(const Config& config, const RotationConfig& rotation, std::string_view id,
                                     const std::function<std::string(std::string_view)>& shown = {});

// GET /api/autoselect: {"object":"list","data":[{"id","object":"autoselect",
// "model_name","description","selection_model","fallback","capabilities",
// "available_models":[{"model_id","description","nsfw","privacy"}]}]}:
// AISBF's fields of each entry (autoselect.json holds no secret, but only
// these named fields are shown, never the entry as written).
std::string autoselects_list_json(const Config& config);

// One model by its gateway id ("provider/model", "rotation/<id>" or
// "autoselect/<id>"), or nullopt.
std::optional<std::string> model_json(const Config& config, std::string_view model_id);

// The name an entry of the lists above (or of a user's, api/user_json.hpp)
// shows in Anthropic's shape: its `name`, else the model part of a provider
// model's id ("<provider>/<model>"), else "" (the id stands for itself).
std::string anthropic_display_name(const boost::json::object& entry);
// One OpenAI-shaped entry (model_json's text) in Anthropic's shape.
std::string anthropic_entry_json(std::string_view entry);

std::string status_json(const Config& config);

}  // namespace aisbf::api
