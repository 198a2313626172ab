#include "api/openai/embeddings_ingress.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cstdint>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/json_scan.hpp"

namespace aisbf::api {

namespace json = boost::json;

namespace {

GatewayError bad(std::string message, std::string_view param, std::string_view code = "invalid_value") {
  return make_error(ErrorKind::invalid_request, std::move(message), std::string(code), std::string(param));
}

// A token: a non-negative integer (what a tokenizer gives).
bool is_token(const json::value& v) { return (v.is_int64() && v.get_int64() >= 0) || v.is_uint64(); }

// An array of tokens, non-empty.
bool is_token_array(const json::value& v) {
  const json::array* a = v.if_array();
  if (a == nullptr || a->empty()) return false;
  for (const auto& t : *a) {
    if (!is_token(t)) return false;
  }
  return true;
}

// Gemini's TaskType values (ai.google.dev/api/embeddings#tasktype): the
// only strings `task_type` may carry, so nothing else reaches the upstream
// body or a cache key.
constexpr std::array<std::string_view, 9> kGeminiTaskTypes{
    "TASK_TYPE_UNSPECIFIED", "RETRIEVAL_QUERY",   "RETRIEVAL_DOCUMENT",
    "SEMANTIC_SIMILARITY",   "CLASSIFICATION",    "CLUSTERING",
    "QUESTION_ANSWERING",    "FACT_VERIFICATION", "CODE_RETRIEVAL_QUERY"};

constexpr std::string_view kInputTypes =
    "'input' must be a string, an array of strings, an array of tokens (integers) or an array of token arrays";

// `input` into `in`: texts, or token arrays counted.
std::optional<GatewayError> read_input(const json::value& input, EmbeddingsIngress& in) {
  if (const json::string* text = input.if_string()) {
    if (text->empty()) return bad("'input' cannot be an empty string", "input");
    in.request.inputs.emplace_back(*text);
    in.request.single = true;
    in.inputs = 1;
    return std::nullopt;
  }
  const json::array* items = input.if_array();
  if (items == nullptr) return bad(std::string(kInputTypes), "input", "invalid_type");
  if (items->empty()) return bad("'input' cannot be an empty array", "input", "empty_array");
  if (is_token_array(input)) {  // one text as tokens
    in.tokens = true;
    in.token_count = static_cast<std::int64_t>(items->size());
    in.inputs = 1;
    return std::nullopt;
  }
  if (items->size() > kMaxEmbeddingInputs) {
    return bad(fmt::format("'input' holds {} items; at most {} are allowed", items->size(), kMaxEmbeddingInputs),
               "input");
  }
  in.tokens = items->front().is_array();
  for (std::size_t i = 0; i < items->size(); ++i) {
    const json::value& item = (*items)[i];
    if (in.tokens) {
      if (!is_token_array(item)) return bad(std::string(kInputTypes), fmt::format("input[{}]", i), "invalid_type");
      in.token_count += static_cast<std::int64_t>(item.get_array().size());
      continue;
    }
    const json::string* text = item.if_string();
    if (text == nullptr) return bad(std::string(kInputTypes), fmt::format("input[{}]", i), "invalid_type");
    if (text->empty()) return bad("'input' cannot hold an empty string", fmt::format("input[{}]", i));
    in.request.inputs.emplace_back(*text);
  }
  in.inputs = items->size();
  return std::nullopt;
}

// encoding_format, dimensions and task_type, each optional (null is unset).
std::optional<GatewayError> read_options(const json::object& body, EmbeddingsIngress& in) {
  if (const json::value* f = body.if_contains("encoding_format"); f != nullptr && !f->is_null()) {
    const json::string* format = f->if_string();
    if (format == nullptr || (*format != "float" && *format != "base64"))
      return bad("'encoding_format' must be \"float\" or \"base64\"", "encoding_format");
    in.base64 = *format == "base64";
  }
  if (const json::value* d = body.if_contains("dimensions"); d != nullptr && !d->is_null()) {
    if (!d->is_int64() || d->get_int64() <= 0 || d->get_int64() > kMaxEmbeddingDimensions)
      return bad(fmt::format("'dimensions' must be an integer from 1 to {}", kMaxEmbeddingDimensions), "dimensions");
    in.request.dimensions = d->get_int64();
  }
  if (const json::value* t = body.if_contains("task_type"); t != nullptr && !t->is_null()) {
    const json::string* task = t->if_string();
    if (task == nullptr || std::find(kGeminiTaskTypes.begin(), kGeminiTaskTypes.end(), std::string_view(*task)) ==
                               kGeminiTaskTypes.end()) {
      return bad(fmt::format("'task_type' must be one of Gemini's task types: {}", fmt::join(kGeminiTaskTypes, ", ")),
                 "task_type");
    }
    in.request.task_type = std::string(*task);
  }
  return std::nullopt;
}

void append_float(std::string& out, float f) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, f);
  if (ec != std::errc{}) {
    out += '0';
    return;
  }
  out.append(buffer, end);
}

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void append_base64(std::string& out, const unsigned char* bytes, std::size_t n) {
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const std::uint32_t v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += kBase64[(v >> 18) & 63];
    out += kBase64[(v >> 12) & 63];
    out += kBase64[(v >> 6) & 63];
    out += kBase64[v & 63];
  }
  if (i == n) return;
  const std::uint32_t v = (bytes[i] << 16) | (i + 1 < n ? bytes[i + 1] << 8 : 0);
  out += kBase64[(v >> 18) & 63];
  out += kBase64[(v >> 12) & 63];
  out += i + 1 < n ? kBase64[(v >> 6) & 63] : '=';
  out += '=';
}

}  // namespace

