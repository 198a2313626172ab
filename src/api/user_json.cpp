#include "api/user_json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "api/models_json.hpp"
#include "auth/secret_box.hpp"

namespace aisbf::api {

namespace json = boost::json;

namespace {

json::object provider_model_entry(const routing::UserView& view, std::string_view id, const ProviderConfig& p,
                                  const ModelConfig& m) {
  json::object o;
  o["id"] = "user-provider/" + std::string(id) + "/" + m.name;
  o["object"] = "model";
  o["created"] = 0;
  o["owned_by"] = view.username;
  o["provider"] = "user-provider/" + std::string(id);
  o["provider_type"] = p.type;
  if (m.limits.context_size) o["context_size"] = *m.limits.context_size;
  if (!m.capabilities.empty()) {
    json::array caps;
    for (const auto& c : m.capabilities) caps.emplace_back(c);
    o["capabilities"] = std::move(caps);
  }
  return o;
}

json::object named_entry(const routing::UserView& view, std::string id, std::string_view type,
                         std::string_view name) {
  json::object o;
  o["id"] = std::move(id);
  o["object"] = "model";
  o["created"] = 0;
  o["owned_by"] = view.username;
  o["type"] = type;
  if (!name.empty()) o["name"] = name;
  return o;
}

}  // namespace

std::string_view doc_kind_plural(store::DocKind kind) {
  switch (kind) {
    case store::DocKind::provider: return "providers";
    case store::DocKind::rotation: return "rotations";
    case store::DocKind::autoselect: return "autoselects";
  }
  return "";
}

void for_each_secret(store::DocKind kind, json::object& doc, const std::function<void(json::value&)>& fn) {
  if (kind == store::DocKind::provider) {
    if (auto* key = doc.if_contains("api_key"); key != nullptr && key->is_string()) fn(*key);
    return;
  }
  if (kind != store::DocKind::rotation) return;
  auto* entries = doc.if_contains("providers");
  if (entries == nullptr || !entries->is_array()) return;
  for (auto& e : entries->get_array()) {
    if (!e.is_object()) continue;
    if (auto* key = e.get_object().if_contains("api_key"); key != nullptr && key->is_string()) fn(*key);
  }
}

json::object masked_doc(const routing::UserDoc& doc) {
  json::object copy = doc.value;
  for_each_secret(doc.kind, copy, [](json::value& key) { key = auth::mask_secret(key.get_string()); });
  return copy;
}

std::string user_docs_json(const routing::UserView& view, store::DocKind kind) {
  json::object items;
  for (const auto& d : view.docs) {
    if (d.kind == kind) items[d.id] = masked_doc(d);
  }
  json::object out;
  out[doc_kind_plural(kind)] = std::move(items);
  return json::serialize(out);
}

std::string user_doc_json(const routing::UserDoc& doc) { return json::serialize(masked_doc(doc)); }

json::array user_model_entries(const routing::UserView& view, std::optional<store::DocKind> kind) {
  json::array data;
  const bool all = !kind.has_value();
  // Only what the view holds: a document left out of it (no longer valid) resolves to nothing, so it is not listed.
  for (const auto& d : view.docs) {
    if (d.kind != store::DocKind::provider || !(all || *kind == d.kind)) continue;
    if (const auto* p = view.provider(d.id)) {
      for (const auto& m : p->models) data.emplace_back(provider_model_entry(view, d.id, *p, m));
    }
  }
  for (const auto& d : view.docs) {
    if (d.kind != store::DocKind::rotation || !(all || *kind == d.kind)) continue;
    if (const auto* r = view.rotation(d.id)) data.emplace_back(named_entry(view, "user-rotation/" + d.id, "rotation", r->model_name));
  }
  for (const auto& d : view.docs) {
    if (d.kind != store::DocKind::autoselect || !(all || *kind == d.kind)) continue;
    if (const auto* a = view.autoselect(d.id)) {
      data.emplace_back(named_entry(view, "user-autoselect/" + d.id, "autoselect", a->model_name));
    }
  }
  return data;
}

std::string namespace_models_json(std::string_view global_list, const routing::UserView* view,
                                  std::optional<store::DocKind> kind) {
  boost::system::error_code ec;
  auto parsed = json::parse(global_list, ec);
  json::array data;
  if (!ec && parsed.is_object()) {
    if (auto* d = parsed.as_object().if_contains("data"); d != nullptr && d->is_array()) data = std::move(d->as_array());
  }
  if (view != nullptr) {
    for (auto& entry : user_model_entries(*view, kind)) data.push_back(std::move(entry));
  }
  return model_list_json(std::move(data));
}

std::optional<std::string> user_provider_models_json(const routing::UserView& view, std::string_view id) {
  const auto* p = view.provider(id);
  if (p == nullptr) return std::nullopt;
  json::array data;
  for (const auto& m : p->models) data.emplace_back(provider_model_entry(view, id, *p, m));
  return model_list_json(std::move(data));
}

std::string user_rotation_candidates_json(const routing::UserView& view, const RotationConfig& rotation,
                                          std::string_view id) {
  const std::string own = routing::internal_id(view.username, "");
  return rotation_candidates_json(view.config(), rotation, id, [&own](std::string_view provider) {
    if (!provider.starts_with(own)) return std::string(provider);
    return "user-provider/" + std::string(provider.substr(own.size()));
  });
}

std::optional<std::string> user_model_json(const routing::UserView& view, std::string_view model_id) {
  if (!model_id.starts_with("user-")) return std::nullopt;
  for (const auto& entry : user_model_entries(view, std::nullopt)) {
    const auto* id = entry.as_object().if_contains("id");
    if (id != nullptr && id->is_string() && id->get_string() == model_id) return json::serialize(entry);
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> user_model_names(const routing::UserView& view) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& v : user_model_entries(view, std::nullopt)) {
    const auto* id = v.as_object().if_contains("id");
    if (id != nullptr && id->is_string()) out.emplace_back(std::string(id->get_string()), anthropic_display_name(v.as_object()));
  }
  return out;
}

}  // namespace aisbf::api
