#include "mcp/tools.hpp"

#include <algorithm>
#include <stdexcept>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

namespace aisbf::mcp {

namespace json = boost::json;

namespace {

json::object parse_schema(std::string_view text, std::string_view tool) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) throw std::invalid_argument(fmt::format("tool {}: its schema is not a JSON object", tool));
  return std::move(v.as_object());
}

json::object listed(const ToolSpec& spec, json::object input) {
  json::object tool;
  tool["name"] = spec.name;
  if (!spec.title.empty()) tool["title"] = spec.title;
  tool["description"] = spec.description;
  tool["inputSchema"] = std::move(input);
  if (!spec.output_schema.empty()) tool["outputSchema"] = parse_schema(spec.output_schema, spec.name);
  json::object annotations;
  if (!spec.title.empty()) annotations["title"] = spec.title;
  annotations["readOnlyHint"] = spec.read_only;
  annotations["destructiveHint"] = spec.destructive;
  annotations["openWorldHint"] = spec.open_world;
  tool["annotations"] = std::move(annotations);
  return tool;
}

bool is_type(const json::value& v, std::string_view type) {
  if (type == "string") return v.is_string();
  if (type == "integer") return v.is_int64() || v.is_uint64();
  if (type == "number") return v.is_number();
  if (type == "boolean") return v.is_bool();
  if (type == "array") return v.is_array();
  if (type == "object") return v.is_object();
  if (type == "null") return v.is_null();
  return true;  // a type this check does not know: not refused here
}

// The declared type(s) as text for a message, and whether `v` fits them.
bool fits_type(const json::value& v, const json::value& type, std::string& wanted) {
  if (const json::string* one = type.if_string()) {
    wanted = std::string(*one);
    return is_type(v, *one);
  }
  if (const json::array* many = type.if_array()) {
    bool fits = false;
    for (const auto& t : *many) {
      if (!t.is_string()) continue;
      if (!wanted.empty()) wanted += " or ";
      wanted += std::string(t.as_string());
      fits = fits || is_type(v, t.as_string());
    }
    return fits;
  }
  return true;
}

const char* kind_of(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::int64:
    case json::kind::uint64: return "an integer";
    case json::kind::double_: return "a number";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
  }
  return "?";
}

std::optional<std::string> check_property(std::string_view name, const json::value& value, const json::object& prop) {
  if (const json::value* type = prop.if_contains("type")) {
    std::string wanted;
    if (!fits_type(value, *type, wanted))
      return fmt::format("argument '{}' must be {} (got {})", name, wanted, kind_of(value));
  }
  if (const json::array* choices = prop.if_contains("enum") ? prop.at("enum").if_array() : nullptr) {
    for (const auto& c : *choices) {
      if (c == value) return std::nullopt;
    }
    return fmt::format("argument '{}' must be one of {}", name, json::serialize(*choices));
  }
  const json::value* min_items = prop.if_contains("minItems");
  if (min_items != nullptr && min_items->is_int64() && value.is_array() &&
      static_cast<std::int64_t>(value.as_array().size()) < min_items->as_int64()) {
    return fmt::format("argument '{}' needs at least {} item(s)", name, min_items->as_int64());
  }
  return std::nullopt;
}

}  // namespace

ToolRegistry::ToolRegistry(std::span<const ToolSpec> specs) : specs_(specs) {
  for (const auto& spec : specs_) {
    inputs_.push_back(parse_schema(spec.input_schema, spec.name));
    listed_.push_back(listed(spec, inputs_.back()));
  }
}

bool may_call(Level caller, Level needed) {
  return caller != Level::none && static_cast<int>(caller) >= static_cast<int>(needed);
}

bool may_call(const ToolSpec& spec, Level caller, bool user) {
  return may_call(caller, spec.level) && (user || !spec.users_only);
}

json::array ToolRegistry::list(Level level, bool user) const {
  json::array tools;
  for (std::size_t i = 0; i < specs_.size(); ++i) {
    if (may_call(specs_[i], level, user)) tools.push_back(listed_[i]);
  }
  return tools;
}

std::optional<std::size_t> ToolRegistry::find(std::string_view name, Level level, bool user) const {
  for (std::size_t i = 0; i < specs_.size(); ++i) {
    if (specs_[i].name == name) return may_call(specs_[i], level, user) ? std::optional(i) : std::nullopt;
  }
  return std::nullopt;
}

bool ToolRegistry::contains(std::string_view name) const {
  return std::any_of(specs_.begin(), specs_.end(), [&](const ToolSpec& s) { return s.name == name; });
}

std::optional<std::string> check_arguments(const json::object& schema, const json::object& args) {
  static const json::object kNone;
  const json::value* props_value = schema.if_contains("properties");
  const json::object& props = props_value != nullptr && props_value->is_object() ? props_value->as_object() : kNone;
  if (const json::value* required = schema.if_contains("required"); required && required->is_array()) {
    for (const auto& name : required->as_array()) {
      if (name.is_string() && !args.contains(name.as_string()))
        return fmt::format("missing required argument '{}'", std::string_view(name.as_string()));
    }
  }
  const json::value* extra = schema.if_contains("additionalProperties");
  const bool closed = extra != nullptr && extra->is_bool() && !extra->as_bool();
  for (const auto& [key, value] : args) {
    const json::value* prop = props.if_contains(key);
    if (prop == nullptr) {
      if (closed) return fmt::format("unknown argument '{}'", std::string_view(key));
      continue;
    }
    if (!prop->is_object()) continue;
    if (auto problem = check_property(key, value, prop->as_object())) return problem;
  }
  return std::nullopt;
}

json::object structured_result(json::object structured) {
  std::string text = json::serialize(structured);
  return text_result(std::move(text), std::move(structured));
}

json::object text_result(std::string text, json::object structured) {
  json::object out;
  out["content"] = json::array{json::object{{"type", "text"}, {"text", std::move(text)}}};
  out["structuredContent"] = std::move(structured);
  out["isError"] = false;
  return out;
}

json::object error_result(std::string_view message) {
  json::object out;
  out["content"] = json::array{json::object{{"type", "text"}, {"text", message}}};
  out["isError"] = true;
  return out;
}

}  // namespace aisbf::mcp
