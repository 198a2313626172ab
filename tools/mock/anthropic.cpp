#include "anthropic.hpp"

#include <algorithm>
#include <array>
#include <string>

#include "chat_common.hpp"
#include "text.hpp"

namespace aisbf_mock {
namespace json = boost::json;
namespace {

enum class Route : std::uint8_t { none, messages, count_tokens, models, model };

struct ModelInfo {
  std::string_view id;
  std::string_view display_name;
};

constexpr std::array<ModelInfo, 3> kModels{{
    {"mock-model", "Mock Model"},
    {"claude-sonnet-4-5-20250929", "Claude Sonnet 4.5"},
    {"claude-haiku-4-5-20251001", "Claude Haiku 4.5"},
}};
constexpr std::string_view kCreatedAt = "2025-09-29T00:00:00Z";
// Versions listed on https://platform.claude.com/docs/en/api/versioning (and the
// 2026-10-21 migration guide).
constexpr std::array<std::string_view, 3> kVersions{"2023-01-01", "2023-06-01", "2026-10-21"};

// /v1/messages and /v1/messages/count_tokens always; the model routes only
// with an anthropic-version header (else they are OpenAI's).
Route match_route(std::string_view path, bool versioned, std::string_view& model_id) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (path.ends_with("/messages/count_tokens")) return Route::count_tokens;
  if (path.ends_with("/messages")) return Route::messages;
  if (!versioned) return Route::none;
  if (path.ends_with("/models")) return Route::models;
  if (const std::size_t pos = path.find("/models/"); pos != std::string_view::npos) {
    model_id = path.substr(pos + 8);
    return Route::model;
  }
  return Route::none;
}

void append_model(std::string& out, const ModelInfo& m) {
  out += "{\"type\":\"model\",\"id\":";
  append_json_string(out, m.id);
  out += ",\"display_name\":";
  append_json_string(out, m.display_name);
  out += ",\"created_at\":\"";
  out += kCreatedAt;
  out += "\"}";
}

void list_models(Plan& plan) {
  plan.body = "{\"data\":[";
  for (std::size_t i = 0; i < kModels.size(); ++i) {
    if (i != 0) plan.body.push_back(',');
    append_model(plan.body, kModels[i]);
  }
  plan.body += "],\"has_more\":false,\"first_id\":";
  append_json_string(plan.body, kModels.front().id);
  plan.body += ",\"last_id\":";
  append_json_string(plan.body, kModels.back().id);
  plan.body += "}";
}

void one_model(std::string_view raw_id, std::string_view request_id, Plan& plan) {
  const std::string id = percent_decode(raw_id);
  for (const auto& m : kModels) {
    if (m.id != id) continue;
    append_model(plan.body, m);
    return;
  }
  anthropic_error(plan, 404, "not_found_error", "model: " + id, request_id);
}

// x-api-key must be present, and be one of --api-key when any is given.
bool authorized(const ApiContext& ctx, const RequestView& req, std::string_view request_id, Plan& plan) {
  const std::string_view key = header_value(req.headers, "x-api-key");
  if (key.empty()) {
    anthropic_error(plan, 401, "authentication_error", "x-api-key header is required", request_id);
    return false;
  }
  if (ctx.api_keys.empty()) return true;
  for (const auto& k : ctx.api_keys) {
    if (k == key) return true;
  }
  anthropic_error(plan, 401, "authentication_error", "invalid x-api-key", request_id);
  return false;
}

bool valid_version(const RequestView& req, std::string_view request_id, Plan& plan) {
  const std::string_view version = header_value(req.headers, "anthropic-version");
  if (version.empty()) {
    anthropic_error(plan, 400, "invalid_request_error", "anthropic-version: header is required", request_id);
    return false;
  }
  for (const auto v : kVersions) {
    if (v == version) return true;
  }
  anthropic_error(plan, 400, "invalid_request_error",
                  "anthropic-version: \"" + std::string(version) + "\" is not a valid version", request_id);
  return false;
}

void rate_limited(unsigned seconds, std::string_view request_id, Plan& plan) {
  anthropic_error(plan, 429, "rate_limit_error",
                  "This request would exceed the rate limit for your organization of 50 requests per minute "
                  "(mock fault-429). Please try again later.",
                  request_id);
  std::int64_t now = 0;
  std::uint32_t nanos = 0;
  unix_now(now, nanos);
  plan.extra_headers += "retry-after: ";
  append_uint(plan.extra_headers, seconds);
  plan.extra_headers +=
      "\r\nanthropic-ratelimit-requests-limit: 50\r\nanthropic-ratelimit-requests-remaining: 0\r\n"
      "anthropic-ratelimit-requests-reset: ";
  append_rfc3339(plan.extra_headers, now + seconds, 0, 0);
  plan.extra_headers += "\r\n";
}

// Faults answered without building a reply. Returns true when handled.
bool apply_early_fault(Fault fault, std::string_view request_id, Plan& plan) {
  switch (fault.kind) {
    case FaultKind::http_500:
      anthropic_error(plan, 500, "api_error", "Internal server error", request_id);
      return true;
    case FaultKind::http_503:
      anthropic_error(plan, 529, "overloaded_error", "Overloaded", request_id);
      return true;
    case FaultKind::http_429:
      rate_limited(fault.param, request_id, plan);
      return true;
    case FaultKind::http_401:
      anthropic_error(plan, 401, "authentication_error", "invalid x-api-key", request_id);
      return true;
    case FaultKind::http_400:
      anthropic_error(plan, 400, "invalid_request_error", "messages.0.content: rejected by mock fault-400", request_id);
      return true;
    case FaultKind::http_404:
      anthropic_error(plan, 404, "not_found_error", "model: mock fault-404", request_id);
      return true;
    case FaultKind::bad_json:
      plan.body = "this is not json";
      return true;
    case FaultKind::close:
      plan.behaviour = Behaviour::close_silently;
      return true;
    case FaultKind::hang:
      plan.behaviour = Behaviour::hang;
      return true;
    default:
      return false;
  }
}

void count_tokens(const json::object& body, Fault fault, std::string_view request_id, Plan& plan) {
  const json::value* messages = body.if_contains("messages");
  if (messages == nullptr || !messages->is_array()) {
    anthropic_error(plan, 400, "invalid_request_error", "messages: Field required", request_id);
    return;
  }
  if (fault.kind == FaultKind::stream_error) {
    anthropic_error(plan, 500, "api_error", "mock mid-stream failure", request_id);
    return;
  }
  std::size_t words = count_text_words(*messages);
  if (const json::value* system = body.if_contains("system")) {
    words += system->is_string() ? count_words(system->get_string()) : count_text_words(*system);
  }
  plan.body = "{\"input_tokens\":";
  append_uint(plan.body, std::max<std::size_t>(1, words));
  plan.body += "}";
  apply_delivery_fault(fault, plan);
}

}  // namespace

