#include "openai.hpp"

#include "audio.hpp"

#include <algorithm>
#include <array>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cstring>

#include "embed.hpp"
#include "faults.hpp"
#include "images.hpp"
#include "openai_chat.hpp"
#include "openai_responses.hpp"
#include "select.hpp"
#include "text.hpp"

namespace aisbf_mock {
namespace json = boost::json;
namespace {

constexpr std::string_view kNoKey =
    "You didn't provide an API key. You need to provide your API key in an Authorization header using "
    "Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if "
    "you're accessing the API from your browser and are prompted for a username and password. You can "
    "obtain an API key from https://platform.openai.com/account/api-keys.";
constexpr std::string_view kBadJson =
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP "
    "library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you "
    "have trouble figuring out how to fix this, please contact us through our help center at "
    "help.openai.com.)";
constexpr std::array<std::string_view, 4> kModels{"mock-model", "gpt-4o-mini", "org/nested-model",
                                                  "text-embedding-3-small"};
constexpr unsigned kMaxDimensions = 65536;

enum class Route : std::uint8_t {
  unknown,
  chat,
  responses,
  codex_responses,
  embeddings,
  models,
  model,
  images,
  speech,
  upload,  // audio transcriptions/translations that were not multipart (server.cpp streams those that are)
};

std::string_view string_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view{};
}

bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// A key containing this is refused with the key itself in the message.
constexpr std::string_view kEchoKeyFault = "fault-echo-key";

// Masks a key like OpenAI does: "sk-ab***wxyz".
std::string incorrect_key_message(std::string_view key) {
  std::string m = "Incorrect API key provided: ";
  if (key.size() > 8) {
    m += key.substr(0, 4);
    m.append(std::min<std::size_t>(key.size() - 8, 20), '*');
    m += key.substr(key.size() - 4);
  } else {
    m += "****";
  }
  m += ". You can find your API key at https://platform.openai.com/account/api-keys.";
  return m;
}

// Bearer auth as OpenAI does it; Azure OpenAI's dated API sends the key as
// `api-key` instead, so that header is accepted as well.
bool authorized(const ApiContext& ctx, std::string_view header, std::string_view azure_key, Plan& plan) {
  std::string_view token;
  if (header.size() > 7 && iequals_ascii(header.substr(0, 7), "bearer ")) token = header.substr(7);
  if (token.empty()) token = azure_key;
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) {
    set_error(plan, 401, kNoKey, "invalid_request_error");
    return false;
  }
  if (token.find(kEchoKeyFault) != std::string_view::npos) {
    // A careless upstream: the key verbatim in its refusal (README, "Key faults").
    set_error(plan, 401, "Incorrect API key provided: " + std::string(token) + ".", "invalid_request_error", {},
              "invalid_api_key");
    return false;
  }
  if (ctx.api_keys.empty()) return true;
  for (const auto& key : ctx.api_keys) {
    if (key == token) return true;
  }
  set_error(plan, 401, incorrect_key_message(token), "invalid_request_error", {}, "invalid_api_key");
  return false;
}

Route match_route(std::string_view path, std::string_view& model_id) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (path.ends_with("/chat/completions")) return Route::chat;
  if (path.ends_with("/codex/responses")) return Route::codex_responses;  // the ChatGPT backend (`codex`)
  if (path.ends_with("/responses")) return Route::responses;
  if (path.ends_with("/embeddings")) return Route::embeddings;
  if (path.ends_with("/images/generations")) return Route::images;
  if (path.ends_with("/audio/speech")) return Route::speech;
  if (path.ends_with("/audio/transcriptions") || path.ends_with("/audio/translations")) return Route::upload;
  if (path.ends_with("/models")) return Route::models;
  if (const std::size_t pos = path.find("/models/"); pos != std::string_view::npos) {
    model_id = path.substr(pos + 8);
    return Route::model;
  }
  return Route::unknown;
}

