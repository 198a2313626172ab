// OpenAI-compatible model list (`GET {endpoint}/models`, PROTOCOLS.md §1.7):
// {"object":"list","data":[{"id","object":"model","created","owned_by"}]}.
// Compatible servers add fields that are read when present:
//  - OpenRouter: `name`, `context_length`, `pricing.prompt`/`pricing.completion`
//    (strings, USD per token; "-1" marks a variable price, read as unknown),
//    `architecture.input_modalities` (or the older `architecture.modality`,
//    "text+image->text"), `supported_parameters`, `top_provider.*`;
//  - vLLM: `max_model_len`; others: `context_length`.
// Nothing here throws: a body that is not such a list is an upstream_protocol
// error, and an entry without a string `id` is skipped.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "core/json_read.hpp"
#include "providers/openai/openai_adapter.hpp"

namespace aisbf::openai {

namespace json = boost::json;

namespace {

using json_read::excerpt;
using json_read::protocol_error;

const json::value* member(const json::object* object, std::string_view key) {
  return object == nullptr ? nullptr : object->if_contains(key);
}

const json::object* object_member(const json::object* object, std::string_view key) {
  const json::value* v = member(object, key);
  return v == nullptr ? nullptr : v->if_object();
}

// A positive integer given as a JSON number (or an integral double).
std::optional<std::int64_t> positive_int(const json::value* v) {
  if (v == nullptr) return std::nullopt;
  boost::system::error_code ec;
  auto n = v->to_number<std::int64_t>(ec);
  if (ec || n <= 0) return std::nullopt;
  return n;
}

// A price per token: OpenRouter writes decimal strings ("0.0000025"); a plain
// number is taken too. Negative ("-1": variable) or non-finite → unknown.
std::optional<double> price(const json::value* v) {
  if (v == nullptr) return std::nullopt;
  double out = 0;
  if (v->is_string()) {
    std::string_view s = v->get_string();
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  } else {
    boost::system::error_code ec;
    out = v->to_number<double>(ec);
    if (ec) return std::nullopt;
  }
  if (!std::isfinite(out) || out < 0) return std::nullopt;
  return out;
}

bool array_contains(const json::value* v, std::string_view wanted) {
  const json::array* items = v == nullptr ? nullptr : v->if_array();
  if (items == nullptr) return false;
  return std::any_of(items->begin(), items->end(),
                     [&](const json::value& item) { return item.is_string() && item.get_string() == wanted; });
}

void add_capability(ProviderModel& model, std::string_view capability) {
  if (std::find(model.capabilities.begin(), model.capabilities.end(), capability) == model.capabilities.end())
    model.capabilities.emplace_back(capability);
}

ProviderModel decode_entry(const json::object& entry, std::string id) {
  ProviderModel model;
  model.id = std::move(id);
  if (const json::value* name = entry.if_contains("name"); name != nullptr && name->is_string())
    model.display_name = std::string(name->get_string());  // OpenRouter: "OpenAI: GPT-4o"

  const json::object* top_provider = object_member(&entry, "top_provider");
  model.context_size = positive_int(entry.if_contains("context_length"));           // OpenRouter, others
  if (!model.context_size) model.context_size = positive_int(entry.if_contains("max_model_len"));  // vLLM
  if (!model.context_size) model.context_size = positive_int(member(top_provider, "context_length"));
  model.max_output_tokens = positive_int(member(top_provider, "max_completion_tokens"));

  const json::object* pricing = object_member(&entry, "pricing");
  model.prompt_price = price(member(pricing, "prompt"));
  model.completion_price = price(member(pricing, "completion"));

  const json::object* architecture = object_member(&entry, "architecture");
  bool vision = array_contains(member(architecture, "input_modalities"), "image");
  if (const json::value* modality = member(architecture, "modality"); !vision && modality && modality->is_string()) {
    std::string_view m = modality->get_string();  // "text+image->text": inputs before the arrow
    vision = m.substr(0, m.find("->")).find("image") != std::string_view::npos;
  }
  if (vision) add_capability(model, "vision");
  if (array_contains(entry.if_contains("supported_parameters"), "tools")) add_capability(model, "function_calling");
  return model;
}

}  // namespace

std::string OpenAiAdapter::models_path(const UpstreamTarget& /*target*/) const { return "/models"; }

Expected<std::vector<ProviderModel>> OpenAiAdapter::decode_models(std::string_view body) const {
  json::parse_options options;
  options.max_depth = 64;
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec, {}, options);
  if (ec)
    return protocol_error(
        fmt::format("upstream model list is not valid JSON ({}): {}", ec.message(), excerpt(body, 120)));
  const json::object* root = doc.if_object();
  const json::value* data = root == nullptr ? nullptr : root->if_contains("data");
  if (data == nullptr || !data->is_array())
    return protocol_error(fmt::format("upstream model list has no `data` array: {}", excerpt(body, 120)));

  std::vector<ProviderModel> out;
  out.reserve(data->get_array().size());
  for (const json::value& item : data->get_array()) {
    const json::object* entry = item.if_object();
    if (entry == nullptr) continue;
    const json::value* id = entry->if_contains("id");
    if (id == nullptr || !id->is_string() || id->get_string().empty()) continue;
    out.push_back(decode_entry(*entry, std::string(id->get_string())));
  }
  return out;
}

}  // namespace aisbf::openai
