#include "config/json_reader.hpp"

#include <cmath>
#include <limits>

#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <fmt/format.h>

namespace aisbf::config_detail {

namespace {

constexpr double kTwoPow63 = 9223372036854775808.0;

bool is_plain_key(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool is_integral_double(double d) {
  return std::isfinite(d) && std::trunc(d) == d && d >= -kTwoPow63 && d < kTwoPow63;
}

std::string join_alternatives(const std::vector<const char*>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (i + 1 == items.size()) ? " or " : ", ";
    out += items[i];
  }
  return out;
}

}  // namespace

unsigned Schema::kinds_of(std::string_view key) const {
  if (!key.empty() && key.front() == '_') return kAny;
  for (const auto& part : parts) {
    for (const auto& field : part) {
      if (field.key == key) return field.kinds;
    }
  }
  return rule ? rule(key) : 0u;
}

void DiagSink::add(Diagnostic::Severity severity, std::string path, std::string message) {
  out_->push_back(Diagnostic{severity, file_, std::move(path), std::move(message)});
}
void DiagSink::error(std::string path, std::string message) {
  error_paths_.insert(path);
  add(Diagnostic::Severity::error, std::move(path), std::move(message));
}
void DiagSink::warning(std::string path, std::string message) {
  add(Diagnostic::Severity::warning, std::move(path), std::move(message));
}

std::string key_path(std::string_view parent, std::string_view key) {
  std::string out(parent);
  if (is_plain_key(key)) {
    if (!out.empty()) out += '.';
    out += key;
    return out;
  }
  out += '[';
  out += json_quoted(key);
  out += ']';
  return out;
}

std::string json_quoted(std::string_view text) { return json::serialize(json::string(text)); }

std::string index_path(std::string_view parent, std::size_t index) {
  return fmt::format("{}[{}]", parent, index);
}

const char* kind_name(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string: return "string";
    case json::kind::bool_: return "boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "number";
    case json::kind::object: return "object";
    case json::kind::array: return "array";
    case json::kind::null: return "null";
  }
  return "value";
}

std::string expected_text(unsigned kinds) {
  std::vector<const char*> items;
  if (kinds & kString) items.push_back("a string");
  if (kinds & kBool) items.push_back("a boolean");
  if ((kinds & kInteger) && !(kinds & kNumber)) items.push_back("an integer");
  if (kinds & kNumber) items.push_back("a number");
  if (kinds & kObject) items.push_back("an object");
  if (kinds & kArray) items.push_back("an array");
  if ((kinds & kStringArray) && !(kinds & kArray)) items.push_back("an array of strings");
  if (kinds & kNull) items.push_back("null");
  return join_alternatives(items);
}

bool matches(const json::value& v, unsigned kinds) {
  switch (v.kind()) {
    case json::kind::string: return kinds & kString;
    case json::kind::bool_: return kinds & kBool;
    case json::kind::int64: return kinds & (kInteger | kNumber);
    case json::kind::uint64:
      return (kinds & kNumber) ||
             ((kinds & kInteger) && v.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
    case json::kind::double_: {
      double d = v.get_double();
      if (!std::isfinite(d)) return false;
      return (kinds & kNumber) || ((kinds & kInteger) && is_integral_double(d));
    }
    case json::kind::object: return kinds & kObject;
    case json::kind::array: return kinds & (kArray | kStringArray);
    case json::kind::null: return kinds & kNull;
  }
  return false;
}

namespace {

// Why a number of the right kind was refused, or nullptr.
const char* number_problem(const json::value& v, unsigned kinds) {
  if (!(kinds & (kInteger | kNumber))) return nullptr;
  if (v.is_double() && !std::isfinite(v.get_double())) return "number out of range";
  bool integral = v.is_uint64() || (v.is_double() && std::trunc(v.get_double()) == v.get_double());
  if ((kinds & kInteger) && !(kinds & kNumber) && integral) return "integer out of range";
  return nullptr;
}

}  // namespace

bool check_value(const json::value& v, unsigned kinds, const std::string& path, DiagSink& sink) {
  if (!matches(v, kinds)) {
    const char* problem = number_problem(v, kinds);
    sink.error(path, problem ? problem : fmt::format("expected {}, got {}", expected_text(kinds), kind_name(v)));
    return false;
  }
  const json::array* arr = v.if_array();
  if (arr == nullptr || (kinds & kArray) || !(kinds & kStringArray)) return true;
  bool ok = true;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const json::value& item = (*arr)[i];
    if (!item.is_string()) {
      sink.error(index_path(path, i), fmt::format("expected a string, got {}", kind_name(item)));
      ok = false;
    }
  }
  return ok;
}

