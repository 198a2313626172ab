#include "api/anthropic/models_json.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace aisbf::api {

namespace json = boost::json;

namespace {

json::object model_object(std::string_view id, std::string_view display_name, std::string_view created_at) {
  return {{"type", "model"},
          {"id", id},
          {"display_name", display_name.empty() ? id : display_name},
          {"created_at", created_at}};
}

}  // namespace

std::string anthropic_models_list_json(const std::vector<std::pair<std::string, std::string>>& models,
                                       std::string_view created_at) {
  json::array data;
  data.reserve(models.size());
  for (const auto& [id, name] : models) data.push_back(model_object(id, name, created_at));
  json::object root;
  root["data"] = std::move(data);
  root["has_more"] = false;
  root["first_id"] = models.empty() ? json::value(nullptr) : json::value(models.front().first);
  root["last_id"] = models.empty() ? json::value(nullptr) : json::value(models.back().first);
  return json::serialize(root);
}

std::string anthropic_model_json(std::string_view id, std::string_view display_name, std::string_view created_at) {
  return json::serialize(model_object(id, display_name, created_at));
}

}  // namespace aisbf::api
