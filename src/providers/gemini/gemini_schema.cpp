// JSON Schema → Gemini `Schema` (PROTOCOLS.md §3.1 "Function parameter
// schemas"). Gemini rejects every key it does not know ("Unknown name"),
// needs a `type` on each node that has no anyOf ("must be specified"),
// allows `enum` on STRING only, `format` only from a short list, and
// `required` names only of declared properties ("property is not defined").
#include <algorithm>
#include <array>

#include <boost/json/serialize.hpp>

#include "providers/gemini/gemini_wire.hpp"

namespace aisbf::gemini {

namespace {

constexpr int kMaxDepth = 32;
constexpr int kMaxRefExpansions = 64;  // per schema: bounds recursive and fan-out $refs

// Keys copied as they are when their value has the right JSON kind.
constexpr std::array<std::string_view, 3> kStringKeys{"title", "description", "pattern"};
constexpr std::array<std::string_view, 6> kCountKeys{"minItems",  "maxItems",      "minLength",
                                                     "maxLength", "minProperties", "maxProperties"};
constexpr std::array<std::string_view, 2> kNumberKeys{"minimum", "maximum"};
// Keys this converter reads itself.
constexpr std::array<std::string_view, 14> kHandledKeys{"type",   "nullable", "enum",    "const",           "anyOf",
                                                        "oneOf",  "allOf",    "items",   "properties",      "required",
                                                        "format", "default",  "example", "propertyOrdering"};

template <std::size_t N>
bool one_of(std::string_view key, const std::array<std::string_view, N>& keys) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

std::string gemini_type(std::string_view type) {
  if (type == "string") return "STRING";
  if (type == "number") return "NUMBER";
  if (type == "integer") return "INTEGER";
  if (type == "boolean") return "BOOLEAN";
  if (type == "array") return "ARRAY";
  if (type == "object") return "OBJECT";
  if (type == "null") return "NULL";
  std::string upper(type);  // already Gemini-style (STRING, …) or unknown: checked by the caller
  for (char& c : upper)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return upper;
}

bool known_type(std::string_view t) {
  return t == "STRING" || t == "NUMBER" || t == "INTEGER" || t == "BOOLEAN" || t == "ARRAY" || t == "OBJECT";
}

bool format_allowed(std::string_view type, std::string_view format) {
  if (type == "STRING") return format == "enum" || format == "date-time";
  if (type == "NUMBER") return format == "float" || format == "double";
  if (type == "INTEGER") return format == "int32" || format == "int64";
  return false;
}

bool is_null_schema(const json::value& v) {
  const auto* o = v.if_object();
  if (o == nullptr) return false;
  const json::value* t = o->if_contains("type");
  return t != nullptr && t->is_string() && t->get_string() == "null";
}

// {"type":"STRING","enum":[…]} and nothing else.
bool is_string_enum(const json::value& v) {
  const auto* o = v.if_object();
  if (o == nullptr || o->size() != 2 || !o->contains("enum")) return false;
  const json::value* t = o->if_contains("type");
  return t != nullptr && t->is_string() && t->get_string() == "STRING";
}

// The type an untyped enum implies; non-string enums are dropped afterwards.
std::string enum_type(const json::array& values) {
  auto all = [&](auto pred) { return std::all_of(values.begin(), values.end(), pred); };
  if (all([](const json::value& v) { return v.is_string(); })) return "STRING";
  if (all([](const json::value& v) { return v.is_int64() || v.is_uint64(); })) return "INTEGER";
  if (all([](const json::value& v) { return v.is_number(); })) return "NUMBER";
  if (all([](const json::value& v) { return v.is_bool(); })) return "BOOLEAN";
  return "STRING";
}

class Converter {
 public:
  Converter(const json::object& root, std::vector<std::string>& dropped) : root_(root), dropped_(dropped) {}

  json::object convert(const json::object& in, int depth);

 private:
  void drop(std::string_view key) {
    if (std::find(dropped_.begin(), dropped_.end(), key) == dropped_.end()) dropped_.emplace_back(key);
  }
  const json::object* resolve(std::string_view ref) const;
  json::object flatten(const json::object& in, int depth);
  void read_type(const json::object& in, std::vector<std::string>& types, bool& nullable);
  void convert_branches(const json::array& branches, json::object& out, bool& nullable, int depth);
  void convert_properties(const json::object& in, json::object& out, int depth);
  void copy_plain(const json::object& in, json::object& out);
  void finish_type(json::object& out, const std::vector<std::string>& types, const json::array& values);
  void convert_enum(json::array values, bool is_const, json::object& out);