void append_model(std::string& out, std::string_view id) {
  out += "{\"id\":";
  append_json_string(out, id);
  out += ",\"object\":\"model\",\"created\":1700000000,\"owned_by\":\"aisbf-mock\"}";
}

void list_models(Plan& plan) {
  plan.body = "{\"object\":\"list\",\"data\":[";
  for (std::size_t i = 0; i < kModels.size(); ++i) {
    if (i != 0) plan.body.push_back(',');
    append_model(plan.body, kModels[i]);
  }
  plan.body += "]}";
}

void one_model(std::string_view raw_id, Plan& plan) {
  const std::string id = percent_decode(raw_id);
  for (const auto m : kModels) {
    if (m != id) continue;
    append_model(plan.body, m);
    return;
  }
  set_error(plan, 404, "The model '" + id + "' does not exist", "invalid_request_error", "model",
            "model_not_found");
}

// Faults answered without building a reply. Returns true when handled.
bool apply_early_fault(Fault fault, Plan& plan) {
  switch (fault.kind) {
    case FaultKind::http_500:
      set_error(plan, 500, "The server had an error while processing your request.", "server_error");
      return true;
    case FaultKind::http_503:
      set_error(plan, 503, "The engine is currently overloaded, please try again later.", "server_error");
      return true;
    case FaultKind::http_429: {
      std::string seconds;
      append_uint(seconds, fault.param);
      set_error(plan, 429, "Rate limit reached for requests (mock fault-429). Please try again in " + seconds + "s.",
                "requests", {}, "rate_limit_exceeded");
      plan.extra_headers += "Retry-After: " + seconds + "\r\nx-ratelimit-limit-requests: 60\r\n" +
                            "x-ratelimit-remaining-requests: 0\r\nx-ratelimit-reset-requests: " + seconds + "s\r\n";
      return true;
    }
    case FaultKind::http_401:
      set_error(plan, 401, incorrect_key_message("mock-fault-401-key"), "invalid_request_error", {},
                "invalid_api_key");
      return true;
    case FaultKind::http_400:
      set_error(plan, 400, "Invalid value for 'messages': rejected by mock fault-400.", "invalid_request_error",
                "messages", "invalid_value");
      return true;
    case FaultKind::http_404:
      set_error(plan, 404, "The model `mock-fault-404` does not exist or you do not have access to it.",
                "invalid_request_error", {}, "model_not_found");
      return true;
    case FaultKind::bad_json: plan.body = "this is not json"; return true;
    case FaultKind::close: plan.behaviour = Behaviour::close_silently; return true;
    case FaultKind::hang: plan.behaviour = Behaviour::hang; return true;
    default: return false;
  }
}

struct EmbeddingInput {
  const json::value* source = nullptr;  // the string or the token array
  std::uint64_t seed = kFnvOffset;
  std::size_t tokens = 0;
};

// One input: a string or a token array. False when it is neither.
bool read_input(const json::value& v, EmbeddingInput& in) {
  in.source = &v;
  if (v.is_string()) {
    in.seed = fnv1a(in.seed, v.get_string());
    in.tokens = std::max<std::size_t>(1, count_words(v.get_string()));
    return true;
  }
  const json::array* a = v.if_array();
  if (a == nullptr || a->empty()) return false;
  for (const auto& t : *a) {
    if (!t.is_int64() && !t.is_uint64()) return false;
    const std::uint64_t token = t.is_int64() ? static_cast<std::uint64_t>(t.get_int64()) : t.get_uint64();
    in.seed = splitmix64(in.seed ^ token);
  }
  in.tokens = a->size();
  return true;
}

bool read_inputs(const json::value* input, std::vector<EmbeddingInput>& out) {
  if (input == nullptr) return false;
  const json::array* a = input->if_array();
  const bool single = a == nullptr || a->empty() || a->front().is_int64() || a->front().is_uint64();
  if (single) return read_input(*input, out.emplace_back());
  for (const auto& v : *a) {
    if (!read_input(v, out.emplace_back())) return false;
  }
  return true;
}

