#include "routing/user_config.hpp"

#include <algorithm>
#include <unordered_set>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace aisbf::routing {

namespace json = boost::json;

namespace {

const char* file_of(store::DocKind kind) {
  switch (kind) {
    case store::DocKind::provider: return "providers.json";
    case store::DocKind::rotation: return "rotations.json";
    case store::DocKind::autoselect: return "autoselect.json";
  }
  return "";
}

// The global providers the user's rotations name and the user does not
// define: the loader must see them, or it would call them unknown.
std::unordered_set<std::string> borrowed_providers(const Config& global, std::span<const UserDoc> docs) {
  std::unordered_set<std::string> own, borrowed;
  for (const auto& d : docs) {
    if (d.kind == store::DocKind::provider) own.insert(d.id);
  }
  for (const auto& d : docs) {
    if (d.kind != store::DocKind::rotation) continue;
    const auto* entries = d.value.if_contains("providers");
    if (entries == nullptr || !entries->is_array()) continue;
    for (const auto& e : entries->get_array()) {
      const auto* id = e.is_object() ? e.get_object().if_contains("provider_id") : nullptr;
      if (id == nullptr || !id->is_string()) continue;
      std::string name(id->get_string());
      if (own.count(name) == 0 && global.find_provider(name) != nullptr) borrowed.insert(std::move(name));
    }
  }
  return borrowed;
}

ConfigValues values_of(const Config& global, std::span<const UserDoc> docs) {
  json::object providers, rotations, autoselects;
  for (const auto& id : borrowed_providers(global, docs)) providers[id] = global.find_provider(id)->raw;
  for (const auto& d : docs) {
    switch (d.kind) {
      case store::DocKind::provider: providers[d.id] = d.value; break;
      case store::DocKind::rotation: rotations[d.id] = d.value; break;
      case store::DocKind::autoselect: autoselects[d.id] = d.value; break;
    }
  }
  ConfigValues values;
  values.dir = global.dir;
  values.aisbf = json::value(global.aisbf);
  values.providers = json::value(json::object{{"providers", std::move(providers)}});
  values.rotations = json::value(json::object{{"rotations", std::move(rotations)}});
  values.autoselect = json::value(std::move(autoselects));
  return values;
}

// "providers.x.endpoint" → "endpoint", for the entry `id` of `top` ("" for autoselect.json).
bool strip_entry_prefix(std::string& path, std::string_view top, std::string_view id) {
  std::string base(top);
  for (const std::string& prefix :
       {base + (base.empty() ? "" : ".") + std::string(id), base + "[" + json::serialize(json::string(id)) + "]"}) {
    if (path == prefix) {
      path.clear();
      return true;
    }
    if (path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
        (path[prefix.size()] == '.' || path[prefix.size()] == '[')) {
      path.erase(0, prefix.size() + (path[prefix.size()] == '.' ? 1 : 0));
      return true;
    }
  }
  return false;
}

// The user's own diagnostics, relative to their entries; the aisbf.json ones
// (the global file's, reported at its load) and the borrowed providers' are
// not theirs.
std::vector<Diagnostic> own_diagnostics(std::vector<Diagnostic> all, std::span<const UserDoc> docs) {
  std::vector<Diagnostic> out;
  for (auto& d : all) {
    for (const auto& doc : docs) {
      if (d.file.rfind(file_of(doc.kind), 0) != 0) continue;
      const std::string_view top = doc.kind == store::DocKind::provider   ? "providers"
                                   : doc.kind == store::DocKind::rotation ? "rotations"
                                                                          : "";
      if (!strip_entry_prefix(d.json_path, top, doc.id)) continue;
      d.file = doc_label(doc.kind, doc.id);
      out.push_back(std::move(d));
      break;
    }
  }
  return out;
}

std::shared_ptr<const Config> merged_config(const Config& global, const Config& loaded, std::span<const UserDoc> docs,
                                            std::string_view username, bool allow_private) {
  auto c = std::make_shared<Config>();
  c->dir = global.dir;
  c->server = global.server;
  c->auth = global.auth;
  c->notifyerrors = global.notifyerrors;
  c->adaptive = global.adaptive;
  c->routing = global.routing;
  c->media = global.media;  // the content proxy's switch and bounds (a user's image URLs too)
  // The switch and the condensation model are the operator's: a user's
  // candidates cascade under the same aisbf.json mode, and the LLM methods'
  // target names global entries (resolve it in the global table).
  c->condensation = global.condensation;
  c->aisbf = global.aisbf;
  // The response cache's section is the operator's too; `used` also counts
  // the user's own enable_response_cache switches (loaded over aisbf.json).
  c->response_cache = loaded.response_cache;
  std::unordered_set<std::string> own;
  for (const auto& d : docs) {
    if (d.kind == store::DocKind::provider) own.insert(d.id);
  }
  for (const auto& p : loaded.providers) {
    ProviderConfig copy = own.count(p.id) != 0 ? p : *global.find_provider(p.id);
    if (own.count(p.id) != 0) {
      copy.id = internal_id(username, p.id);
      copy.public_addresses_only = !allow_private;
      // tor's SOCKS port is trusted (http/upstream_client.cpp proxy_connect)
      // only while the admin has tor on; otherwise it is an address like any
      // other, loopback: refused to public-only providers.
      if (!allow_private && copy.proxy && copy.proxy->tor && !global.tor.enabled) copy.proxy->tor = false;
    }
    c->providers.push_back(std::move(copy));
  }
  for (auto r : loaded.rotations) {
    r.id = internal_id(username, r.id);
    for (auto& entry : r.providers) {
      if (own.count(entry.provider_id) != 0) entry.provider_id = internal_id(username, entry.provider_id);
    }
    c->rotations.push_back(std::move(r));
  }
  for (auto a : loaded.autoselects) {
    a.id = internal_id(username, a.id);
    c->autoselects.push_back(std::move(a));
  }
  return c;
}

}  // namespace

