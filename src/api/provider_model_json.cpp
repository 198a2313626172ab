#include "api/provider_model_json.hpp"

#include <boost/json/array.hpp>

namespace aisbf::api {

void add_provider_model_facts(boost::json::object& out, const ProviderModel& model) {
  if (!model.display_name.empty()) out["name"] = model.display_name;
  if (model.context_size) out["context_size"] = *model.context_size;
  if (model.max_output_tokens) out["max_output_tokens"] = *model.max_output_tokens;
  if (model.prompt_price || model.completion_price) {
    boost::json::object pricing;
    if (model.prompt_price) pricing["prompt"] = *model.prompt_price;
    if (model.completion_price) pricing["completion"] = *model.completion_price;
    out["pricing"] = std::move(pricing);
  }
  if (!model.capabilities.empty()) {
    boost::json::array capabilities;
    for (const auto& c : model.capabilities) capabilities.emplace_back(c);
    out["capabilities"] = std::move(capabilities);
  }
}

}  // namespace aisbf::api