// embed-bow: the words of a string, or each token of a token array as a word.
void make_bag_of_words(const json::value& source, unsigned dims, std::vector<float>& v) {
  BagOfWords bag(dims);
  if (source.is_string()) {
    bag.add_text(source.get_string());
  } else {
    for (const auto& t : source.get_array()) {  // integers, checked by read_input
      bag.add_word(t.is_int64() ? std::to_string(t.get_int64()) : std::to_string(t.get_uint64()));
    }
  }
  bag.finish(v);
}

void append_vector(std::string& out, const std::vector<float>& v, bool base64) {
  if (base64) {
    std::string bytes;
    bytes.reserve(v.size() * 4);
    for (float f : v) {
      std::uint32_t u = 0;
      std::memcpy(&u, &f, 4);
      for (int b = 0; b < 4; ++b) bytes.push_back(static_cast<char>((u >> (8 * b)) & 0xFF));
    }
    out.push_back('"');
    append_base64(out, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    out.push_back('"');
    return;
  }
  append_float_array(out, v);
}

void embeddings(const json::object& body, std::string_view model, Plan& plan) {
  std::vector<EmbeddingInput> inputs;
  if (!read_inputs(body.if_contains("input"), inputs)) {
    set_error(plan, 400, "'input' must be a non-empty string, array of strings, or array of token arrays.",
              "invalid_request_error", "input", "invalid_value");
    return;
  }
  const bool bag_of_words = is_bag_of_words_model(model);
  unsigned dims = default_embedding_dimensions(model);
  if (const json::value* d = body.if_contains("dimensions"); d != nullptr && !d->is_null()) {
    const bool ok = (d->is_int64() && d->get_int64() >= 1 && d->get_int64() <= kMaxDimensions) ||
                    (d->is_uint64() && d->get_uint64() >= 1 && d->get_uint64() <= kMaxDimensions);
    if (!ok) {
      set_error(plan, 400, "'dimensions' must be an integer between 1 and 65536.", "invalid_request_error",
                "dimensions", "invalid_value");
      return;
    }
    dims = d->is_int64() ? static_cast<unsigned>(d->get_int64()) : static_cast<unsigned>(d->get_uint64());
  }
  const std::string_view format = string_at(body, "encoding_format");
  if (!format.empty() && format != "float" && format != "base64") {
    set_error(plan, 400, "'encoding_format' must be 'float' or 'base64'.", "invalid_request_error",
              "encoding_format", "invalid_value");
    return;
  }
  std::vector<float> v;
  std::size_t tokens = 0;
  plan.body = "{\"object\":\"list\",\"data\":[";
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (i != 0) plan.body.push_back(',');
    plan.body += "{\"object\":\"embedding\",\"index\":";
    append_uint(plan.body, i);
    plan.body += ",\"embedding\":";
    if (bag_of_words) {
      make_bag_of_words(*inputs[i].source, dims, v);
    } else {
      seeded_vector(inputs[i].seed, dims, v);
    }
    append_vector(plan.body, v, format == "base64");
    plan.body.push_back('}');
    tokens += inputs[i].tokens;
  }
  plan.body += "],\"model\":";
  append_json_string(plan.body, model);
  plan.body += ",\"usage\":{\"prompt_tokens\":";
  append_uint(plan.body, tokens);
  plan.body += ",\"total_tokens\":";
  append_uint(plan.body, tokens);
  plan.body += "}}";
}

void chat(ApiContext& ctx, const json::object& body, std::string_view model, Fault fault, Plan& plan) {
  const json::value* messages = body.if_contains("messages");
  if (messages == nullptr || !messages->is_array()) {
    set_error(plan, 400, "Missing required parameter: 'messages'.", "invalid_request_error", "messages",
              "missing_required_parameter");
    return;
  }
  if (messages->get_array().empty()) {
    set_error(plan, 400,
              "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty "
              "array instead.",
              "invalid_request_error", "messages", "empty_array");
    return;
  }
  build_chat(ctx, body, model, fault, plan);
}

