// Internal to limits/: a string-keyed map looked up by string_view without
// building a std::string (keys are looked up on every request, inserted once).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace aisbf::limits::detail {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

template <class Value>
using StringMap = std::unordered_map<std::string, Value, StringHash, std::equal_to<>>;

// The entry for `key`, created (default-constructed) on first use.
template <class Value>
Value& find_or_create(StringMap<Value>& map, std::string_view key) {
  auto it = map.find(key);
  if (it == map.end()) it = map.emplace(std::string(key), Value{}).first;
  return it->second;
}

}  // namespace aisbf::limits::detail