void check_fields(const json::object& obj, const std::string& path, const Schema& schema, DiagSink& sink) {
  for (const auto& kv : obj) {
    unsigned kinds = schema.kinds_of(kv.key());
    std::string child = key_path(path, kv.key());
    if (kinds == 0) {
      sink.warning(std::move(child), "unknown key, kept but not used");
      continue;
    }
    check_value(kv.value(), kinds, child, sink);
  }
}

bool require(const json::object& obj, std::string_view key, const std::string& path, DiagSink& sink) {
  if (obj.if_contains(key) != nullptr) return true;
  sink.error(key_path(path, key), "missing required field");
  return false;
}

std::string required_string(const json::object& obj, std::string_view key, const std::string& path,
                            DiagSink& sink) {
  if (!require(obj, key, path, sink)) return {};
  std::optional<std::string> s = get_string(obj, key);
  if (s && s->empty()) sink.error(key_path(path, key), "must not be empty");
  return s.value_or("");
}

std::optional<std::int64_t> as_int(const json::value& v) {
  if (const auto* i = v.if_int64()) return *i;
  if (const auto* u = v.if_uint64()) {
    if (*u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return static_cast<std::int64_t>(*u);
    }
    return std::nullopt;
  }
  if (const auto* d = v.if_double()) {
    if (is_integral_double(*d)) return static_cast<std::int64_t>(*d);
  }
  return std::nullopt;
}

std::optional<double> as_number(const json::value& v) {
  if (const auto* i = v.if_int64()) return static_cast<double>(*i);
  if (const auto* u = v.if_uint64()) return static_cast<double>(*u);
  if (const auto* d = v.if_double()) return *d;
  return std::nullopt;
}

std::optional<std::string> get_string(const json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  const json::string& s = v->get_string();
  return std::string(s.data(), s.size());
}

std::optional<bool> get_bool(const json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  if (v == nullptr || !v->is_bool()) return std::nullopt;
  return v->get_bool();
}

std::optional<std::int64_t> get_int(const json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  return v == nullptr ? std::nullopt : as_int(*v);
}

std::optional<double> get_number(const json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  return v == nullptr ? std::nullopt : as_number(*v);
}

std::vector<std::string> get_strings(const json::object& obj, std::string_view key) {
  std::vector<std::string> out;
  const json::array* arr = get_array(obj, key);
  if (arr == nullptr) return out;
  for (const json::value& item : *arr) {
    if (const json::string* s = item.if_string()) out.emplace_back(s->data(), s->size());
  }
  return out;
}

const json::object* get_object(const json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  return v == nullptr ? nullptr : v->if_object();
}

const json::array* get_array(const json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  return v == nullptr ? nullptr : v->if_array();
}

bool check_range(const json::object& obj, std::string_view key, const std::string& parent, const Range& range,
                 DiagSink& sink) {
  const json::value* v = obj.if_contains(key);
  std::optional<double> d = v == nullptr ? std::nullopt : as_number(*v);
  if (!d) return true;
  const std::string path = key_path(parent, key);
  if (sink.has_error(path)) return false;  // the type was already refused
  bool low_ok = range.min_exclusive ? *d > range.min : *d >= range.min;
  bool high_ok = !range.max || *d <= *range.max;
  if (low_ok && high_ok) return true;
  std::string message;
  if (range.max && range.min_exclusive) {
    message = fmt::format("must be > {} and <= {}", range.min, *range.max);
  } else if (range.max) {
    message = fmt::format("must be between {} and {}", range.min, *range.max);
  } else {
    message = fmt::format("must be {} {}", range.min_exclusive ? ">" : ">=", range.min);
  }
  sink.error(path, std::move(message));
  return false;
}

std::optional<json::value> parse_json_text(std::string_view text, DiagSink& sink) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    sink.error("", "invalid JSON: the file is empty");
    return std::nullopt;
  }
  json::parser parser;
  boost::system::error_code ec;
  std::size_t consumed = parser.write(text.data(), text.size(), ec);
  if (!ec) return parser.release();
  consumed = std::min(consumed, text.size());
  std::size_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < consumed; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  sink.error("", fmt::format("invalid JSON at line {}, column {}: {}", line, consumed - line_start + 1, ec.message()));
  return std::nullopt;
}

}  // namespace aisbf::config_detail