void anthropic_error(Plan& plan, int status, std::string_view type, std::string_view message,
                     std::string_view request_id) {
  plan.status = status;
  plan.body = "{\"type\":\"error\",\"error\":{\"type\":";
  append_json_string(plan.body, type);
  plan.body += ",\"message\":";
  append_json_string(plan.body, message);
  plan.body += "},\"request_id\":";
  append_json_string(plan.body, request_id);
  plan.body += "}";
}

bool handle_anthropic(ApiContext& ctx, const RequestView& req, Plan& plan) {
  const std::string_view path = req.target.substr(0, req.target.find('?'));
  std::string_view version;
  std::string_view model_id;
  const Route route = match_route(path, find_header(req.headers, "anthropic-version", version), model_id);
  if (route == Route::none) return false;

  std::string request_id = "req_mock_";
  append_uint(request_id, ctx.next_id.fetch_add(1, std::memory_order_relaxed));
  plan.extra_headers += "request-id: " + request_id + "\r\n";
  const bool is_get = route == Route::models || route == Route::model;
  if (req.method != (is_get ? "GET" : "POST")) {
    plan.extra_headers += is_get ? "Allow: GET\r\n" : "Allow: POST\r\n";
    anthropic_error(plan, 405, "invalid_request_error", "Method Not Allowed", request_id);
    return true;
  }
  if (!authorized(ctx, req, request_id, plan) || !valid_version(req, request_id, plan)) return true;
  if (route == Route::models) {
    list_models(plan);
    return true;
  }
  if (route == Route::model) {
    one_model(model_id, request_id, plan);
    return true;
  }

  const JsonBody parsed(req.body);
  const json::object* body = parsed.object();
  if (body == nullptr) {
    anthropic_error(plan, 400, "invalid_request_error", "The request body is not valid JSON.", request_id);
    return true;
  }
  const std::string_view model = string_at(*body, "model");
  if (model.empty()) {
    anthropic_error(plan, 400, "invalid_request_error", "model: Field required", request_id);
    return true;
  }
  const Fault fault = pick_fault(ctx, model, plan);
  if (apply_early_fault(fault, request_id, plan)) return true;
  if (route == Route::count_tokens) {
    count_tokens(*body, fault, request_id, plan);
  } else {
    anthropic_messages(ctx, *body, model, fault, request_id, plan);
  }
  return true;
}

}  // namespace aisbf_mock
