#include "gemini.hpp"

#include <algorithm>
#include <array>
#include <string>

#include "chat_common.hpp"
#include "images.hpp"
#include "text.hpp"

namespace aisbf_mock {
namespace json = boost::json;
namespace {

enum class Route : std::uint8_t {
  none,
  generate,
  stream,
  count_tokens,
  batch_embed,
  embed,
  models,
  model,
  cache_create,
  cache_get
};

struct ModelInfo {
  std::string_view id;
  std::string_view display_name;
};

constexpr std::array<ModelInfo, 3> kModels{{
    {"mock-model", "Mock Model"},
    {"gemini-2.5-flash", "Gemini 2.5 Flash"},
    {"gemini-2.5-pro", "Gemini 2.5 Pro"},
}};

constexpr std::string_view kNoKey =
    "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or "
    "other form of API consumer identity to call this API.";
constexpr std::string_view kBadKeyDetails =
    "[{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":\"API_KEY_INVALID\","
    "\"domain\":\"googleapis.com\",\"metadata\":{\"service\":\"generativelanguage.googleapis.com\"}},"
    "{\"@type\":\"type.googleapis.com/google.rpc.LocalizedMessage\",\"locale\":\"en-US\","
    "\"message\":\"API key not valid. Please pass a valid API key.\"}]";

// The API key: x-goog-api-key, else the key query parameter.
bool find_key(const RequestView& req, std::string& key) {
  std::string_view v;
  if (find_header(req.headers, "x-goog-api-key", v)) {
    key = v;
    return true;
  }
  if (find_query(req.target, "key", v)) {
    key = percent_decode(v);
    return true;
  }
  return false;
}

// POST …/models/{model}:{method} always; GET …/models[/{id}] when the path
// has /v1beta/models or the request a Gemini key, and no anthropic-version
// header (else OpenAI's or Anthropic's).
Route match_route(const RequestView& req, std::string_view& model) {
  std::string_view path = req.target.substr(0, req.target.find('?'));
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const std::size_t slash = path.rfind('/');
  const std::size_t colon = path.rfind(':');
  if (colon != std::string_view::npos && slash != std::string_view::npos && colon > slash) {
    const std::string_view method = path.substr(colon + 1);
    model = path.substr(slash + 1, colon - slash - 1);
    if (method == "generateContent") return Route::generate;
    if (method == "streamGenerateContent") return Route::stream;
    if (method == "countTokens") return Route::count_tokens;
    if (method == "batchEmbedContents") return Route::batch_embed;
    if (method == "embedContent") return Route::embed;
    return Route::none;
  }
  if (path.ends_with("/cachedContents")) return Route::cache_create;
  if (const std::size_t pos = path.find("/cachedContents/"); pos != std::string_view::npos) {
    model = path.substr(pos + 1);  // the cache's name, "cachedContents/{id}"
    return Route::cache_get;
  }
  std::string ignored;
  std::string_view version;
  const bool gemini_path = path.find("/v1beta/models") != std::string_view::npos;
  if ((!gemini_path && !find_key(req, ignored)) || find_header(req.headers, "anthropic-version", version)) {
    return Route::none;
  }
  if (path.ends_with("/models")) return Route::models;
  if (const std::size_t pos = path.find("/models/"); pos != std::string_view::npos) {
    model = path.substr(pos + 8);
    return Route::model;
  }
  return Route::none;
}

void append_model(std::string& out, const ModelInfo& m) {
  out += "{\"name\":\"models/";
  out += m.id;
  out += "\",\"version\":\"001\",\"displayName\":";
  append_json_string(out, m.display_name);
  out += ",\"description\":\"aisbf-mock model\",\"inputTokenLimit\":1048576,\"outputTokenLimit\":65536,";
  out += "\"supportedGenerationMethods\":[\"generateContent\",\"countTokens\"],";
  out += "\"temperature\":1,\"topP\":0.95,\"topK\":64,\"maxTemperature\":2}";
}

void list_models(Plan& plan) {
  plan.body = "{\"models\":[";
  for (std::size_t i = 0; i < kModels.size(); ++i) {
    if (i != 0) plan.body.push_back(',');
    append_model(plan.body, kModels[i]);
  }
  plan.body += "]}";
}

void one_model(std::string_view raw_id, Plan& plan) {
  std::string id = percent_decode(raw_id);
  if (id.starts_with("models/")) id.erase(0, 7);
  for (const auto& m : kModels) {
    if (m.id != id) continue;
    append_model(plan.body, m);
    return;
  }
  gemini_error(plan, 404, "NOT_FOUND", "models/" + id + " is not found for API version v1beta.");
}

bool authorized(const ApiContext& ctx, const RequestView& req, Plan& plan) {
  std::string key;
  if (!find_key(req, key) || key.empty()) {
    gemini_error(plan, 403, "PERMISSION_DENIED", kNoKey);
    return false;
  }
  if (ctx.api_keys.empty() || std::find(ctx.api_keys.begin(), ctx.api_keys.end(), key) != ctx.api_keys.end()) {
    return true;
  }
  gemini_error(plan, 400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", kBadKeyDetails);
  return false;
}

void rate_limited(unsigned seconds, std::string_view model, Plan& plan) {
  std::string details =
      "[{\"@type\":\"type.googleapis.com/google.rpc.QuotaFailure\",\"violations\":[{\"quotaMetric\":"
      "\"generativelanguage.googleapis.com/generate_content_free_tier_requests\",\"quotaId\":"
      "\"GenerateRequestsPerMinutePerProjectPerModel-FreeTier\",\"quotaDimensions\":{\"location\":\"global\","
      "\"model\":";
  append_json_string(details, model);
  details +=
      "},\"quotaValue\":\"10\"}]},{\"@type\":\"type.googleapis.com/google.rpc.Help\",\"links\":[{\"description\":"
      "\"Learn more about Gemini API quotas\",\"url\":\"https://ai.google.dev/gemini-api/docs/rate-limits\"}]},"
      "{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"";
  append_uint(details, seconds);
  details += "s\"}]";
  std::string message =
      "You exceeded your current quota, please check your plan and billing details. For more information on this "
      "error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. Please retry in ";
  append_uint(message, seconds);
  message += "s. (mock fault-429)";
  gemini_error(plan, 429, "RESOURCE_EXHAUSTED", message, details);
}

// Faults answered without building a reply. Returns true when handled.
bool apply_early_fault(Fault fault, std::string_view model, Plan& plan) {
  switch (fault.kind) {
    case FaultKind::http_500:
      gemini_error(plan, 500, "INTERNAL",
                   "An internal error has occurred. Please retry or report in "
                   "https://developers.generativeai.google/guide/troubleshooting");
      return true;
    case FaultKind::http_503:
      gemini_error(plan, 503, "UNAVAILABLE", "The model is overloaded. Please try again later.");
      return true;
    case FaultKind::http_429:
      rate_limited(fault.param, model, plan);
      return true;
    case FaultKind::http_401:
      gemini_error(plan, 401, "UNAUTHENTICATED",
                   "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or "
                   "other valid authentication credential. See "
                   "https://developers.google.com/identity/sign-in/web/devconsole-project.");
      return true;
    case FaultKind::http_400:
      gemini_error(plan, 400, "INVALID_ARGUMENT", "Request contains an invalid argument.");
      return true;
    case FaultKind::http_404:
      gemini_error(plan, 404, "NOT_FOUND",
                   "models/" + std::string(model) + " is not found for API version v1beta, or is not supported for "
                   "generateContent. Call ListModels to see the list of available models and their supported methods.");
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

void count_tokens(const json::object& body, Fault fault, Plan& plan) {
  const json::object* request = object_at(body, "generateContentRequest");
  const json::object& source = request != nullptr ? *request : body;
  const json::value* contents = source.if_contains("contents");
  if (fault.kind == FaultKind::stream_error) {
    gemini_error(plan, 500, "INTERNAL", "mock mid-stream failure");
    return;
  }
  std::size_t words = contents != nullptr ? count_text_words(*contents) : 0;
  if (const json::value* system = either_at(source, "systemInstruction", "system_instruction")) {
    words += count_text_words(*system);
  }
  words = std::max<std::size_t>(1, words);
  plan.body = "{\"totalTokens\":";
  append_uint(plan.body, words);
  plan.body += ",\"promptTokensDetails\":[{\"modality\":\"TEXT\",\"tokenCount\":";
  append_uint(plan.body, words);
  plan.body += "}]}";
  apply_delivery_fault(fault, plan);
}

}  // namespace

void gemini_error(Plan& plan, int code, std::string_view status, std::string_view message, std::string_view details) {
  plan.status = code;
  plan.content_type = kGeminiJson;
  plan.body = "{\"error\":{\"code\":";
  append_uint(plan.body, static_cast<std::uint64_t>(code));
  plan.body += ",\"message\":";
  append_json_string(plan.body, message);
  plan.body += ",\"status\":";
  append_json_string(plan.body, status);
  if (!details.empty()) {
    plan.body += ",\"details\":";
    plan.body += details;
  }
  plan.body += "}}";
}

bool handle_gemini(ApiContext& ctx, const RequestView& req, Plan& plan) {
  std::string_view raw_model;
  const Route route = match_route(req, raw_model);
  if (route == Route::none) return false;
  plan.content_type = kGeminiJson;
  const bool is_get = route == Route::models || route == Route::model || route == Route::cache_get;
  if (req.method != (is_get ? "GET" : "POST")) {
    gemini_error(plan, 404, "NOT_FOUND", "Method not found.");
    return true;
  }
  if (!authorized(ctx, req, plan)) return true;
  if (route == Route::models) {
    list_models(plan);
    return true;
  }
  if (route == Route::model) {
    one_model(raw_model, plan);
    return true;
  }
  if (route == Route::cache_get) {
    gemini_cache_get(ctx, raw_model, plan);
    return true;
  }
  const JsonBody parsed(req.body);
  const json::object* body = parsed.object();
  if (body == nullptr) {
    gemini_error(plan, 400, "INVALID_ARGUMENT", "Invalid JSON payload received. Unexpected token.");
    return true;
  }
  if (route == Route::cache_create) {
    gemini_cache_create(ctx, *body, plan);
    return true;
  }
  const std::string model = percent_decode(raw_model);
  const Fault fault = pick_fault(ctx, model, plan);
  if (apply_early_fault(fault, model, plan)) return true;
  if (route == Route::count_tokens) {
    count_tokens(*body, fault, plan);
    return true;
  }
  if (route == Route::batch_embed) {
    gemini_batch_embed(*body, model, fault, plan);
    return true;
  }
  if (route == Route::embed) {
    gemini_embed(*body, model, fault, plan);
    return true;
  }
  const json::value* contents = body->if_contains("contents");
  if (contents == nullptr || !contents->is_array() || contents->get_array().empty()) {
    gemini_error(plan, 400, "INVALID_ARGUMENT", "* GenerateContentRequest.contents: contents is not specified\n");
    return true;
  }
  if (route == Route::generate && gemini_wants_image(*body)) {
    gemini_image_generation(ctx, *body, model, plan);
    return true;
  }
  std::string_view alt;
  const bool sse = find_query(req.target, "alt", alt) && alt == "sse";
  gemini_generate(ctx, *body, model, fault, route == Route::stream, sse, plan);
  return true;
}

}  // namespace aisbf_mock
