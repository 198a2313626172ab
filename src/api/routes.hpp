// The route table: which handler a method and path go to. Pure: no I/O, no
// config. Path parameters come back percent-decoded.
#pragma once

#include <string>
#include <string_view>

namespace aisbf::api {

enum class RouteKind {
  not_found,
  method_not_allowed,
  health,            // GET /health
  status,            // GET /
  models_list,       // GET /api/models, /api/v1/models, /v1/models, /models
  model_get,         // GET /api/v1/models/{id}, /v1/models/{id}  (id may contain '/')
  scoped_models,     // GET /api/{id}/models
  chat,              // POST /api/v1/chat/completions, /v1/chat/completions
  scoped_chat,       // POST /api/{id}/chat/completions
  rotations_chat,    // POST /api/rotations/chat/completions
  autoselect_chat,   // POST /api/autoselect/chat/completions
  rotations_list,    // GET /api/rotations
  rotations_models,  // GET /api/rotations/models
  admin_health,      // GET /api/admin/health: provider/model health and limits
  admin_health_reset,  // POST /api/admin/health/reset
  messages,          // POST /v1/messages, /api/v1/messages (Anthropic format)
  scoped_messages,   // POST /api/{id}/v1/messages
  count_tokens,      // POST /v1/messages/count_tokens, /api/v1/messages/count_tokens
  completions,       // POST /api/v1/completions, /v1/completions (legacy prompt form)
  scoped_completions,  // POST /api/{id}/completions, /api/{id}/v1/completions
};

// Routes whose clients speak Anthropic's format (errors, auth header).
bool is_anthropic_route(RouteKind kind);

struct Route {
  RouteKind kind = RouteKind::not_found;
  std::string scope;     // {id} of /api/{id}/…, decoded
  std::string model_id;  // {id} of …/models/{id}, decoded
  bool bad_escape = false;  // a path parameter had an invalid %-escape
};

// `target` is the request target as received (path plus optional query).
Route match_route(std::string_view method, std::string_view target);

}  // namespace aisbf::api
