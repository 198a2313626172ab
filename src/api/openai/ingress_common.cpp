#include "api/openai/ingress_common.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <chrono>
#include <random>

#include "core/json_scan.hpp"
#include "core/log_text.hpp"

namespace aisbf::api::openai_ingress {

namespace {

constexpr unsigned kMaxDepth = 256;  // deeper than any real request (tool schemas included)

std::string_view type_name(const json::value& value) {
  switch (value.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "a value";
}

GatewayError wrong_type(std::string_view path, std::string_view expected, const json::value& got) {
  return field_error(path, fmt::format("expected {}, got {}", expected, type_name(got)), "invalid_type");
}

}  // namespace

GatewayError field_error(std::string_view path, std::string_view problem, std::string code) {
  auto e = make_error(ErrorKind::invalid_request, fmt::format("{}: {}", path, problem));
  e.code = std::move(code);
  e.param = std::string(path);
  return e;
}

std::string path_index(std::string_view path, std::size_t index) { return fmt::format("{}[{}]", path, index); }
std::string path_key(std::string_view path, std::string_view key) { return fmt::format("{}.{}", path, key); }

Expected<json::object> parse_request_object(std::string_view body) {
  json::parse_options options;
  options.max_depth = kMaxDepth;
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec, {}, options);
  if (ec) {
    std::string detail = ec.message();
    if (auto scan = json_scan::validate(body))  // a line and column when our scanner sees it too
      detail = fmt::format("{} at line {}, column {}", scan->message, scan->line, scan->column);
    auto e = make_error(ErrorKind::invalid_request, "request body is not valid JSON: " + detail);
    e.code = "invalid_json";
    return e;
  }
  if (!doc.is_object()) {
    auto e = make_error(ErrorKind::invalid_request,
                        fmt::format("request body must be a JSON object, got {}", type_name(doc)));
    e.code = "invalid_type";
    return e;
  }
  return std::move(doc.get_object());
}

const json::value* member(const json::object& object, std::string_view key) {
  const json::value* v = object.if_contains(key);
  return v == nullptr || v->is_null() ? nullptr : v;
}

Status read_string(const json::value* value, std::string_view path, std::string& out) {
  if (value == nullptr || value->is_null()) return std::nullopt;
  if (!value->is_string()) return wrong_type(path, "a string", *value);
  out = std::string(value->get_string());
  return std::nullopt;
}

Status read_bool(const json::value* value, std::string_view path, bool& out) {
  if (value == nullptr || value->is_null()) return std::nullopt;
  if (!value->is_bool()) return wrong_type(path, "a boolean", *value);
  out = value->get_bool();
  return std::nullopt;
}

Status read_number(const json::value* value, std::string_view path, std::optional<double>& out) {
  if (value == nullptr || value->is_null()) return std::nullopt;
  if (!value->is_number()) return wrong_type(path, "a number", *value);
  boost::system::error_code ec;
  double n = value->to_number<double>(ec);
  if (ec) return wrong_type(path, "a number", *value);
  out = n;
  return std::nullopt;
}

Status read_int(const json::value* value, std::string_view path, std::optional<std::int64_t>& out) {
  if (value == nullptr || value->is_null()) return std::nullopt;
  boost::system::error_code ec;
  std::int64_t n = value->is_number() ? value->to_number<std::int64_t>(ec) : 0;
  if (!value->is_number() || ec) return wrong_type(path, "an integer", *value);
  out = n;
  return std::nullopt;
}

namespace {

Status read_stop(const json::value* value, std::vector<std::string>& out) {
  if (value == nullptr) return std::nullopt;
  if (value->is_string()) {
    out.emplace_back(value->get_string());
    return std::nullopt;
  }
  const auto* list = value->if_array();
  if (list == nullptr) return wrong_type("stop", "a string or an array of strings", *value);
  for (std::size_t i = 0; i < list->size(); ++i) {
    const json::value& entry = (*list)[i];
    if (!entry.is_string()) return wrong_type(path_index("stop", i), "a string", entry);
    out.emplace_back(entry.get_string());
  }
  return std::nullopt;
}

}  // namespace

Status read_sampling(const json::object& root, ChatRequest& out) {
  if (auto e = read_number(member(root, "temperature"), "temperature", out.temperature)) return e;
  if (auto e = read_number(member(root, "top_p"), "top_p", out.top_p)) return e;
  if (auto e = read_stop(member(root, "stop"), out.stop)) return e;
  if (auto e = read_bool(member(root, "stream"), "stream", out.stream)) return e;
  const json::value* options = member(root, "stream_options");
  if (options == nullptr) return std::nullopt;
  if (!options->is_object()) return wrong_type("stream_options", "an object", *options);
  bool include_usage = false;
  if (auto e = read_bool(member(options->get_object(), "include_usage"), "stream_options.include_usage", include_usage))
    return e;
  out.include_usage = include_usage && out.stream;  // stream_options means nothing without a stream
  return std::nullopt;
}

// `data:image/png;base64,AAAA` → media type + base64; any other URL as it is.
Status decode_image_url(const std::string& url, std::string_view path, ImageBlock& image) {
  if (url.empty()) return field_error(path, "must not be empty", "invalid_value");
  if (url.rfind("data:", 0) != 0) {
    image.url = url;
    return std::nullopt;
  }
  std::size_t comma = url.find(',');
  if (comma == std::string::npos) return field_error(path, "a data URL needs a comma before its data", "invalid_value");
  std::string_view header = std::string_view(url).substr(5, comma - 5);
  std::size_t semicolon = header.find(';');
  std::string_view media_type = header.substr(0, semicolon);
  bool base64 =
      semicolon != std::string_view::npos && header.substr(semicolon).find(";base64") != std::string_view::npos;
  if (!base64) return field_error(path, "only base64 data URLs are supported", "unsupported_value");
  if (media_type.empty()) return field_error(path, "the data URL names no media type", "invalid_value");
  image.media_type = std::string(media_type);
  image.data_base64 = url.substr(comma + 1);
  return std::nullopt;
}

void DropLog::flush(std::string_view codec) const {
  if (items_.empty()) return;
  spdlog::warn("{} ingress: dropped what has no canonical equivalent: {}", codec,
               log_text(fmt::format("{}", fmt::join(items_, "; ")), 2048));
}

std::string random_id(std::string_view prefix, std::size_t length) {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 engine{std::random_device{}()};
  std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
  std::string id(prefix);
  id.reserve(prefix.size() + length);
  for (std::size_t i = 0; i < length; ++i) id.push_back(kAlphabet[pick(engine)]);
  return id;
}

std::int64_t now_seconds() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

std::string_view finish_reason_name(FinishReason reason, bool has_tool_calls) {
  switch (reason) {
    case FinishReason::length:
      return "length";
    case FinishReason::tool_calls:
      return "tool_calls";
    case FinishReason::content_filter:
      return "content_filter";
    case FinishReason::none:
    case FinishReason::stop:
    case FinishReason::error:
      break;
  }
  return has_tool_calls ? "tool_calls" : "stop";
}

json::object usage_object(const Usage& usage, bool details) {
  json::object out;
  out["prompt_tokens"] = usage.prompt_tokens;
  out["completion_tokens"] = usage.completion_tokens;
  out["total_tokens"] = usage.total_tokens != 0 ? usage.total_tokens : usage.prompt_tokens + usage.completion_tokens;
  if (details) {
    json::object prompt_details{{"cached_tokens", usage.cached_tokens}};
    // Anthropic's cache writes, in the name OpenAI's newest SDK reads (only when there were some).
    if (usage.cache_write_tokens > 0) prompt_details["cache_write_tokens"] = usage.cache_write_tokens;
    out["prompt_tokens_details"] = std::move(prompt_details);
    out["completion_tokens_details"] = {{"reasoning_tokens", usage.reasoning_tokens}};
  }
  if (usage.effective_context) out["effective_context"] = *usage.effective_context;  // the gateway's own count
  return out;
}

void add_split_marks(json::object& out, int chunks) {
  out["aisbf_chunked"] = true;
  out["aisbf_chunks"] = chunks;
}

std::string split_marks_text(int chunks) {
  return chunks > 0 ? R"(,"aisbf_chunked":true,"aisbf_chunks":)" + std::to_string(chunks) : std::string();
}

}  // namespace aisbf::api::openai_ingress