const char* kind_name(store::DocKind kind) {
  switch (kind) {
    case store::DocKind::provider: return "provider";
    case store::DocKind::rotation: return "rotation";
    case store::DocKind::autoselect: return "autoselect";
  }
  return "?";
}

std::string doc_label(store::DocKind kind, std::string_view id) {
  return std::string(kind_name(kind)).append(" ").append(id);
}

std::string internal_id(std::string_view username, std::string_view id) {
  std::string out;
  out.reserve(username.size() + id.size() + 2);
  out.append("~").append(username).append("/").append(id);
  return out;
}

const ProviderConfig* UserView::provider(std::string_view id) const {
  return config().find_provider(internal_id(username, id));
}
const RotationConfig* UserView::rotation(std::string_view id) const {
  return config().find_rotation(internal_id(username, id));
}
const AutoselectConfig* UserView::autoselect(std::string_view id) const {
  return config().find_autoselect(internal_id(username, id));
}
const UserDoc* UserView::doc(store::DocKind kind, std::string_view id) const {
  for (const auto& d : docs) {
    if (d.kind == kind && d.id == id) return &d;
  }
  return nullptr;
}

LoadResult load_user_docs(const Config& global, std::span<const UserDoc> docs,
                          std::span<const std::string_view> reserved_words, bool operators_own) {
  // The operator's providers a rotation borrows resolve their "env:" keys;
  // a user's own provider must not read the server's environment.
  std::unordered_set<std::string> own;
  for (const auto& d : docs) {
    if (d.kind == store::DocKind::provider) own.insert(d.id);
  }
  LoadOptions options{.reserved_route_words = reserved_words};
  if (!operators_own) options.env_keys_for = [&own](std::string_view id) { return own.count(std::string(id)) == 0; };
  auto loaded = load_config_values(values_of(global, docs), options);
  loaded.diagnostics = own_diagnostics(std::move(loaded.diagnostics), docs);
  const bool has_error = std::any_of(loaded.diagnostics.begin(), loaded.diagnostics.end(),
                                     [](const Diagnostic& d) { return d.severity == Diagnostic::Severity::error; });
  if (has_error) loaded.config.reset();
  return loaded;
}

BuiltView build_user_view(std::shared_ptr<const Config> global, std::string username, std::vector<UserDoc> docs,
                          bool allow_private_endpoints, std::span<const std::string_view> reserved_words) {
  BuiltView out;
  auto loaded = load_user_docs(*global, docs, reserved_words);
  out.diagnostics = std::move(loaded.diagnostics);
  if (!loaded.config) return out;
  auto view = std::make_shared<UserView>();
  view->routes = std::make_shared<const RoutingTable>(
      merged_config(*global, *loaded.config, docs, username, allow_private_endpoints));
  view->username = std::move(username);
  view->allow_private_endpoints = allow_private_endpoints;
  view->global = std::move(global);
  view->docs = std::move(docs);
  out.view = std::move(view);
  return out;
}

}  // namespace aisbf::routing
