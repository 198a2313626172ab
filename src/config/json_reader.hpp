// A small typed reader over boost::json for the config loader: type checks
// that record Diagnostics (with JSON paths) instead of throwing, and getters
// that return a value only when it has the expected type.
// Internal to src/config/.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "config/config.hpp"

namespace aisbf::config_detail {

namespace json = boost::json;

// JSON kinds a field may take, as a bit set.
enum Kind : unsigned {
  kString = 1u << 0,
  kBool = 1u << 1,
  kInteger = 1u << 2,  // an integral number (1 or 1.0)
  kNumber = 1u << 3,   // any number, integers included
  kObject = 1u << 4,
  kArray = 1u << 5,        // an array of anything
  kStringArray = 1u << 6,  // an array whose elements are strings
  kNull = 1u << 7,
  kAny = 0xffu,
};

struct FieldSpec {
  std::string_view key;
  unsigned kinds = 0;
};

// Kinds for a key that is not in a schema's tables (0 = unknown key).
using KeyRule = unsigned (*)(std::string_view key);

// The keys an object may hold: up to three tables plus an optional rule.
// Keys starting with '_' (AISBF's "_comment") are always accepted.
struct Schema {
  std::array<std::span<const FieldSpec>, 3> parts{};
  KeyRule rule = nullptr;

  unsigned kinds_of(std::string_view key) const;  // 0 when unknown
};

// Collects the diagnostics of one file.
class DiagSink {
 public:
  DiagSink(std::vector<Diagnostic>& out, std::string file) : out_(&out), file_(std::move(file)) {}

  void error(std::string path, std::string message);
  void warning(std::string path, std::string message);
  const std::string& file() const { return file_; }
  // Whether an error was already recorded at `path` (one error per path).
  bool has_error(const std::string& path) const { return error_paths_.count(path) != 0; }

 private:
  void add(Diagnostic::Severity severity, std::string path, std::string message);

  std::vector<Diagnostic>* out_;
  std::string file_;
  std::unordered_set<std::string> error_paths_;
};

// Paths: `providers.openai.models[0].name`; keys that are not plain
// identifiers are quoted: `providers["a/b"]`.
std::string key_path(std::string_view parent, std::string_view key);
std::string index_path(std::string_view parent, std::size_t index);

// `text` as a JSON string literal (quoted, escaped), for messages.
std::string json_quoted(std::string_view text);

// "string", "number", "boolean", "null", "array", "object".
const char* kind_name(const json::value& v);
// "an integer or null", "a string or an array of strings", ...
std::string expected_text(unsigned kinds);

// Whether `v` has one of `kinds` (array elements not inspected). Numbers
// must be finite; integers must fit in 64 signed bits.
bool matches(const json::value& v, unsigned kinds);

// Checks `v` against `kinds`; records "expected X, got Y" (and bad
// elements of string arrays) at `path`. Returns whether it matched.
bool check_value(const json::value& v, unsigned kinds, const std::string& path, DiagSink& sink);

// Checks the type of every known key of `obj` and warns once per unknown key.
void check_fields(const json::object& obj, const std::string& path, const Schema& schema, DiagSink& sink);

// Records "missing required field" when `key` is absent; returns presence.
bool require(const json::object& obj, std::string_view key, const std::string& path, DiagSink& sink);

// A required string: records "missing required field" when absent and
// "must not be empty" when empty (a wrong type is check_fields' report).
std::string required_string(const json::object& obj, std::string_view key, const std::string& path,
                            DiagSink& sink);

// Getters: a value only when present with the right type.
std::optional<std::string> get_string(const json::object& obj, std::string_view key);
std::optional<bool> get_bool(const json::object& obj, std::string_view key);
std::optional<std::int64_t> get_int(const json::object& obj, std::string_view key);
std::optional<double> get_number(const json::object& obj, std::string_view key);
std::vector<std::string> get_strings(const json::object& obj, std::string_view key);
const json::object* get_object(const json::object& obj, std::string_view key);
const json::array* get_array(const json::object& obj, std::string_view key);

std::optional<std::int64_t> as_int(const json::value& v);
std::optional<double> as_number(const json::value& v);

// Range checks on a numeric field, when present and numeric.
struct Range {
  double min = 0;
  bool min_exclusive = false;
  std::optional<double> max;
};
// Returns false (after recording an error) when out of range.
bool check_range(const json::object& obj, std::string_view key, const std::string& parent, const Range& range,
                 DiagSink& sink);

// Parses a whole file; on failure records one error with line and column.
std::optional<json::value> parse_json_text(std::string_view text, DiagSink& sink);

}  // namespace aisbf::config_detail
