#include "routing/resolve.hpp"

#include <fmt/format.h>

#include "core/model_id.hpp"
#include "routing/user_config.hpp"

namespace aisbf::routing {

namespace {

GatewayError model_not_found(std::string message) {
  auto e = make_error(ErrorKind::not_found, std::move(message));
  e.code = "model_not_found";
  e.param = "model";
  return e;
}


GatewayError store_unavailable() {
  auto e = make_error(ErrorKind::unavailable,
                      "the user's providers, rotations and autoselects cannot be loaded: the database is unavailable");
  e.code = "store_unavailable";
  return e;
}

Expected<ProviderTarget> provider_target(const ProviderConfig& provider, std::string_view model_name) {
  if (!is_valid_upstream_model_name(model_name)) {
    auto e = make_error(ErrorKind::invalid_request, "model name is empty, too long or contains whitespace or control characters");
    e.code = "invalid_model";
    e.param = "model";
    return e;
  }
  ProviderTarget t;
  t.provider = &provider;
  t.model = provider.find_model(model_name);
  if (t.model == nullptr && !provider.models.empty()) {
    return model_not_found(fmt::format("model '{}' is not configured for provider '{}'", model_name, provider.id));
  }
  t.upstream_model = std::string(model_name);
  return t;
}

Expected<Resolution> rotation(const RotationConfig& r) {
  Resolution res;
  res.rotation = &r;
  return res;
}

Expected<Resolution> autoselect(const AutoselectConfig& a) {
  Resolution res;
  res.autoselect = &a;
  return res;
}

Expected<Resolution> provider(Expected<ProviderTarget> target) {
  if (!target) return target.take_error();
  Resolution res;
  res.target = std::move(*target);
  return res;
}

Expected<Resolution> in_view(Expected<Resolution> r) {
  if (r) r->in_user_view = true;
  return r;
}

// user-provider/…, user-rotation/…, user-autoselect/…: only in a user's namespace.
Expected<Resolution> resolve_user(const Namespace& ns, const ModelId& id, std::string_view model) {
  if (ns.is_global()) {
    return model_not_found(fmt::format("model '{}' names a user's own target, and this caller has no user namespace "
                                       "(use a user's token, or /api/u/{{username}}/…)",
                                       model));
  }
  if (ns.view == nullptr) return store_unavailable();
  const UserView& v = *ns.view;
  switch (id.kind) {
    case ModelIdKind::user_rotation: {
      const auto* r = v.rotation(id.id);
      if (r == nullptr) return model_not_found(fmt::format("you have no rotation named '{}'", id.id));
      return in_view(rotation(*r));
    }
    case ModelIdKind::user_autoselect:
      if (const auto* a = v.autoselect(id.id)) return in_view(autoselect(*a));
      return model_not_found(fmt::format("you have no autoselect named '{}'", id.id));
    default: break;
  }
  const auto* p = v.provider(id.id);
  if (p == nullptr) return model_not_found(fmt::format("you have no provider named '{}'", id.id));
  return in_view(provider(provider_target(*p, id.model)));
}

// "<scope>/m" and "m" (and for a user's own provider the id its lists show,
// "user-provider/<scope>/m") all name the model m of the provider `scope` on
// a scoped route, unless the provider really has a model called by the
// longer name.
std::string_view scoped_model_name(const ProviderConfig& p, std::string_view scope, std::string_view model,
                                   bool own) {
  for (std::string_view prefix : {std::string_view(own ? "user-provider/" : ""), std::string_view()}) {
    std::string_view name = model;
    if (!name.starts_with(prefix)) continue;
    name.remove_prefix(prefix.size());
    if (name.size() > scope.size() && name.starts_with(scope) && name[scope.size()] == '/' &&
        p.find_model(model) == nullptr) {
      return name.substr(scope.size() + 1);
    }
  }
  return model;
}

// /api/{scope}/… naming none of the global targets: the caller's own, in
// the same order (a user's ids never shadow global ones).
Expected<Resolution> resolve_user_scope(const Namespace& ns, std::string_view scope, std::string_view model) {
  if (ns.is_global()) return model_not_found(fmt::format("no provider, rotation or autoselect named '{}'", scope));
  if (ns.view == nullptr) return store_unavailable();
  const UserView& v = *ns.view;
  if (const auto* a = v.autoselect(scope)) return in_view(autoselect(*a));
  if (const auto* r = v.rotation(scope)) return in_view(rotation(*r));
  const auto* p = v.provider(scope);
  if (p == nullptr) return model_not_found(fmt::format("no provider, rotation or autoselect named '{}'", scope));
  return in_view(provider(provider_target(*p, scoped_model_name(*p, scope, model, true))));
}

// /api/rotations/… and /api/autoselect/… name the target in `model`: a
// global one by its bare id (or "rotation/<id>" / "autoselect/<id>", as the
// global routes name them), the caller's own by its `user-…` id.
Expected<Resolution> resolve_named_kind(const Config& config, const Namespace& ns, std::string_view scope,
                                        std::string_view model) {
  if (model.starts_with("user-")) {
    auto id = parse_model_id(model);
    const auto wanted = scope == "rotations" ? ModelIdKind::user_rotation : ModelIdKind::user_autoselect;
    if (id && id->kind == wanted) return resolve_user(ns, *id, model);
  }
  if (scope == "rotations") {
    std::string_view id = model.starts_with("rotation/") ? model.substr(9) : model;
    const auto* r = config.find_rotation(id);
    if (r == nullptr) return model_not_found(fmt::format("no rotation named '{}'", id));
    return rotation(*r);
  }
  std::string_view id = model.starts_with("autoselect/") ? model.substr(11) : model;
  const auto* a = config.find_autoselect(id);
  if (a == nullptr) return model_not_found(fmt::format("no autoselect named '{}'", id));
  return autoselect(*a);
}

Expected<Resolution> resolve_scoped(const Config& config, const Namespace& ns, std::string_view scope,
                                    std::string_view model) {
  if (scope == "rotations" || (scope == "autoselect" && config.find_autoselect(scope) == nullptr)) {
    return resolve_named_kind(config, ns, scope, model);
  }
  if (const auto* a = config.find_autoselect(scope)) return autoselect(*a);
  if (const auto* r = config.find_rotation(scope)) return rotation(*r);
  const auto* p = config.find_provider(scope);
  if (p == nullptr) return resolve_user_scope(ns, scope, model);
  return provider(provider_target(*p, scoped_model_name(*p, scope, model, false)));
}

}  // namespace

bool names_user_scope(const Config& config, std::string_view scope) {
  if (scope.empty() || scope == "rotations" || scope == "autoselect") return false;
  return config.find_autoselect(scope) == nullptr && config.find_rotation(scope) == nullptr &&
         config.find_provider(scope) == nullptr;
}

Expected<Resolution> resolve_chat(const Config& config, const Namespace& ns, std::string_view scope,
                                  std::string_view model) {
  if (!scope.empty()) return resolve_scoped(config, ns, scope, model);
  auto id = parse_model_id(model);
  if (!id) {
    return model_not_found(fmt::format(
        "model '{}' is not a gateway model id: use 'provider/model', 'rotation/name' or 'autoselect/name'", model));
  }
  switch (id->kind) {
    case ModelIdKind::rotation: {
      const auto* r = config.find_rotation(id->id);
      if (r == nullptr) return model_not_found(fmt::format("no rotation named '{}'", id->id));
      return rotation(*r);
    }
    case ModelIdKind::autoselect:
      if (const auto* a = config.find_autoselect(id->id)) return autoselect(*a);
      return model_not_found(fmt::format("no autoselect named '{}'", id->id));
    case ModelIdKind::user_provider:
    case ModelIdKind::user_rotation:
    case ModelIdKind::user_autoselect: return resolve_user(ns, *id, model);
    case ModelIdKind::provider: break;
  }
  const auto* p = config.find_provider(id->id);
  if (p == nullptr) return model_not_found(fmt::format("no provider named '{}'", id->id));
  return provider(provider_target(*p, id->model));
}

std::optional<std::string> autoselect_target_id(const Config& config, const Namespace& ns, std::string_view id) {
  if (id.empty()) return std::nullopt;
  if (id.find('/') != std::string_view::npos) {
    if (id.starts_with("autoselect/") || id.starts_with("user-autoselect/")) return std::nullopt;
    return std::string(id);
  }
  // By the id as written (a user's provider is kept under an internal id).
  auto first_model = [id](const ProviderConfig& p, std::string_view prefix) -> std::optional<std::string> {
    if (p.models.empty()) return std::nullopt;
    return fmt::format("{}{}/{}", prefix, id, p.models.front().name);
  };
  if (config.find_rotation(id) != nullptr) return fmt::format("rotation/{}", id);
  if (const auto* p = config.find_provider(id)) return first_model(*p, "");
  if (ns.view != nullptr) {
    if (ns.view->rotation(id) != nullptr) return fmt::format("user-rotation/{}", id);
    if (const auto* p = ns.view->provider(id)) return first_model(*p, "user-provider/");
  }
  return std::nullopt;
}

}  // namespace aisbf::routing