  const json::object& root_;
  std::vector<std::string>& dropped_;
  int expansions_ = 0;
};

// "#", "#/$defs/Name", "#/definitions/Name" or any local JSON pointer.
const json::object* Converter::resolve(std::string_view ref) const {
  if (ref.empty() || ref[0] != '#') return nullptr;
  ref.remove_prefix(1);
  const json::object* node = &root_;
  while (!ref.empty()) {
    if (ref[0] != '/') return nullptr;
    ref.remove_prefix(1);
    std::size_t end = std::min(ref.find('/'), ref.size());
    std::string token;
    for (std::size_t i = 0; i < end; ++i) {
      if (ref[i] == '~' && i + 1 < end && (ref[i + 1] == '0' || ref[i + 1] == '1')) {
        token += ref[++i] == '0' ? '~' : '/';
      } else {
        token += ref[i];
      }
    }
    ref.remove_prefix(end);
    const json::value* next = node->if_contains(token);
    if (next == nullptr || !next->is_object()) return nullptr;
    node = &next->get_object();
  }
  return node;
}

// `in` with its $ref expanded and its allOf members merged in: sibling keys
// win, properties are merged, required lists joined.
json::object Converter::flatten(const json::object& in, int depth) {
  json::object out;
  if (const json::value* ref = in.if_contains("$ref"); ref != nullptr && ref->is_string()) {
    const json::object* target = resolve(ref->get_string());
    if (target != nullptr && expansions_ < kMaxRefExpansions && depth < kMaxDepth) {
      ++expansions_;
      out = flatten(*target, depth + 1);
    } else {
      drop("$ref");
      out["type"] = "object";  // unresolvable or recursive beyond the limit: an opaque object
    }
  }
  for (const auto& member : in)
    if (member.key() != "$ref" && member.key() != "allOf") out[member.key()] = member.value();
  const json::value* all = in.if_contains("allOf");
  if (all == nullptr || !all->is_array()) return out;
  for (const auto& part : all->get_array()) {
    if (!part.is_object() || depth >= kMaxDepth) continue;
    json::object sub = flatten(part.get_object(), depth + 1);
    for (const auto& member : sub) {
      json::value& slot = out[member.key()];
      if (slot.is_null()) {
        slot = member.value();
      } else if (member.key() == "properties" && slot.is_object() && member.value().is_object()) {
        for (const auto& p : member.value().get_object())
          if (!slot.get_object().contains(p.key())) slot.get_object()[p.key()] = p.value();
      } else if (member.key() == "required" && slot.is_array() && member.value().is_array()) {
        for (const auto& r : member.value().get_array()) slot.get_array().push_back(r);
      }
    }
  }
  return out;
}

void Converter::read_type(const json::object& in, std::vector<std::string>& types, bool& nullable) {
  const json::value* type = in.if_contains("type");
  auto add = [&](std::string_view t) {
    std::string g = gemini_type(t);
    if (g == "NULL") {
      nullable = true;
    } else if (known_type(g)) {
      types.push_back(std::move(g));
    } else {
      drop("type");
    }
  };
  if (type != nullptr && type->is_string()) add(type->get_string());
  if (type != nullptr && type->is_array())
    for (const auto& t : type->get_array())
      if (t.is_string()) add(t.get_string());
  if (const json::value* n = in.if_contains("nullable"); n != nullptr && n->is_bool() && n->get_bool()) nullable = true;
}

// anyOf / oneOf: null branches become `nullable`; one remaining branch is
// merged into the node, several stay an anyOf.
void Converter::convert_branches(const json::array& branches, json::object& out, bool& nullable, int depth) {
  json::array kept;
  for (const auto& branch : branches) {
    if (is_null_schema(branch)) {
      nullable = true;
    } else if (branch.is_object()) {
      kept.push_back(convert(branch.get_object(), depth + 1));
    }
  }
  if (kept.size() > 1 && std::all_of(kept.begin(), kept.end(), is_string_enum)) {
    json::array values;  // anyOf of string consts (a common enum spelling): one enum
    for (const auto& branch : kept)
      for (const auto& v : branch.get_object().at("enum").get_array()) values.push_back(v);
    kept = json::array{json::object{{"type", "STRING"}, {"enum", std::move(values)}}};
  }
  if (kept.size() == 1) {
    for (const auto& member : kept.front().get_object())
      if (!out.contains(member.key())) out[member.key()] = member.value();
  } else if (!kept.empty()) {
    out["anyOf"] = std::move(kept);
  }
}

void Converter::convert_properties(const json::object& in, json::object& out, int depth) {
  json::object properties;
  if (const auto* p = in.if_contains("properties"); p != nullptr && p->is_object()) {
    for (const auto& member : p->get_object()) {
      if (member.value().is_object()) {
        properties[member.key()] = convert(member.value().get_object(), depth + 1);
      } else if (member.value().is_bool() && member.value().get_bool()) {
        properties[member.key()] = json::object{{"type", "STRING"}};  // `true`: anything
      }
    }
  }
  json::array required;
  if (const auto* r = in.if_contains("required"); r != nullptr && r->is_array()) {
    for (const auto& name : r->get_array()) {
      if (!name.is_string() || !properties.contains(name.get_string())) continue;
      if (std::find(required.begin(), required.end(), name) == required.end()) required.push_back(name);
    }
  }
  json::array ordering;
  if (const auto* o = in.if_contains("propertyOrdering"); o != nullptr && o->is_array())
    for (const auto& name : o->get_array())
      if (name.is_string() && properties.contains(name.get_string())) ordering.push_back(name);
  if (!properties.empty()) out["properties"] = std::move(properties);
  if (!required.empty()) out["required"] = std::move(required);
  if (!ordering.empty()) out["propertyOrdering"] = std::move(ordering);
}

void Converter::copy_plain(const json::object& in, json::object& out) {
  for (const auto& member : in) {
    std::string_view key = member.key();
    const json::value& v = member.value();
    if (one_of(key, kStringKeys) && v.is_string()) {
      out[key] = v;
    } else if (one_of(key, kCountKeys) && (v.is_int64() || v.is_uint64() || v.is_string())) {
      out[key] = v;
    } else if (one_of(key, kNumberKeys) && v.is_number()) {
      out[key] = v;
    } else if (key == "default" || key == "example") {
      out[key] = v;
    } else if (key == "examples" && v.is_array() && !v.get_array().empty() && !in.contains("example")) {
      out["example"] = v.get_array().front();
    } else if (!one_of(key, kHandledKeys) && !one_of(key, kStringKeys) && !one_of(key, kCountKeys) &&
               !one_of(key, kNumberKeys)) {
      drop(key);  // $schema, additionalProperties, $defs, not, if/then/else, exclusiveMinimum, …
    }
  }
}

// Gemini needs a type unless the node is an anyOf: infer it from the shape.
void Converter::finish_type(json::object& out, const std::vector<std::string>& types, const json::array& values) {
  if (types.size() > 1 && !out.contains("anyOf")) {
    json::array any;
    for (const auto& t : types) any.push_back(json::object{{"type", t}});
    out["anyOf"] = std::move(any);
  } else if (types.size() == 1) {
    out["type"] = types.front();
  }
  if (out.contains("type") || out.contains("anyOf")) return;
  if (out.contains("properties")) {
    out["type"] = "OBJECT";
  } else if (out.contains("items")) {
    out["type"] = "ARRAY";
  } else if (!values.empty()) {
    out["type"] = enum_type(values);
  } else if (out.contains("minimum") || out.contains("maximum")) {
    out["type"] = "NUMBER";
  } else {
    out["type"] = "STRING";  // a schema that allows anything: the least wrong choice
  }
}

// Gemini takes `enum` on STRING only; other values are kept as words in the
// description so that the model still sees them.
void Converter::convert_enum(json::array values, bool is_const, json::object& out) {
  bool strings = std::all_of(values.begin(), values.end(), [](const json::value& v) { return v.is_string(); });
  const json::value* type = out.if_contains("type");
  if (strings && type != nullptr && type->is_string() && type->get_string() == "STRING") {
    out["enum"] = std::move(values);
    return;
  }
  drop(is_const ? "const" : "enum");
  std::string words;
  for (const auto& v : values) words += (words.empty() ? "" : ", ") + json::serialize(v);
  json::value& description = out["description"];
  std::string text = description.is_string() ? std::string(description.get_string()) + " " : std::string();
  description = text + "Allowed values: " + words + ".";
}

json::object Converter::convert(const json::object& raw, int depth) {
  if (depth > kMaxDepth) return json::object{{"type", "STRING"}};
  json::object in = flatten(raw, depth);
  json::object out;
  std::vector<std::string> types;
  bool nullable = false;
  read_type(in, types, nullable);
  copy_plain(in, out);
  if (const auto* items = in.if_contains("items")) {
    if (items->is_object()) out["items"] = convert(items->get_object(), depth + 1);
    if (const auto* tuple = items->if_array(); tuple != nullptr && !tuple->empty() && tuple->front().is_object())
      out["items"] = convert(tuple->front().get_object(), depth + 1);  // tuples: the first item's schema
  }
  convert_properties(in, out, depth);
  for (std::string_view key : {"anyOf", "oneOf"})
    if (const auto* branches = in.if_contains(key);
        branches != nullptr && branches->is_array() && !out.contains("anyOf"))
      convert_branches(branches->get_array(), out, nullable, depth);
  if (types.empty())
    if (const auto* t = out.if_contains("type"); t != nullptr && t->is_string()) types.emplace_back(t->get_string());
  json::array values;  // enum, or const as a one-value enum
  if (const auto* e = in.if_contains("enum"); e != nullptr && e->is_array()) values = e->get_array();
  if (const auto* c = in.if_contains("const")) values = json::array{*c};
  finish_type(out, types, values);
  if (!values.empty()) convert_enum(std::move(values), in.contains("const"), out);
  if (const auto* f = in.if_contains("format"); f != nullptr && f->is_string()) {
    const auto* type = out.if_contains("type");
    if (type != nullptr && type->is_string() && format_allowed(type->get_string(), f->get_string())) {
      out["format"] = *f;
    } else {
      drop("format");
    }
  }
  if (nullable) out["nullable"] = true;
  return out;
}

}  // namespace

std::optional<json::object> to_gemini_schema(const json::value& schema, std::vector<std::string>& dropped) {
  const auto* root = schema.if_object();
  if (root == nullptr) return std::nullopt;
  Converter converter(*root, dropped);
  return converter.convert(*root, 0);
}

}  // namespace aisbf::gemini
