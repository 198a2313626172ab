#include "api/routes.hpp"

#include "core/model_id.hpp"

namespace aisbf::api {

namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string_view strip_query(std::string_view target) {
  auto q = target.find_first_of("?#");
  return q == std::string_view::npos ? target : target.substr(0, q);
}

// Collapses a trailing slash so "/api/v1/models/" matches "/api/v1/models".
std::string_view strip_trailing_slash(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return path;
}

Route make(RouteKind kind) {
  Route r;
  r.kind = kind;
  return r;
}

Route with_get(std::string_view method, RouteKind kind) {
  return method == "GET" || method == "HEAD" ? make(kind) : make(RouteKind::method_not_allowed);
}
Route with_post(std::string_view method, RouteKind kind) {
  return method == "POST" ? make(kind) : make(RouteKind::method_not_allowed);
}

std::string decode_param(std::string_view raw, Route& r) {
  bool ok = true;
  auto out = percent_decode(raw, &ok);
  if (!ok) r.bad_escape = true;
  return out;
}

Route match_model_get(std::string_view method, std::string_view raw_id) {
  Route r = with_get(method, RouteKind::model_get);
  r.model_id = decode_param(raw_id, r);
  return r;
}

// /api/{id}/… where {id} is a provider, rotation or autoselect id.
Route match_scoped(std::string_view method, std::string_view rest) {
  auto slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return make(RouteKind::not_found);
  auto raw_scope = rest.substr(0, slash);
  auto tail = rest.substr(slash);
  Route r;
  if (tail == "/models") {
    r = with_get(method, RouteKind::scoped_models);
  } else if (tail == "/chat/completions" || tail == "/v1/chat/completions") {
    r = with_post(method, RouteKind::scoped_chat);
  } else if (tail == "/v1/messages" || tail == "/messages") {
    r = with_post(method, RouteKind::scoped_messages);
  } else if (tail == "/completions" || tail == "/v1/completions") {
    r = with_post(method, RouteKind::scoped_completions);
  } else {
    return make(RouteKind::not_found);
  }
  r.scope = decode_param(raw_scope, r);
  return r;
}

}  // namespace

Route match_route(std::string_view method, std::string_view target) {
  auto path = strip_trailing_slash(strip_query(target));

  if (path == "/health") return with_get(method, RouteKind::health);
  if (path == "/") return with_get(method, RouteKind::status);
  if (path == "/api/models" || path == "/api/v1/models" || path == "/v1/models" || path == "/models")
    return with_get(method, RouteKind::models_list);
  if (path == "/api/v1/chat/completions" || path == "/v1/chat/completions")
    return with_post(method, RouteKind::chat);
  if (path == "/v1/messages" || path == "/api/v1/messages") return with_post(method, RouteKind::messages);
  if (path == "/v1/messages/count_tokens" || path == "/api/v1/messages/count_tokens")
    return with_post(method, RouteKind::count_tokens);
  if (path == "/api/v1/completions" || path == "/v1/completions") return with_post(method, RouteKind::completions);
  if (path == "/api/rotations/chat/completions") return with_post(method, RouteKind::rotations_chat);
  if (path == "/api/autoselect/chat/completions") return with_post(method, RouteKind::autoselect_chat);
  if (path == "/api/rotations") return with_get(method, RouteKind::rotations_list);
  if (path == "/api/rotations/models") return with_get(method, RouteKind::rotations_models);
  if (path == "/api/admin/health") return with_get(method, RouteKind::admin_health);
  if (path == "/api/admin/health/reset") return with_post(method, RouteKind::admin_health_reset);

  for (std::string_view prefix : {"/api/v1/models/", "/v1/models/", "/api/models/", "/models/"}) {
    if (starts_with(path, prefix) && path.size() > prefix.size())
      return match_model_get(method, path.substr(prefix.size()));
  }
  if (starts_with(path, "/api/")) return match_scoped(method, path.substr(5));
  return make(RouteKind::not_found);
}

bool is_anthropic_route(RouteKind kind) {
  return kind == RouteKind::messages || kind == RouteKind::scoped_messages || kind == RouteKind::count_tokens;
}

}  // namespace aisbf::api