Expected<EmbeddingsIngress> decode_embeddings_request(std::string_view body) {
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object())
    return bad("We could not parse the JSON body of your request: expected a JSON object", {}, "invalid_json");
  EmbeddingsIngress in;
  in.body = std::move(parsed.get_object());
  const json::value* model = in.body.if_contains("model");
  if (model == nullptr || !model->is_string() || model->get_string().empty())
    return bad("you must provide a model parameter", "model", "missing_required_parameter");
  in.model = std::string(model->get_string());
  const json::value* input = in.body.if_contains("input");
  if (input == nullptr || input->is_null())
    return bad("Missing required parameter: 'input'.", "input", "missing_required_parameter");
  if (auto e = read_input(*input, in)) return std::move(*e);
  if (auto e = read_options(in.body, in)) return std::move(*e);
  return in;
}

std::string passthrough_embeddings_body(std::string_view raw, const EmbeddingsIngress& in,
                                        std::string_view upstream_model) {
  // The common case, spliced: every byte as sent but the model's value
  // (2048 inputs are not serialized again). `task_type` to drop, or a
  // second `model`, go the tree's way.
  if (!in.body.contains("task_type")) {
    std::optional<json_scan::Member> model;
    int models = 0;
    auto err = json_scan::scan_object(raw, [&](const json_scan::Member& m) {
      if (json_scan::key_equals(m, "model")) {
        model = m;
        ++models;
      }
    });
    if (!err && models == 1) {
      const std::string encoded = json_scan::encode_string(upstream_model);
      std::string out;
      out.reserve(raw.size() + encoded.size());
      out.append(raw.substr(0, model->value_begin));
      out.append(encoded);
      out.append(raw.substr(model->value_end));
      return out;
    }
  }
  json::object body = in.body;
  body["model"] = upstream_model;
  body.erase("task_type");
  return json::serialize(body);
}

std::string float32_base64(std::span<const float> vector) {
  std::string bytes;
  bytes.resize(vector.size() * 4);
  for (std::size_t i = 0; i < vector.size(); ++i) {
    const auto bits = std::bit_cast<std::uint32_t>(vector[i]);
    for (int b = 0; b < 4; ++b) bytes[i * 4 + b] = static_cast<char>((bits >> (8 * b)) & 0xff);  // little-endian
  }
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  append_base64(out, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return out;
}

std::string encode_embeddings_response(const EmbeddingResponse& response, std::string_view model, bool base64,
                                       std::int64_t prompt_tokens) {
  std::string out;
  std::size_t floats = 0;
  for (const auto& v : response.vectors) floats += v.size();
  out.reserve(96 + response.vectors.size() * 48 + floats * (base64 ? 6 : 14) + model.size());
  out += R"({"object":"list","data":[)";
  for (std::size_t i = 0; i < response.vectors.size(); ++i) {
    if (i != 0) out += ',';
    fmt::format_to(std::back_inserter(out), R"({{"object":"embedding","index":{},"embedding":)", i);
    const auto& v = response.vectors[i];
    if (base64) {
      (out += '"') += float32_base64(v);
      out += '"';
    } else {
      out += '[';
      for (std::size_t k = 0; k < v.size(); ++k) {
        if (k != 0) out += ',';
        append_float(out, v[k]);
      }
      out += ']';
    }
    out += '}';
  }
  out += R"(],"model":)";
  out += json::serialize(json::value(json::string_view(model.data(), model.size())));
  fmt::format_to(std::back_inserter(out), R"(,"usage":{{"prompt_tokens":{},"total_tokens":{}}}}})", prompt_tokens,
                 prompt_tokens);
  return out;
}

namespace {

// Whether the answer holds an `"embedding": [` at all: a base64 answer
// (the usual one, when the client asked for base64) is relayed unparsed.
bool holds_float_embedding(std::string_view answer) {
  constexpr std::string_view kKey = "\"embedding\"";
  for (auto at = answer.find(kKey); at != std::string_view::npos; at = answer.find(kKey, at + kKey.size())) {
    auto colon = answer.find_first_not_of(" \t\r\n", at + kKey.size());
    if (colon == std::string_view::npos || answer[colon] != ':') continue;
    auto value = answer.find_first_not_of(" \t\r\n", colon + 1);
    if (value != std::string_view::npos && answer[value] == '[') return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> embeddings_as_base64(std::string_view answer) {
  if (!holds_float_embedding(answer)) return std::nullopt;
  boost::system::error_code ec;
  json::value parsed = json::parse(answer, ec);
  json::object* root = ec ? nullptr : parsed.if_object();
  json::value* data = root != nullptr ? root->if_contains("data") : nullptr;
  if (data == nullptr || !data->is_array()) return std::nullopt;
  bool changed = false;
  std::vector<float> vector;
  for (auto& entry : data->get_array()) {
    json::value* embedding = entry.is_object() ? entry.get_object().if_contains("embedding") : nullptr;
    if (embedding == nullptr || !embedding->is_array()) continue;
    vector.clear();
    for (const auto& x : embedding->get_array()) {
      if (!x.is_number()) return std::nullopt;
      vector.push_back(static_cast<float>(x.to_number<double>()));
    }
    *embedding = float32_base64(vector);
    changed = true;
  }
  if (!changed) return std::nullopt;
  return json::serialize(parsed);
}

}  // namespace aisbf::api
