// JSON views of the configuration for the read-only routes: the model list
// (OpenAI's {"object":"list","data":[…]}), one model, and the status page.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <map>
#include <vector>

#include "config/config.hpp"
#include "core/provider_adapter.hpp"

namespace aisbf::api {

// Every configured model of every provider, or of one provider when
// `provider_id` is not empty, followed by the models the providers' own
// lists report that the configuration does not name, then (for the full
// list) the rotations as "rotation/<id>".
std::string models_list_json(const Config& config, std::string_view provider_id = {},
                             const std::map<std::string, std::vector<ProviderModel>>* fetched = nullptr);

// The rotations as models ("rotation/<id>"), for /api/rotations/models.
std::string rotation_models_json(const Config& config);

// One model by its gateway id ("provider/model" or "rotation/<id>"), or nullopt.
std::optional<std::string> model_json(const Config& config, std::string_view model_id);

std::string status_json(const Config& config);

}  // namespace aisbf::api
