// What a provider's own model list tells of a model (core/provider_adapter.hpp
// ProviderModel), as the model lists and the dashboard's "fetch models" show
// it: `name`, `context_size`, `max_output_tokens`, `pricing` {prompt,
// completion} per token and `capabilities`, each only when known. Pure.
#pragma once

#include <boost/json/object.hpp>

#include "core/provider_adapter.hpp"

namespace aisbf::api {

void add_provider_model_facts(boost::json::object& out, const ProviderModel& model);

}  // namespace aisbf::api