// Chat, responses and embeddings: parse, pick the fault, answer.
void model_route(ApiContext& ctx, Route route, const RequestView& req, Plan& plan) {
  const std::string_view body_text = req.body;
  thread_local std::array<unsigned char, 64 * 1024> arena;
  json::monotonic_resource mr(arena.data(), arena.size());
  json::parse_options options;
  options.max_depth = 1024;
  boost::system::error_code ec;
  const json::value doc = json::parse(body_text, ec, json::storage_ptr(&mr), options);
  if (ec || !doc.is_object()) {
    set_error(plan, 400, kBadJson, "invalid_request_error");
    return;
  }
  const json::object& body = doc.get_object();
  const std::string_view model = string_at(body, "model");
  if (model.empty()) {
    set_error(plan, 400, "you must provide a model parameter", "invalid_request_error");
    return;
  }
  const Fault fault = pick_fault(ctx, model, plan);
  if (apply_early_fault(fault, plan)) return;
  if (route == Route::chat) {
    chat(ctx, body, model, fault, plan);
    return;
  }
  if (route == Route::responses || route == Route::codex_responses) {
    build_responses(ctx, body, model, route == Route::codex_responses, fault, plan);
    return;
  }
  if (route == Route::images) {
    openai_image_generation(ctx, body, model, header_value(req.headers, "host"), plan);
    return;
  }
  if (fault.kind == FaultKind::stream_error) {
    set_error(plan, 500, "mock mid-stream failure", "server_error");
    return;
  }
  embeddings(body, model, plan);
  if (fault.kind == FaultKind::slow) plan.delay_ms = fault.param;
  if (fault.kind == FaultKind::cut) plan.behaviour = Behaviour::cut;
  if (fault.kind == FaultKind::hang_after_first) plan.behaviour = Behaviour::hang_after_first;
}

}  // namespace

void set_error(Plan& plan, int status, std::string_view message, std::string_view type, std::string_view param,
               std::string_view code) {
  plan.status = status;
  plan.body = "{\"error\":{\"message\":";
  append_json_string(plan.body, message);
  plan.body += ",\"type\":";
  append_json_string(plan.body, type);
  plan.body += ",\"param\":";
  if (param.empty()) {
    plan.body += "null";
  } else {
    append_json_string(plan.body, param);
  }
  plan.body += ",\"code\":";
  if (code.empty()) {
    plan.body += "null";
  } else {
    append_json_string(plan.body, code);
  }
  plan.body += "}}";
}

bool openai_authorized(ApiContext& ctx, const RequestView& req, Plan& plan) {
  return authorized(ctx, req.authorization, header_value(req.headers, "api-key"), plan);
}

void handle_openai(ApiContext& ctx, const RequestView& req, Plan& plan) {
  const std::string_view path = req.target.substr(0, req.target.find('?'));
  std::string_view model_id;
  const Route route = match_route(path, model_id);
  if (route == Route::unknown) {
    set_error(plan, 404, "Invalid URL (" + std::string(req.method) + " " + std::string(path) + ")",
              "invalid_request_error");
    return;
  }
  const bool is_get = route == Route::models || route == Route::model;
  if (req.method != (is_get ? "GET" : "POST")) {
    set_error(plan, 405, "Invalid method for URL (" + std::string(req.method) + " " + std::string(path) + ")",
              "invalid_request_error");
    return;
  }
  if (!authorized(ctx, req.authorization, header_value(req.headers, "api-key"), plan)) return;
  switch (route) {
    case Route::models: list_models(plan); break;
    case Route::model: one_model(model_id, plan); break;
    case Route::speech:
      plan_speech(ctx, req.body, plan);
      break;
    case Route::upload:
      set_error(plan, 400, "Invalid Content-Type header, expected multipart/form-data.", "invalid_request_error");
      break;
    default:
      model_route(ctx, route, req, plan);
      break;
  }
}

}  // namespace aisbf_mock
