#include "api/models_json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "api/anthropic/models_json.hpp"
#include "api/provider_model_json.hpp"
#include "core/model_id.hpp"

namespace aisbf::api {

namespace {

namespace json = boost::json;

json::array string_array(const std::vector<std::string>& items) {
  json::array a;
  for (const auto& item : items) a.emplace_back(item);
  return a;
}

json::object model_entry(const ProviderConfig& provider, const ModelConfig& model) {
  json::object o;
  o["id"] = provider.id + "/" + model.name;
  o["object"] = "model";
  o["created"] = 0;
  o["owned_by"] = provider.id;
  o["provider"] = provider.id;
  o["provider_type"] = provider.type;
  if (model.limits.context_size) o["context_size"] = *model.limits.context_size;
  if (model.limits.max_request_tokens) o["max_request_tokens"] = *model.limits.max_request_tokens;
  if (!model.capabilities.empty()) o["capabilities"] = string_array(model.capabilities);
  return o;
}

json::object fetched_entry(const ProviderConfig& provider, const ProviderModel& model) {
  json::object o;
  o["id"] = provider.id + "/" + model.id;
  o["object"] = "model";
  o["created"] = 0;
  o["owned_by"] = provider.id;
  o["provider"] = provider.id;
  o["provider_type"] = provider.type;
  o["source"] = "provider";  // listed by the provider itself, not configured
  add_provider_model_facts(o, model);
  return o;
}

// A rotation or an autoselect: "<type>/<id>", a model the gateway itself serves.
json::object gateway_entry(std::string_view type, const std::string& id, const std::string& name) {
  json::object o;
  o["id"] = std::string(type) + "/" + id;
  o["object"] = "model";
  o["created"] = 0;
  o["owned_by"] = "aisbf";
  o["type"] = type;
  o["name"] = name;
  return o;
}

json::object rotation_entry(const RotationConfig& rotation) {
  return gateway_entry("rotation", rotation.id, rotation.model_name);
}

// AISBF lists an autoselect as a model with its description and capabilities.
json::object autoselect_entry(const AutoselectConfig& autoselect) {
  json::object o = gateway_entry("autoselect", autoselect.id, autoselect.model_name);
  if (!autoselect.description.empty()) o["description"] = autoselect.description;
  if (!autoselect.capabilities.empty()) o["capabilities"] = string_array(autoselect.capabilities);
  return o;
}

// Named fields only: a key added to autoselect.json later is not shown
// until someone decides it may be.
json::object autoselect_listing(const AutoselectConfig& autoselect) {
  json::array candidates;
  for (const auto& c : autoselect.candidates) {
    candidates.emplace_back(json::object{
        {"model_id", c.model_id}, {"description", c.description}, {"nsfw", c.nsfw}, {"privacy", c.privacy}});
  }
  json::object o;
  o["id"] = autoselect.id;
  o["object"] = "autoselect";
  o["model_name"] = autoselect.model_name;
  o["description"] = autoselect.description;
  o["selection_model"] = autoselect.selection_model;
  o["fallback"] = autoselect.fallback;
  o["capabilities"] = string_array(autoselect.capabilities);
  o["nsfw"] = autoselect.nsfw;
  o["privacy"] = autoselect.privacy;
  o["available_models"] = std::move(candidates);
  return o;
}

// {"object":"list","data":[entry(item)…]}.
std::string list_of(const auto& items, auto entry) {
  json::array data;
  for (const auto& item : items) data.emplace_back(entry(item));
  return model_list_json(std::move(data));
}

json::array ids_of(const auto& items) {
  json::array a;
  for (const auto& item : items) a.emplace_back(item.id);
  return a;
}

}  // namespace

std::string model_list_json(json::array data) {
  json::object out;
  out["object"] = "list";
  out["data"] = std::move(data);
  return json::serialize(out);
}

std::string models_list_json(const Config& config, std::string_view provider_id,
                             const std::map<std::string, std::vector<ProviderModel>>* fetched) {
  json::array data;
  for (const auto& provider : config.providers) {
    if (!provider_id.empty() && provider.id != provider_id) continue;
    for (const auto& model : provider.models) data.emplace_back(model_entry(provider, model));
    if (fetched == nullptr) continue;
    auto it = fetched->find(provider.id);
    if (it == fetched->end()) continue;
    for (const auto& model : it->second) {
      if (provider.find_model(model.id) == nullptr) data.emplace_back(fetched_entry(provider, model));
    }
  }
  if (provider_id.empty()) {
    for (const auto& rotation : config.rotations) data.emplace_back(rotation_entry(rotation));
    for (const auto& autoselect : config.autoselects) data.emplace_back(autoselect_entry(autoselect));
  }
  return model_list_json(std::move(data));
}

std::string rotation_models_json(const Config& config) { return list_of(config.rotations, rotation_entry); }

std::string autoselect_models_json(const Config& config) { return list_of(config.autoselects, autoselect_entry); }

std::string autoselect_candidates_json(const AutoselectConfig& autoselect, std::string_view id) {
  json::array data;
  for (const auto& c : autoselect.candidates) {
    data.emplace_back(json::object{{"id", c.model_id},
                                   {"object", "model"},
                                   {"created", 0},
                                   {"owned_by", "aisbf"},
                                   {"name", c.model_id},
                                   {"description", c.description},
                                   {"autoselect_id", id}});
  }
  return model_list_json(std::move(data));
}

namespace {

// One model of a rotation, AISBF's fields: the rotation entry's own
// context size and capabilities first, then the provider model's.
json::object rotation_candidate(const ProviderConfig* provider, const std::string& provider_shown,
                                const ModelConfig* configured, std::string_view rotation_id, const std::string& name,
                                double weight, const ModelLimits& limits, const std::vector<std::string>& capabilities) {
  json::object o;
  o["id"] = provider_shown + "/" + name;
  o["object"] = "model";
  o["created"] = 0;
  o["owned_by"] = provider_shown;
  o["name"] = name;
  o["provider_id"] = provider_shown;
  o["rotation_id"] = rotation_id;
  o["weight"] = weight;
  const auto rate = limits.rate_limit ? limits.rate_limit : configured ? configured->limits.rate_limit : std::nullopt;
  o["rate_limit"] = rate ? json::value(*rate) : json::value(nullptr);
  const auto context = limits.context_size ? limits.context_size
                       : configured        ? configured->limits.context_size
                                           : std::nullopt;
  if (context) o["context_window"] = *context;
  const auto& caps = !capabilities.empty() || configured == nullptr ? capabilities : configured->capabilities;
  if (!caps.empty()) o["capabilities"] = string_array(caps);
  if (provider != nullptr) o["provider_type"] = provider->type;
  return o;
}

}  // namespace

std::string rotation_candidates_json(const Config& config, const RotationConfig& rotation, std::string_view id,
                                     const std::function<std::string(std::string_view)>& shown) {
  json::array data;
  for (const auto& entry : rotation.providers) {
    const ProviderConfig* provider = config.find_provider(entry.provider_id);
    const std::string name_of_provider = shown ? shown(entry.provider_id) : entry.provider_id;
    const double weight = entry.weight.value_or(1.0);
    if (entry.models.empty() && provider != nullptr) {  // the simple format: the provider's models
      for (const auto& m : provider->models) {
        data.emplace_back(rotation_candidate(provider, name_of_provider, &m, id, m.name, weight, {}, {}));
      }
      continue;
    }
    for (const auto& m : entry.models) {
      const ModelConfig* configured = provider != nullptr ? provider->find_model(m.name) : nullptr;
      data.emplace_back(
          rotation_candidate(provider, name_of_provider, configured, id, m.name, m.weight, m.limits, m.capabilities));
    }
  }
  return model_list_json(std::move(data));
}

std::string autoselects_list_json(const Config& config) { return list_of(config.autoselects, autoselect_listing); }

std::optional<std::string> model_json(const Config& config, std::string_view model_id) {
  auto parsed = parse_model_id(model_id);
  if (parsed && parsed->kind == ModelIdKind::rotation) {
    const auto* rotation = config.find_rotation(parsed->id);
    if (rotation == nullptr) return std::nullopt;
    return json::serialize(rotation_entry(*rotation));
  }
  if (parsed && parsed->kind == ModelIdKind::autoselect) {
    const auto* autoselect = config.find_autoselect(parsed->id);
    if (autoselect == nullptr) return std::nullopt;
    return json::serialize(autoselect_entry(*autoselect));
  }
  if (!parsed || parsed->kind != ModelIdKind::provider) return std::nullopt;
  const auto* provider = config.find_provider(parsed->id);
  if (provider == nullptr) return std::nullopt;
  const auto* model = provider->find_model(parsed->model);
  if (model == nullptr) return std::nullopt;
  return json::serialize(model_entry(*provider, *model));
}

std::string anthropic_display_name(const json::object& entry) {
  if (const auto* n = entry.if_contains("name"); n != nullptr && n->is_string()) return std::string(n->get_string());
  const auto* id = entry.if_contains("id");
  const auto* provider = entry.if_contains("provider");
  if (id == nullptr || !id->is_string() || provider == nullptr || !provider->is_string()) return {};
  const std::string_view i = id->get_string(), p = provider->get_string();
  if (i.size() > p.size() && i.starts_with(p) && i[p.size()] == '/') return std::string(i.substr(p.size() + 1));
  return {};
}

std::string anthropic_entry_json(std::string_view entry) {
  boost::system::error_code ec;
  auto parsed = json::parse(entry, ec);
  if (ec || !parsed.is_object()) return anthropic_model_json("", "");
  const auto* id = parsed.as_object().if_contains("id");
  return anthropic_model_json(id != nullptr && id->is_string() ? std::string_view(id->get_string()) : "",
                              anthropic_display_name(parsed.as_object()));
}

std::string status_json(const Config& config) {
  json::object out;
  out["status"] = "ok";
  out["service"] = "aisbf";
  out["version"] = AISBF_VERSION;
  out["providers"] = ids_of(config.providers);
  out["rotations"] = ids_of(config.rotations);
  out["autoselect"] = ids_of(config.autoselects);
  return json::serialize(out);
}

}  // namespace aisbf::api
